/// Which optional checks packet validation applies.
public struct SocketIOPacketValidation: Sendable, Hashable {
    /// When `false`, an EVENT named like a reserved event (``SocketIOPacket/isReservedEventName(_:)``) is
    /// rejected, as the reference decoder does for packets from clients.
    public var allowsReservedEventNames: Bool

    /// Creates a rule set.
    public init(allowsReservedEventNames: Bool) {
        self.allowsReservedEventNames = allowsReservedEventNames
    }

    /// The rules for packets received from a peer: reserved event names are refused.
    public static let incoming = SocketIOPacketValidation(allowsReservedEventNames: false)
    /// The rules for the server's own packets: every event name is allowed.
    public static let outgoing = SocketIOPacketValidation(allowsReservedEventNames: true)
}

extension SocketIOPacket {
    /// `true` for the event names a peer may not use: `connect`, `connect_error`, `disconnect`,
    /// `disconnecting`, `newListener`, `removeListener`.
    public static func isReservedEventName(_ name: String) -> Bool {
        switch name {
        case "connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener":
            return true
        default:
            return false
        }
    }

    /// Checks a packet built in memory the way the reference's `isPacketValid` does: a namespace that
    /// starts with `/` and has no `,`; a non-negative ack id; and a payload that fits the type, where
    /// CONNECT and DISCONNECT may lack it but EVENT, ACK and CONNECT_ERROR must carry it (a `.null` payload
    /// counts as none). BINARY_EVENT/BINARY_ACK follow the EVENT/ACK rules.
    ///
    /// The decoder applies the same payload rules to every payload it meets but, like the reference decoder,
    /// accepts a packet of any type without a payload.
    public func validate(_ rules: SocketIOPacketValidation = .incoming) throws(SocketIOProtocolError) {
        guard Self.isEncodableNamespace(self.namespace) else { throw .invalidNamespace(self.namespace) }
        if let ackID = self.ackID, ackID < 0 { throw .invalidAckID }
        switch self.payload {
        case .none, .some(.null):
            switch self.type {
            case .connect, .disconnect: return
            default: throw .invalidPayload(self.type)
            }
        case .some(let payload):
            try Self.validatePayload(payload, for: self.type, rules: rules)
        }
    }

    /// `true` when ``SocketIOPacketEncoder`` can write this packet: its namespace can be encoded (see
    /// ``isEncodableNamespace(_:)``) and its ack id, if any, is not negative.
    public var isEncodable: Bool {
        Self.isEncodableNamespace(self.namespace) && (self.ackID ?? 0) >= 0
    }

    /// `true` for `/`, the empty string (treated as `/`), and names that start with `/` without a `,`.
    public static func isEncodableNamespace(_ namespace: String) -> Bool {
        let utf8 = namespace.utf8
        guard let first = utf8.first else { return true }
        return first == UInt8(ascii: "/") && !utf8.contains(UInt8(ascii: ","))
    }

    /// The payload rules of the reference (`isPayloadValid`): CONNECT an object; DISCONNECT nothing at all;
    /// CONNECT_ERROR a string or an object; EVENT an array whose first element is a number or a string that
    /// is not reserved (unless `rules` allow it); ACK an array.
    static func validatePayload(
        _ payload: SocketIOValue, for type: SocketIOPacketType, rules: SocketIOPacketValidation
    ) throws(SocketIOProtocolError) {
        switch (type, payload) {
        case (.connect, .object), (.connectError, .string), (.connectError, .object),
            (.ack, .array), (.binaryAck, .array):
            return
        case (.event, .array(let elements)), (.binaryEvent, .array(let elements)):
            switch elements.first {
            case .int, .double:
                return
            case .string(let name):
                if !rules.allowsReservedEventNames, Self.isReservedEventName(name) {
                    throw .reservedEventName(name)
                }
                return
            default:
                throw .invalidPayload(type)
            }
        default:
            throw .invalidPayload(type)
        }
    }
}
