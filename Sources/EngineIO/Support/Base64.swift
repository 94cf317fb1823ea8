import NIOCore

/// Standard base64 (RFC 4648 §4, with padding), as polling payloads carry binary packets.
package enum Base64 {
    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    private static let decodeTable: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(index) }
        return table
    }()

    package static func encodedLength(_ byteCount: Int) -> Int { ((byteCount + 2) / 3) * 4 }

    package static func encode<Bytes: Collection>(_ bytes: Bytes, into buffer: inout ByteBuffer) where Bytes.Element == UInt8 {
        let table = alphabet
        var output = [UInt8]()
        output.reserveCapacity(encodedLength(bytes.count))
        var iterator = bytes.makeIterator()
        while let b0 = iterator.next() {
            let b1 = iterator.next()
            let b2 = iterator.next()
            output.append(table[Int(b0 >> 2)])
            output.append(table[Int(((b0 & 0x03) << 4) | ((b1 ?? 0) >> 4))])
            output.append(b1.map { table[Int((($0 & 0x0F) << 2) | ((b2 ?? 0) >> 6))] } ?? UInt8(ascii: "="))
            output.append(b2.map { table[Int($0 & 0x3F)] } ?? UInt8(ascii: "="))
        }
        buffer.writeBytes(output)
    }

    /// Decodes padded or unpadded base64; nil on any invalid character or length.
    package static func decode<Bytes: Collection>(_ encoded: Bytes) -> ByteBuffer? where Bytes.Element == UInt8 {
        var symbols = Array(encoded)
        while symbols.last == UInt8(ascii: "=") { symbols.removeLast() }
        guard symbols.count % 4 != 1, encoded.count - symbols.count <= 2 else { return nil }
        var buffer = ByteBuffer()
        buffer.reserveCapacity(symbols.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        for symbol in symbols {
            let value = decodeTable[Int(symbol)]
            guard value != 0xFF else { return nil }
            accumulator = (accumulator << 6) | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                buffer.writeInteger(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        return buffer
    }
}
