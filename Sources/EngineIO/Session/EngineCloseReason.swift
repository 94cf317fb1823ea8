/// Why an Engine.IO session ended, with the reference's wording.
public enum EngineCloseReason: String, Sendable, Hashable, CustomStringConvertible {
    /// The transport failed: overlapping requests, a dropped poll, an invalid packet direction, a full buffer.
    case transportError = "transport error"
    /// The client closed the session (close packet) or its WebSocket went away.
    case transportClose = "transport close"
    /// The server closed the session.
    case forcedClose = "forced close"
    /// The client did not answer a ping within pingTimeout.
    case pingTimeout = "ping timeout"
    /// The client sent something that could not be decoded.
    case parseError = "parse error"

    /// The reference wording, e.g. `ping timeout`.
    public var description: String { self.rawValue }
}
