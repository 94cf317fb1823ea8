import NIOCore

/// Decodes Socket.IO v5 packets from the messages of one connection, reassembling binary packets from
/// their text part and the attachments that follow.
///
/// Feed every text message to ``decode(text:)-(ByteBuffer)`` and every binary message to
/// ``decode(binary:)``. Each returns the complete packet, or `nil` while a binary packet still waits for
/// attachments. Binary packets come out with the plain type (`.event` / `.ack`) and `.binary` values in
/// place of their placeholders.
///
/// After any thrown error the decoder is back to idle (a half-assembled packet is dropped); a server
/// normally closes the connection with the reason `parse error` anyway.
public struct SocketIOPacketDecoder: Sendable {
    /// Limits and rules applied while decoding.
    public struct Configuration: Sendable, Hashable {
        /// The most attachments one binary packet may announce (the reference default is 10).
        public var maxAttachments: Int
        /// The most bytes the attachments of one packet may add up to.
        public var maxAttachmentBytes: Int
        /// The deepest nesting of arrays/objects accepted in the JSON payload.
        public var maxJSONDepth: Int
        /// Payload rules; ``SocketIOPacketValidation/incoming`` refuses reserved event names.
        public var validation: SocketIOPacketValidation

        /// Creates a configuration. The attachment byte limit defaults to 10 MB: ten attachments of
        /// Engine.IO's default `maxHttpBufferSize` (1 MB), so it refuses nothing the reference would accept.
        public init(
            maxAttachments: Int = 10,
            maxAttachmentBytes: Int = 10_000_000,
            maxJSONDepth: Int = JSONParser.defaultMaxDepth,
            validation: SocketIOPacketValidation = .incoming
        ) {
            self.maxAttachments = maxAttachments
            self.maxAttachmentBytes = maxAttachmentBytes
            self.maxJSONDepth = maxJSONDepth
            self.validation = validation
        }
    }

    /// A binary packet whose attachments are still arriving.
    private struct PendingPacket: Sendable {
        /// The packet with placeholders still in its payload, already of the plain type.
        var packet: SocketIOPacket
        /// How many attachments the header announced.
        var expected: Int
        /// The attachments received so far.
        var received: [ByteBuffer]
        /// Their total size.
        var receivedBytes: Int
    }

    /// What the decoder waits for.
    private enum State: Sendable {
        /// Waiting for a text message.
        case idle
        /// Waiting for the remaining attachments of a binary packet.
        case awaitingAttachments(PendingPacket)
    }

    /// The limits and rules in force.
    public let configuration: Configuration
    private var state: State = .idle

    /// Creates an idle decoder.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// How many attachments the decoder still waits for (0 when idle).
    public var pendingAttachmentCount: Int {
        switch self.state {
        case .idle: return 0
        case .awaitingAttachments(let pending): return pending.expected - pending.received.count
        }
    }

    /// Drops any half-assembled packet.
    public mutating func reset() {
        self.state = .idle
    }

    /// Decodes a text message (the Socket.IO part, after the Engine.IO `4`): returns the packet, or `nil`
    /// when it is a binary packet that now waits for attachments.
    public mutating func decode(text: ByteBuffer) throws(SocketIOProtocolError) -> SocketIOPacket? {
        let configuration = self.configuration
        let result = text.withUnsafeReadableBytes { bytes in
            Result { () throws(SocketIOProtocolError) -> SocketIOPacketHeaderParser.Parsed in
                try SocketIOPacketHeaderParser.parse(bytes, configuration: configuration)
            }
        }
        return try self.accept(result)
    }

    /// Decodes a text message given as a `String`; see ``decode(text:)-(ByteBuffer)``.
    public mutating func decode(text: String) throws(SocketIOProtocolError) -> SocketIOPacket? {
        let configuration = self.configuration
        var text = text
        let result = text.withUTF8 { utf8 in
            Result { () throws(SocketIOProtocolError) -> SocketIOPacketHeaderParser.Parsed in
                try SocketIOPacketHeaderParser.parse(UnsafeRawBufferPointer(utf8), configuration: configuration)
            }
        }
        return try self.accept(result)
    }

    /// Decodes a binary message: returns the reassembled packet when this was its last attachment, `nil`
    /// while more are due.
    public mutating func decode(binary: ByteBuffer) throws(SocketIOProtocolError) -> SocketIOPacket? {
        guard case .awaitingAttachments(var pending) = self.state else { throw .unexpectedBinaryMessage }
        self.state = .idle
        pending.receivedBytes += binary.readableBytes
        guard pending.receivedBytes <= self.configuration.maxAttachmentBytes else {
            throw .attachmentsTooLarge(limit: self.configuration.maxAttachmentBytes)
        }
        pending.received.append(binary)
        guard pending.received.count == pending.expected else {
            self.state = .awaitingAttachments(pending)
            return nil
        }
        var packet = pending.packet
        packet.payload?.replacePlaceholders(with: pending.received)
        return packet
    }

    /// Moves the state machine on after a text message was parsed.
    private mutating func accept(
        _ result: Result<SocketIOPacketHeaderParser.Parsed, SocketIOProtocolError>
    ) throws(SocketIOProtocolError) -> SocketIOPacket? {
        if case .awaitingAttachments = self.state {
            let pendingCount = self.pendingAttachmentCount
            self.state = .idle
            throw .unexpectedTextMessage(pendingAttachments: pendingCount)
        }
        var parsed = try result.get()
        guard parsed.packet.type.isBinary else { return parsed.packet }

        try SocketIOValue.checkPlaceholders(in: parsed.packet.payload, attachmentCount: parsed.attachmentCount)
        parsed.packet.type = parsed.packet.type.plainCounterpart
        guard parsed.attachmentCount > 0 else { return parsed.packet }
        var received: [ByteBuffer] = []
        received.reserveCapacity(parsed.attachmentCount)
        self.state = .awaitingAttachments(
            PendingPacket(packet: parsed.packet, expected: parsed.attachmentCount, received: received, receivedBytes: 0)
        )
        return nil
    }
}
