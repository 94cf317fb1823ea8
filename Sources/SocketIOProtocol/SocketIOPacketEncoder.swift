import NIOCore

/// A packet in wire form: the text message and the binary attachments that follow it.
public struct SocketIOEncodedPacket: Sendable, Hashable {
    /// The text form `<type>[<attachments>-][<nsp>,][<ackId>][<JSON>]`.
    public var text: ByteBuffer
    /// The binary messages that follow the text, in placeholder order.
    public var attachments: [ByteBuffer]

    /// Creates an encoded packet.
    public init(text: ByteBuffer, attachments: [ByteBuffer]) {
        self.text = text
        self.attachments = attachments
    }
}

/// Writes packets in the Socket.IO v5 text form, pulling binary values out as attachments.
///
/// Encode once, send to many: the output does not depend on the recipient. For EVENT and ACK packets every
/// `.binary` inside the payload (depth first, arrays in order, objects in insertion order) is written as
/// `{"_placeholder":true,"num":i}` and returned as attachment `i`, and the type becomes BINARY_EVENT /
/// BINARY_ACK with the count in the header. The choice between the plain and binary type follows the
/// payload, whichever of the two the packet names. Binary values in other packet types are written in
/// Node's `Buffer` JSON form (see ``JSONSerializer``), like the reference does.
public enum SocketIOPacketEncoder {
    /// Appends the text form of `packet` to `buffer` (after anything already in it, such as an Engine.IO
    /// `4` prefix) and returns the attachments. Checks only what would make the text impossible to parse
    /// back: this is how the server writes its own packets, reserved event names included.
    ///
    /// - Throws: ``SocketIOProtocolError/invalidNamespace(_:)`` unless the namespace is `/`, empty, or
    ///   starts with `/` and contains no `,`; ``SocketIOProtocolError/invalidAckID`` for a negative ack id.
    ///   Nothing is written then.
    @discardableResult
    public static func encode(_ packet: SocketIOPacket, into buffer: inout ByteBuffer) throws(SocketIOProtocolError) -> [ByteBuffer] {
        guard SocketIOPacket.isEncodableNamespace(packet.namespace) else { throw .invalidNamespace(packet.namespace) }
        if let ackID = packet.ackID, ackID < 0 { throw .invalidAckID }

        var payload = packet.payload
        if case .some(.null) = payload { payload = nil }

        var type = packet.type
        var attachmentCount = 0
        if let binaryType = type.binaryCounterpart {
            attachmentCount = payload?.binaryCount ?? 0
            type = attachmentCount > 0 ? binaryType : type.plainCounterpart
        }

        buffer.writeInteger(UInt8(ascii: "0") + type.rawValue)
        if attachmentCount > 0 {
            JSONWriter.writeInteger(attachmentCount, into: &buffer)
            buffer.writeInteger(UInt8(ascii: "-"))
        }
        if !packet.namespace.isEmpty, packet.namespace != "/" {
            buffer.writeString(packet.namespace)
            buffer.writeInteger(UInt8(ascii: ","))
        }
        if let ackID = packet.ackID {
            JSONWriter.writeInteger(ackID, into: &buffer)
        }
        guard let payload else { return [] }
        var writer = JSONWriter(usesPlaceholders: attachmentCount > 0)
        writer.write(payload, into: &buffer)
        return writer.attachments
    }

    /// Validates `packet` with `rules` (see ``SocketIOPacket/validate(_:)``) and then encodes it; use it for
    /// packets that did not originate in this server, such as ones relayed from elsewhere.
    @discardableResult
    public static func encode(
        _ packet: SocketIOPacket, validating rules: SocketIOPacketValidation, into buffer: inout ByteBuffer
    ) throws(SocketIOProtocolError) -> [ByteBuffer] {
        try packet.validate(rules)
        return try Self.encode(packet, into: &buffer)
    }

    /// Encodes `packet` into a fresh buffer; throws what ``encode(_:into:)`` throws.
    public static func encode(_ packet: SocketIOPacket) throws(SocketIOProtocolError) -> SocketIOEncodedPacket {
        var text = ByteBuffer()
        let attachments = try Self.encode(packet, into: &text)
        return SocketIOEncodedPacket(text: text, attachments: attachments)
    }
}
