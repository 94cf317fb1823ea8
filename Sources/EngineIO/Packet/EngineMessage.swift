import NIOCore

/// Application data carried by an Engine.IO `message` packet, as received from a client.
public enum EngineMessage: Sendable, Hashable {
    /// A text message (the packet's data after the `4`).
    case text(String)
    /// A binary message (a WebSocket binary frame, or `b`+base64 over polling).
    case binary(ByteBuffer)
}
