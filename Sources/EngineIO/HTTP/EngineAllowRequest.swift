import NIOCore
import NIOHTTP1

/// What a handshake looks like to the allowRequest hook and to the application.
public struct EngineHandshakeRequest: Sendable {
    /// `GET` for every valid handshake.
    public var method: HTTPMethod
    /// The request target, e.g. `/socket.io/?EIO=4&transport=polling`.
    public var uri: String
    /// The request headers.
    public var headers: HTTPHeaders
    /// The decoded query parameters (the first value of each name).
    public var query: [String: String] {
        get { self.queryOverride ?? EngineRequestTarget(uri: self.uri).query }
        set { self.queryOverride = newValue }
    }
    /// The client's address as the server saw it.
    public var remoteAddress: SocketAddress?
    /// Whether the request arrived over TLS (``EngineServerConfiguration/tls``).
    public var isSecure = false
    /// The query when it is not the one `uri` spells (or until ``compacted()`` drops the parsed copy).
    private var queryOverride: [String: String]?

    /// A handshake request; `query` is the decoded query of `uri`.
    public init(method: HTTPMethod, uri: String, headers: HTTPHeaders, query: [String: String], remoteAddress: SocketAddress?) {
        self.method = method
        self.uri = uri
        self.headers = headers
        self.queryOverride = query
        self.remoteAddress = remoteAddress
    }
}

extension EngineHandshakeRequest {
    /// The same request in less memory, for a session to keep for its whole life: the headers in
    /// storage of exactly their size (the HTTP decoder reserves room for many; the names and values
    /// themselves are shared, not copied), and no query dictionary when the URI spells the same one
    /// (it is decoded again when read).
    func compacted() -> EngineHandshakeRequest {
        var fields: [(String, String)] = []
        fields.reserveCapacity(self.headers.count)
        for field in self.headers { fields.append((field.name, field.value)) }
        var copy = self
        copy.headers = HTTPHeaders(fields)
        if let query = self.queryOverride, query == EngineRequestTarget(uri: self.uri).query {
            copy.queryOverride = nil
        }
        return copy
    }
}

/// The answer of an allowRequest hook.
public enum EngineAllowRequestDecision: Sendable, Hashable {
    /// The handshake proceeds.
    case allow
    /// The handshake gets 403 `{"code":4,"message":…}` (`Forbidden` when the message is nil).
    case deny(message: String?)
}

/// A hook that decides whether a handshake may proceed; it may suspend (e.g. to check a token).
public typealias EngineAllowRequest = @Sendable (EngineHandshakeRequest) async -> EngineAllowRequestDecision
