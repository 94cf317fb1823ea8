import EngineIO
import NIOCore
import SocketIOProtocol

/// The packet decoder of one client connection, reading messages with the server's parser: the default
/// parser's text packets and attachments, or one msgpack packet per binary message (a text message is
/// then an error, as it is for the reference's msgpack decoder).
struct SocketIOConnectionDecoder: Sendable {
    private var text: SocketIOPacketDecoder
    private let msgpack: SocketIOMsgPackPacketDecoder?

    /// A decoder for `parser` with the server's decoder limits.
    init(parser: SocketIOParser, configuration: SocketIOPacketDecoder.Configuration) {
        self.text = SocketIOPacketDecoder(configuration: configuration)
        switch parser {
        case .default: self.msgpack = nil
        case .msgpack: self.msgpack = SocketIOMsgPackPacketDecoder(configuration: configuration)
        }
    }

    /// The packet `message` completes, or nil while a default-parser binary packet waits for attachments.
    mutating func decode(_ message: EngineMessage) throws(SocketIOProtocolError) -> SocketIOPacket? {
        if let msgpack = self.msgpack {
            guard case .binary(let bytes) = message else { throw .textMessageNotAllowed }
            return try msgpack.decode(bytes)
        }
        switch message {
        case .text(let text): return try self.text.decode(text: text)
        case .binary(let bytes): return try self.text.decode(binary: bytes)
        }
    }
}
