import EngineIO
import HummingbirdCore
import SocketIO

extension HTTPServerBuilder {
    /// An HTTP/1.1 server that serves `io` at its path (`/socket.io/` unless configured otherwise) and
    /// every other request through the application's router, on the application's one port.
    ///
    /// ```swift
    /// let io = SocketIOServer()
    /// io.onConnection { socket in socket.emit("hello") }
    /// let router = Router()
    /// router.get("/health") { _, _ in "ok" }
    /// let app = Application(router: router, server: .socketIO(io))
    /// try await app.runService()
    /// ```
    ///
    /// Requests are routed one by one, so a browser's keep-alive connection may carry the page's
    /// requests and Socket.IO's polling requests, and a WebSocket upgrade may follow either. Requests
    /// for Socket.IO get the engine's protections (its `EngineHTTPLimits` deadlines and connection cap,
    /// CORS, `maxHttpBufferSize`, upgrade checks); the engine's HTTP limits also apply to the
    /// connection as a whole (a 60 s deadline for a request's head, 5 s of silence on an idle
    /// keep-alive connection). The engine's fallback responder is not used.
    ///
    /// Building the server throws ``SocketIOHummingbirdError/forwardingNotSupported`` when the engine
    /// has a request forwarder (cluster forwarding of foreign sessions), which this server does not carry.
    public static func socketIO(_ io: SocketIOServer) -> HTTPServerBuilder {
        .engineIO(io.engine)
    }

    /// ``socketIO(_:)`` for a plain Engine.IO server.
    public static func engineIO(_ engine: EngineServer) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            guard engine.configuration.forwarder == nil else { throw SocketIOHummingbirdError.forwardingNotSupported }
            return EngineMountedHTTP1Channel(engine: engine, responder: responder)
        }
    }
}
