import NIOCore

/// Encodes and decodes HTTP long-polling payloads: packets joined by the record separator `0x1e`,
/// binary packets as `b` + base64.
public enum EnginePayloadCodec {
    /// The record separator between packets of a polling payload.
    public static let recordSeparator: UInt8 = 0x1E

    /// Appends the polling payload for `frames` to `buffer`.
    public static func encode<Frames: Sequence>(_ frames: Frames, into buffer: inout ByteBuffer)
    where Frames.Element == EngineFrame {
        var first = true
        for frame in frames {
            if !first { buffer.writeInteger(recordSeparator) }
            first = false
            switch frame.kind {
            case .text:
                buffer.writeImmutableBuffer(frame.bytes)
            case .binary:
                buffer.writeInteger(UInt8(ascii: "b"))
                Base64.encode(frame.bytes.readableBytesView, into: &buffer)
            }
        }
    }

    /// The payload length `encode` would produce, to size buffers once.
    public static func encodedLength<Frames: Sequence>(_ frames: Frames) -> Int where Frames.Element == EngineFrame {
        var total = 0
        for frame in frames {
            total += 1
            switch frame.kind {
            case .text: total += frame.byteCount
            case .binary: total += 1 + Base64.encodedLength(frame.byteCount)
            }
        }
        return max(0, total - 1)
    }

    /// Decodes a polling payload into packets. At most `maxPackets` records are accepted.
    public static func decode(_ payload: ByteBuffer, maxPackets: Int = .max) throws(EngineDecodingError) -> [EngineInboundPacket] {
        var packets: [EngineInboundPacket] = []
        let view = payload.readableBytesView
        var start = view.startIndex
        while true {
            let end = view[start...].firstIndex(of: recordSeparator) ?? view.endIndex
            guard packets.count < maxPackets else { throw .tooManyPackets(limit: maxPackets) }
            let record = view[start..<end]
            if record.first == UInt8(ascii: "b") {
                guard let bytes = Base64.decode(record.dropFirst()) else { throw .invalidBase64 }
                packets.append(.message(.binary(bytes)))
            } else {
                packets.append(try EngineInboundPacket.decodeText(record))
            }
            guard end < view.endIndex else { break }
            start = view.index(after: end)
        }
        return packets
    }
}
