/// The keyed container of ``SocketIOValueEncoder``: fills an object.
struct SocketIOKeyedEncodingContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let encoder: SocketIOValueEncoderImpl
    let box: EncodingObjectBox
    let codingPath: [any CodingKey]

    private func set(_ value: SocketIOValue, _ key: Key) {
        self.box.members[key.stringValue] = .value(value)
    }

    private func path(_ key: Key) -> [any CodingKey] {
        self.codingPath + [key]
    }

    mutating func encodeNil(forKey key: Key) throws { self.set(.null, key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { self.set(.bool(value), key) }
    mutating func encode(_ value: String, forKey key: Key) throws { self.set(.string(value), key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { self.set(.double(value), key) }
    mutating func encode(_ value: Float, forKey key: Key) throws {
        self.set(try SocketIOValueEncoderImpl.directValue(value, at: self.path(key))!, key)
    }
    mutating func encode(_ value: Int, forKey key: Key) throws {
        self.set(try SocketIOValueEncoderImpl.integerValue(value, at: self.path(key)), key)
    }
    mutating func encode(_ value: Int8, forKey key: Key) throws {
        self.set(try SocketIOValueEncoderImpl.integerValue(value, at: self.path(key)), key)
    }
    mutating func encode(_ value: Int16, forKey key: Key) throws {
        self.set(try SocketIOValueEncoderImpl.integerValue(value, at: self.path(key)), key)
    }
    mutating func encode(_ value: Int32, forKey key: Key) throws {
        self.set(try SocketIOValueEncoderImpl.integerValue(value, at: self.path(key)), key)
    }
    mutating func encode(_ value: Int64, forKey key: Key) throws {
        self.set(try SocketIOValueEncoderImpl.integerValue(value, at: self.path(key)), key)
    }
    mutating func encode(_ value: UInt, forKey key: Key) throws {
        self.set(try SocketIOValueEncoderImpl.integerValue(value, at: self.path(key)), key)
    }
    mutating func encode(_ value: UInt8, forKey key: Key) throws {
        self.set(try SocketIOValueEncoderImpl.integerValue(value, at: self.path(key)), key)
    }
    mutating func encode(_ value: UInt16, forKey key: Key) throws {
        self.set(try SocketIOValueEncoderImpl.integerValue(value, at: self.path(key)), key)
    }
    mutating func encode(_ value: UInt32, forKey key: Key) throws {
        self.set(try SocketIOValueEncoderImpl.integerValue(value, at: self.path(key)), key)
    }
    mutating func encode(_ value: UInt64, forKey key: Key) throws {
        self.set(try SocketIOValueEncoderImpl.integerValue(value, at: self.path(key)), key)
    }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        self.box.members[key.stringValue] = try self.encoder.nestedNode(for: value, at: self.path(key))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type, forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        let nested = EncodingObjectBox()
        self.box.members[key.stringValue] = .object(nested)
        return KeyedEncodingContainer(
            SocketIOKeyedEncodingContainer<NestedKey>(encoder: self.encoder, box: nested, codingPath: self.path(key))
        )
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let nested = EncodingArrayBox()
        self.box.members[key.stringValue] = .array(nested)
        return SocketIOUnkeyedEncodingContainer(encoder: self.encoder, box: nested, codingPath: self.path(key))
    }

    mutating func superEncoder() -> any Encoder {
        self.superEncoder(named: SocketIOCodingKey.super)
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        self.superEncoder(named: key)
    }

    private func superEncoder(named key: any CodingKey) -> any Encoder {
        let encoder = SocketIOValueEncoderImpl(codingPath: self.codingPath + [key], userInfo: self.encoder.sendableUserInfo)
        self.box.members[key.stringValue] = .encoder(encoder)
        return encoder
    }
}
