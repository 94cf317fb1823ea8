import Logging
import NIOCore

/// Options of an Engine.IO server; defaults equal the reference's.
public struct EngineServerConfiguration: Sendable {
    /// Which transports clients may use.
    public enum TransportKind: String, Sendable, Hashable, CaseIterable {
        /// HTTP long-polling.
        case polling
        /// WebSocket.
        case websocket
    }

    /// The HTTP path prefix Engine.IO answers on (with a trailing slash), `/engine.io/` by default.
    public var path: String
    /// Heartbeat, upgrade and close deadlines.
    public var timing: EngineSessionTiming
    /// The largest POST body or WebSocket message accepted, and the `maxPayload` advertised (1e6 bytes).
    public var maxHTTPBufferSize: Int
    /// The transports a client may use, polling and websocket by default.
    public var transports: Set<TransportKind>
    /// Whether a polling session may upgrade to WebSocket.
    public var allowUpgrades: Bool
    /// Cross-origin policy; nil sends no CORS headers and answers no preflight.
    public var cors: EngineCORSPolicy?
    /// The `io` cookie set on the handshake response; nil (the default) sets none.
    public var cookie: EngineCookie?
    /// Polling responses at or above this many bytes are compressed when the client accepts it;
    /// nil disables compression. 1024 by default.
    public var compressionThreshold: Int?
    /// Decides whether a handshake may proceed (sees method, headers, query, remote address).
    public var allowRequest: EngineAllowRequest?
    /// Makes session ids; 20 URL-safe random characters by default.
    public var sessionIDGenerator: @Sendable () -> String
    /// Bytes that may wait for a polling client's next GET before the session is closed.
    public var maxBufferedBytes: Int
    /// Bytes a WebSocket may hold unwritten (slow reader) before its session is closed.
    public var maxWebSocketBufferedBytes: Int
    /// Forwards requests for sessions other nodes own; nil (a single node) answers them `Session ID unknown`.
    public var forwarder: (any EngineRequestForwarder)?
    /// Deadlines of HTTP connections (head, body, keep-alive, `allowRequest`, fallback) and the
    /// connection cap.
    public var httpLimits: EngineHTTPLimits
    /// Where the engine logs: refused requests with their Engine.IO error (debug), sessions that end
    /// (debug, with `engineio.sid`, the reason and its description), forwarding failures (notice),
    /// accepts paused for want of file descriptors (warning). Label `engineio` by default.
    public var logger: Logger

    /// A configuration with the reference's defaults at `path`.
    public init(
        path: String = "/engine.io/",
        timing: EngineSessionTiming = EngineSessionTiming(),
        maxHTTPBufferSize: Int = 1_000_000,
        transports: Set<TransportKind> = [.polling, .websocket],
        allowUpgrades: Bool = true,
        cors: EngineCORSPolicy? = nil,
        cookie: EngineCookie? = nil,
        compressionThreshold: Int? = 1024,
        allowRequest: EngineAllowRequest? = nil,
        sessionIDGenerator: @escaping @Sendable () -> String = { SessionIDGenerator.make() },
        maxBufferedBytes: Int = 16 * 1_048_576,
        maxWebSocketBufferedBytes: Int = 16 * 1_048_576,
        httpLimits: EngineHTTPLimits = EngineHTTPLimits()
    ) {
        self.path = path.hasSuffix("/") ? path : path + "/"
        self.timing = timing
        self.maxHTTPBufferSize = maxHTTPBufferSize
        self.transports = transports
        self.allowUpgrades = allowUpgrades
        self.cors = cors
        self.cookie = cookie
        self.compressionThreshold = compressionThreshold
        self.allowRequest = allowRequest
        self.sessionIDGenerator = sessionIDGenerator
        self.maxBufferedBytes = maxBufferedBytes
        self.maxWebSocketBufferedBytes = maxWebSocketBufferedBytes
        self.forwarder = nil
        self.httpLimits = httpLimits
        self.logger = Logger(label: "engineio")
    }
}

/// The `io` cookie option: set on the handshake response only, value = sid.
public struct EngineCookie: Sendable, Hashable {
    /// Cookie name, `io` by default.
    public var name: String
    /// Cookie path, `/` by default.
    public var path: String
    /// Whether the cookie is HttpOnly (default true).
    public var httpOnly: Bool
    /// The SameSite attribute, `Lax` by default; nil omits it.
    public var sameSite: String?

    /// The reference's cookie defaults.
    public init(name: String = "io", path: String = "/", httpOnly: Bool = true, sameSite: String? = "Lax") {
        self.name = name
        self.path = path
        self.httpOnly = httpOnly
        self.sameSite = sameSite
    }

    /// The `Set-Cookie` header value for a session.
    public func headerValue(sessionID: String) -> String {
        var value = "\(self.name)=\(sessionID); Path=\(self.path)"
        if self.httpOnly { value += "; HttpOnly" }
        if let sameSite = self.sameSite { value += "; SameSite=\(sameSite)" }
        return value
    }
}
