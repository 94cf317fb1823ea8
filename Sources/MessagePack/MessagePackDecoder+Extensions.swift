extension MessagePackDecoder {
    /// Decodes an extension whose payload is `length` bytes after the type byte; `format` tells the
    /// fixext forms (fixed payload size) from ext 8/16/32 (declared payload size).
    func decodeExtension(length: Int, format: UInt8, from reader: inout MessagePackByteReader) throws(MessagePackError) -> MessagePackValue {
        let type = Int8(bitPattern: try reader.readByte())
        let isFixed = (0xd4...0xd8).contains(format)
        let payload = try isFixed ? reader.readBytes(length) : reader.readDeclaredBytes(length)
        if type == MessagePackTimestamp.extensionType {
            guard let timestamp = MessagePackTimestamp.decode(payload: payload) else {
                throw .invalidTimestamp(offset: reader.valueStart)
            }
            return .timestamp(seconds: timestamp.seconds, nanoseconds: timestamp.nanoseconds)
        }
        if type == MessagePackTimestamp.legacyDateExtensionType, decodesNotepackLegacyExtensions {
            switch format {
            case 0xd7:  // a JavaScript Date: signed big-endian milliseconds since the epoch
                let milliseconds = Int64(bigEndian: payload.loadUnaligned(as: Int64.self))
                let timestamp = MessagePackTimestamp.fromLegacyMilliseconds(milliseconds)
                return .timestamp(seconds: timestamp.seconds, nanoseconds: timestamp.nanoseconds)
            case 0xd4:  // JavaScript undefined (its one payload byte carries nothing)
                return .nil
            case 0xc7, 0xc8, 0xc9:  // an ArrayBuffer, which notepack.io 3.x writes as bin
                return .binary(Array(payload))
            default:
                break
            }
        }
        return .ext(type: type, data: Array(payload))
    }
}
