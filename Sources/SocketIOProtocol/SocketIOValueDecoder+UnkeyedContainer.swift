/// The unkeyed container of ``SocketIOValueDecoder``: reads an array's elements in order.
struct SocketIOUnkeyedDecodingContainer: UnkeyedDecodingContainer {
    let decoder: SocketIOValueDecoderImpl
    let elements: [SocketIOValue]
    let codingPath: [any CodingKey]
    private(set) var currentIndex = 0

    init(decoder: SocketIOValueDecoderImpl, elements: [SocketIOValue], codingPath: [any CodingKey]) {
        self.decoder = decoder
        self.elements = elements
        self.codingPath = codingPath
    }

    var count: Int? { self.elements.count }
    var isAtEnd: Bool { self.currentIndex >= self.elements.count }

    private var currentPath: [any CodingKey] {
        self.codingPath + [SocketIOCodingKey(index: self.currentIndex)]
    }

    /// The next element, or `valueNotFound` at the end.
    private func next(_ type: Any.Type) throws -> SocketIOValue {
        guard !self.isAtEnd else {
            throw DecodingError.valueNotFound(
                type, .init(codingPath: self.currentPath, debugDescription: "Unkeyed container is at end.")
            )
        }
        return self.elements[self.currentIndex]
    }

    private mutating func decodeValue<T: Decodable>(_ type: T.Type) throws -> T {
        let value = try self.decoder.unbox(try self.next(type), as: type, at: self.currentPath)
        self.currentIndex += 1
        return value
    }

    mutating func decodeNil() throws -> Bool {
        guard try self.next(Never.self).isNull else { return false }
        self.currentIndex += 1
        return true
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try self.decodeValue(type) }
    mutating func decode(_ type: String.Type) throws -> String { try self.decodeValue(type) }
    mutating func decode(_ type: Double.Type) throws -> Double { try self.decodeValue(type) }
    mutating func decode(_ type: Float.Type) throws -> Float { try self.decodeValue(type) }
    mutating func decode(_ type: Int.Type) throws -> Int { try self.decodeValue(type) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try self.decodeValue(type) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try self.decodeValue(type) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try self.decodeValue(type) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try self.decodeValue(type) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try self.decodeValue(type) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try self.decodeValue(type) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try self.decodeValue(type) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try self.decodeValue(type) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try self.decodeValue(type) }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try self.decodeValue(type)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let container = try self.decoder.child(try self.next(KeyedDecodingContainer<NestedKey>.self), at: self.currentPath)
            .container(keyedBy: type)
        self.currentIndex += 1
        return container
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let container = try self.decoder.child(try self.next((any UnkeyedDecodingContainer).self), at: self.currentPath)
            .unkeyedContainer()
        self.currentIndex += 1
        return container
    }

    mutating func superDecoder() throws -> any Decoder {
        let decoder = self.decoder.child(try self.next((any Decoder).self), at: self.currentPath)
        self.currentIndex += 1
        return decoder
    }
}
