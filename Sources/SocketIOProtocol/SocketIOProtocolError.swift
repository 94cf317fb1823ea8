/// Everything that can go wrong while parsing JSON or decoding a Socket.IO packet.
///
/// Each malformed form has its own case so that callers (and tests) can tell them apart; a server usually
/// answers all of them the same way: close the client with the reason `parse error`.
public enum SocketIOProtocolError: Error, Hashable, Sendable {
    // MARK: JSON

    /// The JSON text is not valid RFC 8259 JSON; `offset` is the byte offset of the problem inside the
    /// JSON text that was handed to the parser.
    case invalidJSON(reason: String, offset: Int)
    /// Arrays and objects are nested more deeply than the configured limit.
    case jsonNestingTooDeep(limit: Int)

    // MARK: Packet header

    /// The text message is empty, so it has no packet type.
    case emptyPacket
    /// The first character is not a packet type digit `0`…`6`; carries the offending byte.
    case unknownPacketType(UInt8)
    /// A BINARY_EVENT/BINARY_ACK header lacks its attachment count: no digits, a non-digit, a missing `-`,
    /// or a count too large to represent.
    case invalidAttachmentCount
    /// The acknowledgement id does not fit in `Int` (decoding) or is negative (validating).
    case invalidAckID
    /// A namespace other than `/` that does not start with `/` or contains `,` (validating a packet).
    case invalidNamespace(String)

    // MARK: Payload

    /// The JSON payload does not have the shape the packet type requires (for example an EVENT whose payload
    /// is not an array, a CONNECT with an array, a DISCONNECT with any payload).
    case invalidPayload(SocketIOPacketType)
    /// An EVENT names one of the reserved events (`connect`, `disconnect`, …).
    case reservedEventName(String)

    // MARK: Binary attachments

    /// A binary packet announces more attachments than the configured limit.
    case tooManyAttachments(count: Int, limit: Int)
    /// The attachments of one packet add up to more bytes than the configured limit.
    case attachmentsTooLarge(limit: Int)
    /// A binary message arrived while no binary packet was waiting for attachments.
    case unexpectedBinaryMessage
    /// A text message arrived while a binary packet was still waiting for `pendingAttachments` attachments.
    case unexpectedTextMessage(pendingAttachments: Int)
    /// A placeholder object (`"_placeholder":true`) has a `num` that is missing or not a number.
    case invalidPlaceholder
    /// A placeholder's `num` is negative or not below the announced attachment count.
    case placeholderOutOfRange(num: Int, attachments: Int)

    // MARK: msgpack parser

    /// A binary message is not exactly one MessagePack value (truncated, trailing bytes, nested too
    /// deeply, invalid UTF-8…); carries the MessagePack decoder's description.
    case invalidMessagePack(String)
    /// The MessagePack value is not a map, so it has no packet fields.
    case packetNotAMap
    /// The map's `type` is missing, not an integer, or not one of 0…4 (the msgpack parser never uses the
    /// binary types 5 and 6).
    case invalidPacketTypeField
    /// The map's `nsp` is missing or not a string.
    case invalidNamespaceField
    /// A text message arrived on a connection whose parser only reads binary messages.
    case textMessageNotAllowed
}

extension SocketIOProtocolError: CustomStringConvertible {
    /// A short English description for logs.
    public var description: String {
        switch self {
        case .invalidJSON(let reason, let offset): return "invalid JSON at byte \(offset): \(reason)"
        case .jsonNestingTooDeep(let limit): return "JSON nested deeper than \(limit) levels"
        case .emptyPacket: return "empty packet"
        case .unknownPacketType(let byte): return "unknown packet type byte \(byte)"
        case .invalidAttachmentCount: return "illegal attachments count"
        case .invalidAckID: return "illegal acknowledgement id"
        case .invalidNamespace(let namespace): return "invalid namespace '\(namespace)'"
        case .invalidPayload(let type): return "invalid payload for \(type) packet"
        case .reservedEventName(let name): return "reserved event name '\(name)'"
        case .tooManyAttachments(let count, let limit): return "\(count) attachments exceed the limit of \(limit)"
        case .attachmentsTooLarge(let limit): return "attachments exceed \(limit) bytes"
        case .unexpectedBinaryMessage: return "got binary data when not reconstructing a packet"
        case .unexpectedTextMessage(let pending):
            return "got plaintext data while \(pending) attachment(s) are pending"
        case .invalidPlaceholder: return "placeholder without a numeric num"
        case .placeholderOutOfRange(let num, let attachments):
            return "placeholder num \(num) out of range for \(attachments) attachment(s)"
        case .invalidMessagePack(let reason): return "invalid MessagePack: \(reason)"
        case .packetNotAMap: return "the MessagePack packet is not a map"
        case .invalidPacketTypeField: return "invalid packet type"
        case .invalidNamespaceField: return "invalid namespace"
        case .textMessageNotAllowed: return "got a text message with the msgpack parser"
        }
    }
}
