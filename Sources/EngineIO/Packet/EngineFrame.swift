import NIOCore

/// An encoded outbound Engine.IO packet, ready to be written to any number of sessions.
///
/// A text frame holds the packet's type digit followed by its UTF-8 data, exactly the bytes of a
/// WebSocket text frame and of one record of a polling payload. A binary frame holds the raw bytes of a
/// binary message (a WebSocket binary frame; `b`+base64 over polling). Build a frame once and send it
/// to every recipient: the bytes are shared, never copied per recipient.
public struct EngineFrame: Sendable, Hashable {
    /// Whether the frame is text or binary.
    public enum Kind: Sendable, Hashable {
        /// Type digit + UTF-8 data.
        case text
        /// Raw bytes of a binary message.
        case binary
    }

    /// Text or binary.
    public let kind: Kind
    /// The encoded bytes (see the type's documentation).
    public let bytes: ByteBuffer
    /// The whole WebSocket message (frame header and payload) when prepared with
    /// ``preparedForBroadcast()``: written as is, without a header per recipient.
    public private(set) var webSocketMessage: ByteBuffer?
    /// Whether a WebSocket that negotiated permessage-deflate may compress this frame (true by
    /// default; Socket.IO's `compress(false)` clears it). Polling compression goes by size alone.
    /// Not part of equality.
    public var compress: Bool = true

    /// A frame from already encoded bytes. For `.text`, `bytes` must start with the type digit.
    public init(kind: Kind, bytes: ByteBuffer) {
        self.kind = kind
        self.bytes = bytes
        self.webSocketMessage = nil
    }

    /// This frame with ``compress`` set to `compress`.
    public func compressed(_ compress: Bool) -> EngineFrame {
        var frame = self
        frame.compress = compress
        return frame
    }

    /// This frame with its own copy of the bytes and the complete WebSocket message built once, for
    /// writing to many recipients on one event loop: no per-recipient header, and no reference count
    /// shared with other loops' copies.
    public func preparedForBroadcast() -> EngineFrame {
        let bytes = self.bytes
        return Self.framed(self.kind, capacity: bytes.readableBytes) { $0.writeImmutableBuffer(bytes) }.frame.compressed(self.compress)
    }

    /// A frame whose bytes `body` writes, laid out so that its complete WebSocket message (header and
    /// payload) shares the frame's storage: a WebSocket transport writes that message as is, with no
    /// second buffer and no copy. Polling transports read ``bytes`` as usual. `capacity` is a hint for
    /// the size of what `body` writes.
    public static func framed<Result>(
        _ kind: Kind,
        capacity: Int,
        writing body: (inout ByteBuffer) throws -> Result
    ) rethrows -> (frame: EngineFrame, result: Result) {
        let room = EngineWebSocketFrameHeader.maxLength
        var buffer = ByteBuffer()
        buffer.reserveCapacity(room + capacity)
        buffer.moveWriterIndex(to: room)
        buffer.moveReaderIndex(to: room)
        let result = try body(&buffer)
        let length = buffer.readableBytes
        let headerLength = EngineWebSocketFrameHeader.length(payloadLength: length)
        // The room is still in front unless `body` replaced the buffer; then the transport frames it.
        guard buffer.readerIndex >= headerLength else { return (EngineFrame(kind: kind, bytes: buffer), result) }
        // The header goes in while the storage is still this buffer's alone (no copy on write).
        let start = buffer.readerIndex - headerLength
        let opcode = kind == .text ? EngineWebSocketFrameParser.Opcode.text : EngineWebSocketFrameParser.Opcode.binary
        EngineWebSocketFrameHeader.set(opcode: opcode, payloadLength: length, in: &buffer, at: start)
        var frame = EngineFrame(kind: kind, bytes: buffer)
        // The same storage, read from the header on (moving an index writes nothing: no copy).
        var message = buffer
        message.moveReaderIndex(to: start)
        frame.webSocketMessage = message
        return (frame, result)
    }

    /// Frames are equal when their kind and bytes are.
    public static func == (lhs: EngineFrame, rhs: EngineFrame) -> Bool {
        lhs.kind == rhs.kind && lhs.bytes == rhs.bytes
    }

    /// Hashes the kind and the bytes.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(self.kind)
        hasher.combine(self.bytes)
    }

    /// A text `message` packet carrying `text`.
    public static func message(_ text: String) -> EngineFrame {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(text.utf8.count + 1)
        buffer.writeInteger(EnginePacketType.message.asciiDigit)
        buffer.writeString(text)
        return EngineFrame(kind: .text, bytes: buffer)
    }

    /// A binary `message` packet carrying `bytes`.
    public static func message(binary bytes: ByteBuffer) -> EngineFrame {
        EngineFrame(kind: .binary, bytes: bytes)
    }

    /// A control packet of `type` with optional text data (e.g. `3probe`).
    public static func control(_ type: EnginePacketType, _ data: String = "") -> EngineFrame {
        var buffer = ByteBuffer()
        buffer.writeInteger(type.asciiDigit)
        buffer.writeString(data)
        return EngineFrame(kind: .text, bytes: buffer)
    }

    /// The frame of an outgoing message, built from an inbound message (used by echo servers).
    public init(_ message: EngineMessage) {
        switch message {
        case .text(let text): self = .message(text)
        case .binary(let bytes): self = .message(binary: bytes)
        }
    }

    /// Bytes this frame occupies in an outbound buffer.
    @inlinable
    public var byteCount: Int { self.bytes.readableBytes }

    /// The packet type of a text frame; binary frames are always `message`.
    public var packetType: EnginePacketType? {
        switch self.kind {
        case .binary: return .message
        case .text: return self.bytes.getInteger(at: self.bytes.readerIndex, as: UInt8.self).flatMap(EnginePacketType.init(asciiDigit:))
        }
    }

    static let ping = EngineFrame.control(.ping)
    static let noop = EngineFrame.control(.noop)
    static let close = EngineFrame.control(.close)
    static let probePong = EngineFrame.control(.pong, "probe")
}
