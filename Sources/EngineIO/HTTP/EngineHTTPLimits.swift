import NIOCore

/// Deadlines and caps of the HTTP connections an engine serves, so that a slow, silent or hostile
/// peer cannot hold a connection (and its buffers) forever. The deadline defaults equal Node's HTTP
/// server, which the reference runs on.
public struct EngineHTTPLimits: Sendable, Hashable {
    /// Time from a request's first byte (or from the connection's opening, for its first request) to
    /// the end of its head. Past it the connection gets `408 Request Timeout` and is closed (60 s, as
    /// Node's `headersTimeout`).
    public var headersTimeout: TimeAmount
    /// Time from a request's first byte to the end of its body. Past it the connection gets `408`
    /// and is closed (300 s, as Node's `requestTimeout`).
    public var requestTimeout: TimeAmount
    /// Time a keep-alive connection may stay silent after a response before it is closed (5 s, as
    /// Node's `keepAliveTimeout`).
    public var keepAliveTimeout: TimeAmount
    /// Time the `allowRequest` hook has to decide; past it the handshake is refused with 403
    /// (code 4) as if denied. 10 s.
    public var allowRequestTimeout: TimeAmount
    /// Time the application's fallback responder has to answer; past it the request gets
    /// `503 Service Unavailable`. 30 s.
    public var fallbackTimeout: TimeAmount
    /// Connections held open at once; one more is answered `503` with `Connection: close` and closed.
    /// nil (the default) sets no cap.
    public var maxConnections: Int?
    /// How long the listener waits before accepting again after `accept` failed (for example with
    /// `EMFILE`, the process's open-files limit). 100 ms.
    public var acceptBackoff: TimeAmount

    /// Node's HTTP deadlines, no connection cap.
    public init(
        headersTimeout: TimeAmount = .seconds(60),
        requestTimeout: TimeAmount = .seconds(300),
        keepAliveTimeout: TimeAmount = .seconds(5),
        allowRequestTimeout: TimeAmount = .seconds(10),
        fallbackTimeout: TimeAmount = .seconds(30),
        maxConnections: Int? = nil,
        acceptBackoff: TimeAmount = .milliseconds(100)
    ) {
        self.headersTimeout = headersTimeout
        self.requestTimeout = requestTimeout
        self.keepAliveTimeout = keepAliveTimeout
        self.allowRequestTimeout = allowRequestTimeout
        self.fallbackTimeout = fallbackTimeout
        self.maxConnections = maxConnections
        self.acceptBackoff = acceptBackoff
    }
}
