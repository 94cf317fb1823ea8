import MessagePack
import SocketIOProtocol

/// The fixed pieces of the msgpack-parser packets the bench sends, encoded once.
enum MsgPackPacketBytes {
    /// The key `"type"`.
    static let typeKey = MessagePackEncoder.encode("type")
    /// The key `"data"`.
    static let dataKey = MessagePackEncoder.encode("data")
    /// The key `"nsp"` and the value `"/"`.
    static let mainNamespace = MessagePackEncoder.encode("nsp") + MessagePackEncoder.encode("/")
    /// The key `"id"`.
    static let idKey = MessagePackEncoder.encode("id")
    /// CONNECT to `/` without auth: `{type: 0, nsp: "/"}`.
    static let connect: [UInt8] = {
        let packet = SocketIOPacket(type: .connect)
        return (try? SocketIOMsgPackPacketEncoder.encode(packet)).map { Array($0.readableBytesView) } ?? []
    }()
}
