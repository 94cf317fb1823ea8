/// The unkeyed container of ``SocketIOValueEncoder``: fills an array.
struct SocketIOUnkeyedEncodingContainer: UnkeyedEncodingContainer {
    let encoder: SocketIOValueEncoderImpl
    let box: EncodingArrayBox
    let codingPath: [any CodingKey]

    var count: Int { self.box.elements.count }

    private func append(_ value: SocketIOValue) {
        self.box.elements.append(.value(value))
    }

    private var nextPath: [any CodingKey] {
        self.codingPath + [SocketIOCodingKey(index: self.count)]
    }

    mutating func encodeNil() throws { self.append(.null) }
    mutating func encode(_ value: Bool) throws { self.append(.bool(value)) }
    mutating func encode(_ value: String) throws { self.append(.string(value)) }
    mutating func encode(_ value: Double) throws { self.append(.double(value)) }
    mutating func encode(_ value: Float) throws {
        self.append(try SocketIOValueEncoderImpl.directValue(value, at: self.nextPath)!)
    }
    mutating func encode(_ value: Int) throws {
        self.append(try SocketIOValueEncoderImpl.integerValue(value, at: self.nextPath))
    }
    mutating func encode(_ value: Int8) throws {
        self.append(try SocketIOValueEncoderImpl.integerValue(value, at: self.nextPath))
    }
    mutating func encode(_ value: Int16) throws {
        self.append(try SocketIOValueEncoderImpl.integerValue(value, at: self.nextPath))
    }
    mutating func encode(_ value: Int32) throws {
        self.append(try SocketIOValueEncoderImpl.integerValue(value, at: self.nextPath))
    }
    mutating func encode(_ value: Int64) throws {
        self.append(try SocketIOValueEncoderImpl.integerValue(value, at: self.nextPath))
    }
    mutating func encode(_ value: UInt) throws {
        self.append(try SocketIOValueEncoderImpl.integerValue(value, at: self.nextPath))
    }
    mutating func encode(_ value: UInt8) throws {
        self.append(try SocketIOValueEncoderImpl.integerValue(value, at: self.nextPath))
    }
    mutating func encode(_ value: UInt16) throws {
        self.append(try SocketIOValueEncoderImpl.integerValue(value, at: self.nextPath))
    }
    mutating func encode(_ value: UInt32) throws {
        self.append(try SocketIOValueEncoderImpl.integerValue(value, at: self.nextPath))
    }
    mutating func encode(_ value: UInt64) throws {
        self.append(try SocketIOValueEncoderImpl.integerValue(value, at: self.nextPath))
    }

    mutating func encode<T: Encodable>(_ value: T) throws {
        self.box.elements.append(try self.encoder.nestedNode(for: value, at: self.nextPath))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let nested = EncodingObjectBox()
        let path = self.nextPath
        self.box.elements.append(.object(nested))
        return KeyedEncodingContainer(SocketIOKeyedEncodingContainer<NestedKey>(encoder: self.encoder, box: nested, codingPath: path))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let nested = EncodingArrayBox()
        let path = self.nextPath
        self.box.elements.append(.array(nested))
        return SocketIOUnkeyedEncodingContainer(encoder: self.encoder, box: nested, codingPath: path)
    }

    mutating func superEncoder() -> any Encoder {
        let encoder = SocketIOValueEncoderImpl(codingPath: self.nextPath, userInfo: self.encoder.sendableUserInfo)
        self.box.elements.append(.encoder(encoder))
        return encoder
    }
}
