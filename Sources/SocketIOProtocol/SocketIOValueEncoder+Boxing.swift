import NIOCore

extension SocketIOValueEncoderImpl {
    /// Encodes `value` found at `path`: scalars, ``SocketIOValue``, `ByteBuffer` and `Data` directly, the
    /// rest through their `encode(to:)`. Returns `nil` when the value encoded nothing.
    func node<T: Encodable>(for value: T, at path: [any CodingKey]) throws -> EncodingNode? {
        if let direct = try Self.directValue(value, at: path) {
            return .value(direct)
        }
        let encoder = SocketIOValueEncoderImpl(codingPath: path, userInfo: self.sendableUserInfo)
        try value.encode(to: encoder)
        return encoder.storage
    }

    /// Like ``node(for:at:)`` for a nested position, where encoding nothing yields `{}` (as JSONEncoder does).
    func nestedNode<T: Encodable>(for value: T, at path: [any CodingKey]) throws -> EncodingNode {
        try self.node(for: value, at: path) ?? .value(.object([:]))
    }

    /// The value for types this encoder represents itself, `nil` for the others.
    static func directValue<T: Encodable>(_ value: T, at path: [any CodingKey]) throws -> SocketIOValue? {
        switch value {
        case let value as SocketIOValue: return value
        case let value as String: return .string(value)
        case let value as Bool: return .bool(value)
        case let value as Double: return .double(value)
        case let value as Int: return .int(value)
        case let value as ByteBuffer: return .binary(value)
        case let value as any FixedWidthInteger: return try Self.integerValue(value, at: path)
        case let value as any BinaryFloatingPoint:
            // Through the shortest decimal text, so Float(0.1) becomes 0.1 rather than 0.10000000149011612.
            return .double(Double("\(value)") ?? Double(value))
        default:
            return FoundationDataBridge.binary(from: value).map(SocketIOValue.binary)
        }
    }

    /// An integer as `.int`, or an error when it does not fit.
    static func integerValue<I: FixedWidthInteger>(_ value: I, at path: [any CodingKey]) throws -> SocketIOValue {
        guard let integer = Int(exactly: value) else {
            throw EncodingError.invalidValue(
                value, EncodingError.Context(codingPath: path, debugDescription: "\(I.self) \(value) does not fit in Int.")
            )
        }
        return .int(integer)
    }
}
