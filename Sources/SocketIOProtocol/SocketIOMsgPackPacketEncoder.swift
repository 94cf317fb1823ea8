import MessagePack
import NIOCore

/// Writes packets in the form of the reference's msgpack parser (`socket.io-msgpack-parser`): one
/// MessagePack map per packet, sent as one binary message.
///
/// The map has the members the reference server's packets have, in its order: `type` (EVENT and ACK
/// whatever binary they carry, never BINARY_EVENT/BINARY_ACK), `data` (absent when the packet has no
/// payload or a `.null` one), `nsp` (the namespace as it is: a CONNECT_ERROR answers an unknown namespace
/// by the name the client sent, as the reference does) and `id` (only with an ack id).
/// Values are converted by ``SocketIOValue/messagePackValue``: binary as native `bin`, integral
/// numbers as integers, as notepack.io writes JavaScript numbers. Encode once, send to many.
public enum SocketIOMsgPackPacketEncoder {
    /// `true` when ``encode(_:into:)`` can write `packet`: its ack id, if any, is not negative. Any
    /// namespace string can be written.
    public static func canEncode(_ packet: SocketIOPacket) -> Bool {
        (packet.ackID ?? 0) >= 0
    }

    /// The MessagePack map of `packet`.
    ///
    /// - Throws: ``SocketIOProtocolError/invalidAckID`` for a negative ack id.
    public static func messagePackValue(of packet: SocketIOPacket) throws(SocketIOProtocolError) -> MessagePackValue {
        guard Self.canEncode(packet) else { throw .invalidAckID }
        var entries: [MessagePackValue.MapEntry] = []
        entries.reserveCapacity(4)
        entries.append(.init(key: "type", value: .int(Int64(packet.type.plainCounterpart.rawValue))))
        switch packet.payload {
        case .none, .some(.null):
            break
        case .some(let payload):
            entries.append(.init(key: "data", value: payload.messagePackValue))
        }
        entries.append(.init(key: "nsp", value: .string(packet.namespace)))
        if let ackID = packet.ackID {
            entries.append(.init(key: "id", value: .int(Int64(ackID))))
        }
        return .map(entries)
    }

    /// Appends the MessagePack bytes of `packet` to `buffer`; nothing is written when it throws.
    ///
    /// - Throws: ``SocketIOProtocolError/invalidAckID`` for a negative ack id.
    public static func encode(_ packet: SocketIOPacket, into buffer: inout ByteBuffer) throws(SocketIOProtocolError) {
        let value = try Self.messagePackValue(of: packet)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.expectedSize)
        MessagePackEncoder.encode(value, into: &bytes)
        buffer.writeBytes(bytes)
    }

    /// The first allocation for the bytes of a packet; larger ones grow.
    static let expectedSize = 128

    /// The MessagePack bytes of `packet` in a fresh buffer; throws what ``encode(_:into:)`` throws.
    public static func encode(_ packet: SocketIOPacket) throws(SocketIOProtocolError) -> ByteBuffer {
        var buffer = ByteBuffer()
        try Self.encode(packet, into: &buffer)
        return buffer
    }
}
