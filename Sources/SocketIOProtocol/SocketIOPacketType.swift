/// The seven Socket.IO v5 packet types; the raw value is the digit that starts the packet text.
public enum SocketIOPacketType: UInt8, Sendable, Hashable, CaseIterable {
    /// `0`: join a namespace (client, optional `auth` object) or confirm the join (server, `{"sid":…}`).
    case connect = 0
    /// `1`: leave a namespace; never carries a payload.
    case disconnect = 1
    /// `2`: an event; the payload is `[name, ...args]`.
    case event = 2
    /// `3`: an acknowledgement; the payload is the array of ack arguments.
    case ack = 3
    /// `4`: the server refuses a namespace join; the payload is an object (`{"message":…,"data":…}`) or,
    /// from old peers, a string.
    case connectError = 4
    /// `5`: an event with binary attachments (only on the wire; decoded packets are `.event`).
    case binaryEvent = 5
    /// `6`: an acknowledgement with binary attachments (only on the wire; decoded packets are `.ack`).
    case binaryAck = 6

    /// `true` for ``binaryEvent`` and ``binaryAck``, whose header carries an attachment count.
    public var isBinary: Bool {
        self == .binaryEvent || self == .binaryAck
    }

    /// The type with attachments for EVENT/ACK (itself for the binary types, `nil` for the others).
    public var binaryCounterpart: SocketIOPacketType? {
        switch self {
        case .event, .binaryEvent: return .binaryEvent
        case .ack, .binaryAck: return .binaryAck
        case .connect, .disconnect, .connectError: return nil
        }
    }

    /// The type without attachments: ``event`` for ``binaryEvent``, ``ack`` for ``binaryAck``, else itself.
    public var plainCounterpart: SocketIOPacketType {
        switch self {
        case .binaryEvent: return .event
        case .binaryAck: return .ack
        default: return self
        }
    }
}
