import NIOCore

/// One decoded packet received from a client.
public enum EngineInboundPacket: Sendable, Hashable {
    /// A control packet (anything but `message`) and its text data (`probe` for `2probe`).
    case control(EnginePacketType, String)
    /// A `message` packet.
    case message(EngineMessage)

    /// Decodes one text packet (a WebSocket text frame or one record of a polling payload).
    public static func decodeText(_ bytes: ByteBufferView) throws(EngineDecodingError) -> EngineInboundPacket {
        guard let first = bytes.first else { throw .emptyPacket }
        guard let type = EnginePacketType(asciiDigit: first) else { throw .unknownPacketType(first) }
        let data = String(decoding: bytes.dropFirst(), as: UTF8.self)
        if type == .message { return .message(.text(data)) }
        return .control(type, data)
    }
}

/// Why an inbound payload or packet could not be decoded (the session closes with `parse error`).
public enum EngineDecodingError: Error, Sendable, Hashable {
    /// A packet with no bytes at all.
    case emptyPacket
    /// A text packet whose first byte is not a digit 0–6.
    case unknownPacketType(UInt8)
    /// A `b` record whose base64 is malformed.
    case invalidBase64
    /// The payload holds more records than allowed.
    case tooManyPackets(limit: Int)
}
