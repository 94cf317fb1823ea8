/// The single-value container of ``SocketIOValueDecoder``: reads the decoder's one value.
struct SocketIOSingleValueDecodingContainer: SingleValueDecodingContainer {
    let decoder: SocketIOValueDecoderImpl

    var codingPath: [any CodingKey] { self.decoder.codingPath }

    private func decodeValue<T: Decodable>(_ type: T.Type) throws -> T {
        try self.decoder.unbox(self.decoder.value, as: type, at: self.codingPath)
    }

    func decodeNil() -> Bool {
        self.decoder.value.isNull
    }

    func decode(_ type: Bool.Type) throws -> Bool { try self.decodeValue(type) }
    func decode(_ type: String.Type) throws -> String { try self.decodeValue(type) }
    func decode(_ type: Double.Type) throws -> Double { try self.decodeValue(type) }
    func decode(_ type: Float.Type) throws -> Float { try self.decodeValue(type) }
    func decode(_ type: Int.Type) throws -> Int { try self.decodeValue(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try self.decodeValue(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try self.decodeValue(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try self.decodeValue(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try self.decodeValue(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try self.decodeValue(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try self.decodeValue(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try self.decodeValue(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try self.decodeValue(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try self.decodeValue(type) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try self.decodeValue(type)
    }
}
