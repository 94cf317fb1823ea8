import EngineIO
import NIOCore
import SocketIOProtocol

/// Encodes a Socket.IO packet once into the Engine.IO frames every recipient receives: the text
/// packet (prefixed with the Engine.IO `4`) and one binary frame per attachment.
enum SocketIOFrames {
    static func encode(_ packet: SocketIOPacket) -> [EngineFrame] {
        var text = ByteBuffer()
        text.writeInteger(EnginePacketType.message.asciiDigit)
        let attachments = SocketIOPacketEncoder.encode(packet, into: &text)
        var frames = [EngineFrame(kind: .text, bytes: text)]
        for attachment in attachments { frames.append(.message(binary: attachment)) }
        return frames
    }
}
