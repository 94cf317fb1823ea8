/// The single-value container of ``SocketIOValueEncoder``: sets the encoder's one value.
struct SocketIOSingleValueEncodingContainer: SingleValueEncodingContainer {
    let encoder: SocketIOValueEncoderImpl

    var codingPath: [any CodingKey] { self.encoder.codingPath }

    private func set(_ value: SocketIOValue) {
        precondition(self.encoder.storage == nil, "A single value was already encoded at \(self.codingPath).")
        self.encoder.storage = .value(value)
    }

    mutating func encodeNil() throws { self.set(.null) }
    mutating func encode(_ value: Bool) throws { self.set(.bool(value)) }
    mutating func encode(_ value: String) throws { self.set(.string(value)) }
    mutating func encode(_ value: Double) throws { self.set(.double(value)) }
    mutating func encode(_ value: Float) throws {
        self.set(try SocketIOValueEncoderImpl.directValue(value, at: self.codingPath)!)
    }
    mutating func encode(_ value: Int) throws {
        self.set(try SocketIOValueEncoderImpl.integerValue(value, at: self.codingPath))
    }
    mutating func encode(_ value: Int8) throws {
        self.set(try SocketIOValueEncoderImpl.integerValue(value, at: self.codingPath))
    }
    mutating func encode(_ value: Int16) throws {
        self.set(try SocketIOValueEncoderImpl.integerValue(value, at: self.codingPath))
    }
    mutating func encode(_ value: Int32) throws {
        self.set(try SocketIOValueEncoderImpl.integerValue(value, at: self.codingPath))
    }
    mutating func encode(_ value: Int64) throws {
        self.set(try SocketIOValueEncoderImpl.integerValue(value, at: self.codingPath))
    }
    mutating func encode(_ value: UInt) throws {
        self.set(try SocketIOValueEncoderImpl.integerValue(value, at: self.codingPath))
    }
    mutating func encode(_ value: UInt8) throws {
        self.set(try SocketIOValueEncoderImpl.integerValue(value, at: self.codingPath))
    }
    mutating func encode(_ value: UInt16) throws {
        self.set(try SocketIOValueEncoderImpl.integerValue(value, at: self.codingPath))
    }
    mutating func encode(_ value: UInt32) throws {
        self.set(try SocketIOValueEncoderImpl.integerValue(value, at: self.codingPath))
    }
    mutating func encode(_ value: UInt64) throws {
        self.set(try SocketIOValueEncoderImpl.integerValue(value, at: self.codingPath))
    }

    mutating func encode<T: Encodable>(_ value: T) throws {
        precondition(self.encoder.storage == nil, "A single value was already encoded at \(self.codingPath).")
        self.encoder.storage = try self.encoder.nestedNode(for: value, at: self.codingPath)
    }
}
