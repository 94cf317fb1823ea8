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
    public var query: [String: String]
    /// The client's address as the server saw it.
    public var remoteAddress: SocketAddress?
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
