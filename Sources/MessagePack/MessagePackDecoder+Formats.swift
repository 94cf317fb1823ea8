extension MessagePackDecoder {
    /// Decodes the value starting at the reader's offset; `depth` counts the enclosing containers.
    func decodeValue(from reader: inout MessagePackByteReader, depth: Int) throws(MessagePackError) -> MessagePackValue {
        reader.valueStart = reader.offset
        let format = try reader.readByte()
        switch format {
        case 0x00...0x7f: return .int(Int64(format))
        case 0x80...0x8f: return try decodeMap(count: Int(format & 0x0f), from: &reader, depth: depth)
        case 0x90...0x9f: return try decodeArray(count: Int(format & 0x0f), from: &reader, depth: depth)
        case 0xa0...0xbf: return try decodeString(length: Int(format & 0x1f), from: &reader)
        case 0xc0: return .nil
        case 0xc1: throw .invalidFormatByte(format, offset: reader.valueStart)
        case 0xc2: return .bool(false)
        case 0xc3: return .bool(true)
        case 0xc4: return .binary(Array(try reader.readDeclaredBytes(reader.readLength(UInt8.self))))
        case 0xc5: return .binary(Array(try reader.readDeclaredBytes(reader.readLength(UInt16.self))))
        case 0xc6: return .binary(Array(try reader.readDeclaredBytes(reader.readLength(UInt32.self))))
        case 0xc7: return try decodeExtension(length: reader.readLength(UInt8.self), format: format, from: &reader)
        case 0xc8: return try decodeExtension(length: reader.readLength(UInt16.self), format: format, from: &reader)
        case 0xc9: return try decodeExtension(length: reader.readLength(UInt32.self), format: format, from: &reader)
        case 0xca: return .float(Float(bitPattern: try reader.readInteger()))
        case 0xcb: return .double(Double(bitPattern: try reader.readInteger()))
        case 0xcc: return .int(Int64(try reader.readInteger(UInt8.self)))
        case 0xcd: return .int(Int64(try reader.readInteger(UInt16.self)))
        case 0xce: return .int(Int64(try reader.readInteger(UInt32.self)))
        case 0xcf:
            let integer = try reader.readInteger(UInt64.self)
            return Int64(exactly: integer).map(MessagePackValue.int) ?? .uint(integer)
        case 0xd0: return .int(Int64(try reader.readInteger(Int8.self)))
        case 0xd1: return .int(Int64(try reader.readInteger(Int16.self)))
        case 0xd2: return .int(Int64(try reader.readInteger(Int32.self)))
        case 0xd3: return .int(try reader.readInteger(Int64.self))
        case 0xd4: return try decodeExtension(length: 1, format: format, from: &reader)
        case 0xd5: return try decodeExtension(length: 2, format: format, from: &reader)
        case 0xd6: return try decodeExtension(length: 4, format: format, from: &reader)
        case 0xd7: return try decodeExtension(length: 8, format: format, from: &reader)
        case 0xd8: return try decodeExtension(length: 16, format: format, from: &reader)
        case 0xd9: return try decodeString(length: reader.readLength(UInt8.self), from: &reader)
        case 0xda: return try decodeString(length: reader.readLength(UInt16.self), from: &reader)
        case 0xdb: return try decodeString(length: reader.readLength(UInt32.self), from: &reader)
        case 0xdc: return try decodeArray(count: reader.readLength(UInt16.self), from: &reader, depth: depth)
        case 0xdd: return try decodeArray(count: reader.readLength(UInt32.self), from: &reader, depth: depth)
        case 0xde: return try decodeMap(count: reader.readLength(UInt16.self), from: &reader, depth: depth)
        case 0xdf: return try decodeMap(count: reader.readLength(UInt32.self), from: &reader, depth: depth)
        default: return .int(Int64(Int8(bitPattern: format)))  // 0xe0...0xff: negative fixint
        }
    }

    private func decodeString(length: Int, from reader: inout MessagePackByteReader) throws(MessagePackError) -> MessagePackValue {
        let start = reader.valueStart
        let utf8 = try reader.readDeclaredBytes(length)
        let string = String(decoding: utf8, as: UTF8.self)
        // Decoding repairs invalid UTF-8 with U+FFFD, so only valid input survives unchanged.
        guard string.utf8.elementsEqual(utf8) else { throw .invalidUTF8(offset: start) }
        return .string(string)
    }

    private func decodeArray(count: Int, from reader: inout MessagePackByteReader, depth: Int) throws(MessagePackError) -> MessagePackValue {
        // Every element takes at least one byte.
        try checkContainer(count: count, bytesPerElement: 1, reader: reader, depth: depth)
        var elements: [MessagePackValue] = []
        elements.reserveCapacity(min(count, Self.maxReservedElements))
        for _ in 0..<count {
            elements.append(try decodeValue(from: &reader, depth: depth + 1))
        }
        return .array(elements)
    }

    private func decodeMap(count: Int, from reader: inout MessagePackByteReader, depth: Int) throws(MessagePackError) -> MessagePackValue {
        // Every entry takes at least two bytes, a key and a value.
        try checkContainer(count: count, bytesPerElement: 2, reader: reader, depth: depth)
        var entries: [MessagePackValue.MapEntry] = []
        entries.reserveCapacity(min(count, Self.maxReservedElements))
        for _ in 0..<count {
            let key = try decodeValue(from: &reader, depth: depth + 1)
            let value = try decodeValue(from: &reader, depth: depth + 1)
            entries.append(.init(key: key, value: value))
        }
        return .map(entries)
    }

    /// The most elements reserved up front, whatever a container declares.
    private static var maxReservedElements: Int { 1024 }

    private func checkContainer(count: Int, bytesPerElement: Int, reader: MessagePackByteReader, depth: Int) throws(MessagePackError) {
        guard depth < maxDepth else {
            throw .nestingTooDeep(limit: maxDepth, offset: reader.valueStart)
        }
        guard count <= reader.remaining / bytesPerElement else {
            throw .lengthExceedsInput(offset: reader.valueStart, declared: UInt64(count), available: reader.remaining)
        }
    }
}
