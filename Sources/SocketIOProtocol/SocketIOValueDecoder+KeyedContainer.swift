import OrderedCollections

/// The keyed container of ``SocketIOValueDecoder``: reads an object's members.
struct SocketIOKeyedDecodingContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: SocketIOValueDecoderImpl
    let members: OrderedDictionary<String, SocketIOValue>
    let codingPath: [any CodingKey]

    var allKeys: [Key] {
        self.members.keys.compactMap { Key(stringValue: $0) }
    }

    func contains(_ key: Key) -> Bool {
        self.members[key.stringValue] != nil
    }

    /// The member for `key`, or `keyNotFound`.
    private func member(_ key: Key) throws -> SocketIOValue {
        guard let value = self.members[key.stringValue] else {
            throw DecodingError.keyNotFound(
                key, .init(codingPath: self.codingPath, debugDescription: "No value associated with key \(key.stringValue).")
            )
        }
        return value
    }

    private func decodeValue<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try self.decoder.unbox(try self.member(key), as: type, at: self.codingPath + [key])
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        try self.member(key).isNull
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try self.decodeValue(type, forKey: key) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try self.decodeValue(type, forKey: key) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try self.decodeValue(type, forKey: key) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try self.decodeValue(type, forKey: key) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try self.decodeValue(type, forKey: key) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try self.decodeValue(type, forKey: key) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try self.decodeValue(type, forKey: key) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try self.decodeValue(type, forKey: key) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try self.decodeValue(type, forKey: key) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try self.decodeValue(type, forKey: key) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try self.decodeValue(type, forKey: key) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try self.decodeValue(type, forKey: key) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try self.decodeValue(type, forKey: key) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try self.decodeValue(type, forKey: key) }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try self.decodeValue(type, forKey: key)
    }

    func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type, forKey key: Key
    ) throws -> KeyedDecodingContainer<NestedKey> {
        try self.decoder.child(try self.member(key), at: self.codingPath + [key]).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try self.decoder.child(try self.member(key), at: self.codingPath + [key]).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        let key = SocketIOCodingKey.super
        return self.decoder.child(self.members[key.stringValue] ?? .null, at: self.codingPath + [key])
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        self.decoder.child(self.members[key.stringValue] ?? .null, at: self.codingPath + [key])
    }
}
