import NIOCore

/// Decodes `Decodable` Swift values from ``SocketIOValue`` for the typed event API.
///
/// Objects feed keyed containers, arrays unkeyed ones. `.binary` decodes into `ByteBuffer` or Foundation
/// `Data` (a string still decodes into them the standard way: base64), and ``SocketIOValue`` takes any
/// value as it is. Integer types accept `.int` and whole `.double`s in range; `Double`/`Float` accept
/// both number cases. Errors are the standard `DecodingError`s with the coding path and a message such as
/// "Expected to decode Int but found a string instead."
public struct SocketIOValueDecoder: Sendable {
    /// Contextual information handed to `init(from:)` implementations.
    public var userInfo: [CodingUserInfoKey: any Sendable]

    /// Creates a decoder.
    public init(userInfo: [CodingUserInfoKey: any Sendable] = [:]) {
        self.userInfo = userInfo
    }

    /// Decodes a `T` from `value`.
    public func decode<T: Decodable>(_ type: T.Type, from value: SocketIOValue) throws -> T {
        try SocketIOValueDecoderImpl(value: value, codingPath: [], userInfo: self.userInfo).unbox(value, as: type, at: [])
    }
}

/// The `Decoder` handed to `init(from:)`: one value and where it sits.
final class SocketIOValueDecoderImpl: Decoder {
    let value: SocketIOValue
    let codingPath: [any CodingKey]
    let sendableUserInfo: [CodingUserInfoKey: any Sendable]

    var userInfo: [CodingUserInfoKey: Any] { self.sendableUserInfo }

    init(value: SocketIOValue, codingPath: [any CodingKey], userInfo: [CodingUserInfoKey: any Sendable]) {
        self.value = value
        self.codingPath = codingPath
        self.sendableUserInfo = userInfo
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = self.value else {
            throw Self.mismatch([String: SocketIOValue].self, "an object", found: self.value, at: self.codingPath)
        }
        return KeyedDecodingContainer(SocketIOKeyedDecodingContainer<Key>(decoder: self, members: members, codingPath: self.codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let elements) = self.value else {
            throw Self.mismatch([SocketIOValue].self, "an array", found: self.value, at: self.codingPath)
        }
        return SocketIOUnkeyedDecodingContainer(decoder: self, elements: elements, codingPath: self.codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        SocketIOSingleValueDecodingContainer(decoder: self)
    }

    /// A decoder for a nested value.
    func child(_ value: SocketIOValue, at path: [any CodingKey]) -> SocketIOValueDecoderImpl {
        SocketIOValueDecoderImpl(value: value, codingPath: path, userInfo: self.sendableUserInfo)
    }

    /// A `typeMismatch` error ("Expected to decode X but found a string instead."), or `valueNotFound` when
    /// the value is `null`.
    static func mismatch(_ type: Any.Type, _ expected: String? = nil, found value: SocketIOValue, at path: [any CodingKey]) -> DecodingError {
        let wanted = expected ?? "\(type)"
        if value.isNull {
            return .valueNotFound(type, .init(codingPath: path, debugDescription: "Expected \(wanted) but found null instead."))
        }
        return .typeMismatch(
            type, .init(codingPath: path, debugDescription: "Expected to decode \(wanted) but found \(value.kindDescription) instead.")
        )
    }
}

extension SocketIOValue {
    /// "a string", "an object", … for error messages.
    var kindDescription: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .int, .double: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        case .binary: return "binary data"
        }
    }
}
