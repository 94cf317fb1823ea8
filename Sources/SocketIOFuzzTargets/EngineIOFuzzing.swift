import EngineIO
import NIOCore

/// Engine.IO packets and polling payloads as a client sends them.
enum EngineIOFuzzing {
    /// One text packet: decodes or fails with a decoding error, never traps.
    static func packet(_ bytes: UnsafeRawBufferPointer) {
        let buffer = ByteBuffer(bytes: bytes)
        _ = try? EngineInboundPacket.decodeText(buffer.readableBytesView)
    }

    /// A polling body. What decodes is encoded again as frames and decoded once more: the result
    /// must be the same packets (the round trip a server's own payloads take through a client).
    static func payload(_ bytes: UnsafeRawBufferPointer) {
        let buffer = ByteBuffer(bytes: bytes)
        _ = try? EnginePayloadCodec.decode(buffer, maxPackets: 16)
        guard let packets = try? EnginePayloadCodec.decode(buffer) else { return }
        let frames = packets.map(Self.frame(of:))
        var encoded = ByteBuffer()
        EnginePayloadCodec.encode(frames, into: &encoded)
        guard encoded.readableBytes == EnginePayloadCodec.encodedLength(frames) else {
            fuzzFinding("encodedLength disagrees with encode")
        }
        guard let again = try? EnginePayloadCodec.decode(encoded), again == packets else {
            fuzzFinding("a decoded payload does not survive encode and decode")
        }
    }

    private static func frame(of packet: EngineInboundPacket) -> EngineFrame {
        switch packet {
        case .control(let type, let data): return .control(type, data)
        case .message(let message): return EngineFrame(message)
        }
    }
}
