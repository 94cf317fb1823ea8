import NIOCore

/// Encryption of the connections ``EngineServer/bind(host:port:group:)`` accepts (`https`, `wss`).
///
/// The engine does not link a TLS library itself: the application hands it a factory of the handler
/// that encrypts one connection, e.g. with swift-nio-ssl
/// `EngineTLS { NIOSSLServerHandler(context: sslContext) }`. That handler goes first in every accepted
/// connection's pipeline, before the HTTP codec, so every HTTP deadline and limit applies to the
/// decrypted requests (a peer that never finishes its TLS handshake meets the headers deadline).
/// Handshakes on such connections report `secure: true`.
public struct EngineTLS: Sendable {
    /// Makes the handler for one connection; called on the connection's event loop.
    public var makeHandler: @Sendable () throws -> any ChannelHandler

    /// TLS with handlers from `makeHandler`.
    public init(makeHandler: @escaping @Sendable () throws -> any ChannelHandler) {
        self.makeHandler = makeHandler
    }
}
