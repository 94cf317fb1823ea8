/// One Socket.IO v5 packet: type, namespace, optional ack id and optional payload.
///
/// Binary values stay inside ``payload`` as `.binary`; the encoder turns them into placeholders plus
/// attachments and the decoder turns them back, so a decoded binary event has type ``SocketIOPacketType/event``
/// (and a binary ack ``SocketIOPacketType/ack``), exactly like the reference parser's output.
public struct SocketIOPacket: Sendable, Hashable {
    /// The packet type.
    public var type: SocketIOPacketType
    /// The namespace, `"/"` for the main one. Other namespaces start with `/` and never contain `,`.
    public var namespace: String
    /// The acknowledgement id (EVENT asking for an ack, or ACK answering one); never negative.
    public var ackID: Int?
    /// The JSON payload; `nil` when the packet has none. A `.null` payload is written like no payload, as
    /// the reference encoder does.
    public var payload: SocketIOValue?

    /// Creates a packet.
    public init(type: SocketIOPacketType, namespace: String = "/", ackID: Int? = nil, payload: SocketIOValue? = nil) {
        self.type = type
        self.namespace = namespace
        self.ackID = ackID
        self.payload = payload
    }
}

extension SocketIOPacket {
    /// An EVENT packet `[name, ...arguments]`.
    public static func event(
        _ name: String, _ arguments: [SocketIOValue] = [], namespace: String = "/", ackID: Int? = nil
    ) -> SocketIOPacket {
        var payload: [SocketIOValue] = [.string(name)]
        payload.append(contentsOf: arguments)
        return SocketIOPacket(type: .event, namespace: namespace, ackID: ackID, payload: .array(payload))
    }

    /// An ACK packet answering `ackID` with `arguments`.
    public static func ack(_ ackID: Int, _ arguments: [SocketIOValue] = [], namespace: String = "/") -> SocketIOPacket {
        SocketIOPacket(type: .ack, namespace: namespace, ackID: ackID, payload: .array(arguments))
    }

    /// The event name when this is an EVENT whose first payload element is a string.
    public var eventName: String? {
        guard self.type == .event || self.type == .binaryEvent else { return nil }
        return self.payload?[0]?.stringValue
    }
}
