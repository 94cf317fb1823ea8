import NIOCore

extension SocketIOValueDecoderImpl {
    /// Decodes `value` at `path` as a `T`: scalars and the special types directly, the rest through
    /// `init(from:)`.
    func unbox<T: Decodable>(_ value: SocketIOValue, as type: T.Type, at path: [any CodingKey]) throws -> T {
        if T.self == SocketIOValue.self { return value as! T }
        if T.self == String.self { return try Self.unboxString(value, at: path) as! T }
        if T.self == Bool.self { return try Self.unboxBool(value, at: path) as! T }
        if let integerType = T.self as? any (FixedWidthInteger & Decodable).Type {
            return try Self.unboxInteger(value, as: integerType, at: path) as! T
        }
        if let floatType = T.self as? any (BinaryFloatingPoint & Decodable).Type {
            return try Self.unboxFloat(value, as: floatType, at: path) as! T
        }
        if case .binary(let bytes) = value {
            if T.self == ByteBuffer.self { return bytes as! T }
            if let data = FoundationDataBridge.value(T.self, from: bytes) { return data }
        }
        return try T(from: self.child(value, at: path))
    }

    static func unboxString(_ value: SocketIOValue, at path: [any CodingKey]) throws -> String {
        guard case .string(let string) = value else { throw Self.mismatch(String.self, found: value, at: path) }
        return string
    }

    static func unboxBool(_ value: SocketIOValue, at path: [any CodingKey]) throws -> Bool {
        guard case .bool(let flag) = value else { throw Self.mismatch(Bool.self, found: value, at: path) }
        return flag
    }

    /// An integer from `.int` or a whole `.double`, if it fits in `I`.
    static func unboxInteger<I: FixedWidthInteger>(_ value: SocketIOValue, as type: I.Type, at path: [any CodingKey]) throws -> I {
        let result: I?
        switch value {
        case .int(let integer): result = I(exactly: integer)
        case .double(let number): result = I(exactly: number)
        default: throw Self.mismatch(I.self, found: value, at: path)
        }
        guard let result else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: path, debugDescription: "Number \(value) is not representable as \(I.self).")
            )
        }
        return result
    }

    /// A floating-point number from either number case; a finite value too large for `F` is an error.
    static func unboxFloat<F: BinaryFloatingPoint>(_ value: SocketIOValue, as type: F.Type, at path: [any CodingKey]) throws -> F {
        let number: Double
        switch value {
        case .double(let double): number = double
        case .int(let integer): number = Double(integer)
        default: throw Self.mismatch(F.self, found: value, at: path)
        }
        let result = F(number)
        guard result.isFinite || !number.isFinite else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: path, debugDescription: "Number \(value) does not fit in \(F.self).")
            )
        }
        return result
    }
}
