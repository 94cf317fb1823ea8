import EngineIO
import NIOCore
import SocketIOProtocol

/// Encodes a Socket.IO packet once, with the server's parser, into the Engine.IO frames every
/// recipient receives: with the default parser the text packet (prefixed with the Engine.IO `4`) and
/// one binary frame per attachment; with the msgpack parser one binary frame.
enum SocketIOFrames {
    /// `compress: false` (a broadcast's `compress(false)`) keeps WebSocket permessage-deflate off
    /// for these frames.
    static func encode(_ packet: SocketIOPacket, parser: SocketIOParser, compress: Bool = true) -> [EngineFrame] {
        var frames: [EngineFrame] = []
        self.forEachFrame(of: packet, parser: parser) { frames.append(compress ? $0 : $0.compressed(false)) }
        return frames
    }

    /// Encodes `packet` and hands `body` its frames in order, without collecting them (a packet for
    /// one socket). A packet that cannot be written has no frames: with the default parser a namespace
    /// with `,` or without the leading `/` (no client could be in such a namespace, and
    /// ``SocketIOServer/of(_:)`` logs such names when they are created), with either a negative ack id.
    static func forEachFrame(of packet: SocketIOPacket, parser: SocketIOParser, _ body: (EngineFrame) -> Void) {
        switch parser {
        case .default:
            guard packet.isEncodable else { return }
            // Framed for WebSocket as it is encoded: one buffer, written as is by a WebSocket transport.
            let (text, attachments) = EngineFrame.framed(.text, capacity: Self.expectedTextSize) { buffer in
                buffer.writeInteger(EnginePacketType.message.asciiDigit)
                // Cannot fail: the packet was checked above.
                return (try? SocketIOPacketEncoder.encode(packet, into: &buffer)) ?? []
            }
            body(text)
            for attachment in attachments { body(.message(binary: attachment)) }
        case .msgpack:
            guard SocketIOMsgPackPacketEncoder.canEncode(packet) else { return }
            let (frame, _) = EngineFrame.framed(.binary, capacity: Self.expectedTextSize) { buffer in
                // Cannot fail: the packet was checked above.
                try? SocketIOMsgPackPacketEncoder.encode(packet, into: &buffer)
            }
            body(frame)
        }
    }

    /// The first allocation's size for an encoded packet; larger ones grow.
    static let expectedTextSize = 96
}
