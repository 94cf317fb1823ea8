/// How a server writes and reads Socket.IO packets; every client of the server must use the same one.
public enum SocketIOParser: String, Sendable, Hashable, CaseIterable {
    /// The reference's default parser (`socket.io-parser`): packets as text
    /// (`<type>[<attachments>-][<nsp>,][<ackId>][<JSON>]`), binary values as attachment messages.
    /// ``SocketIOPacketEncoder`` and ``SocketIOPacketDecoder``.
    case `default`
    /// The reference's `socket.io-msgpack-parser`: each packet is one MessagePack map
    /// `{type, data?, nsp, id?}` in one binary message, binary values native `bin`, no attachments.
    /// ``SocketIOMsgPackPacketEncoder`` and ``SocketIOMsgPackPacketDecoder``.
    case msgpack
}
