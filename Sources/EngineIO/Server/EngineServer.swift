import NIOCore
import NIOHTTP1

/// An Engine.IO v4 server: owns the sessions and installs the HTTP/WebSocket front on channels.
///
/// ```swift
/// let server = EngineServer(configuration: .init(path: "/engine.io/")) { session in
///     session.handler = MyHandler()          // on the session's event loop
/// }
/// let channel = try await server.bind(host: "127.0.0.1", port: 3000, group: .singletonMultiThreadedEventLoopGroup)
/// ```
public final class EngineServer: Sendable {
    /// The options this server runs with.
    public let configuration: EngineServerConfiguration
    let registry = EngineSessionRegistry()
    /// Counters for metrics.
    public let statistics = EngineStatistics()
    let fallback: EngineHTTPFallback?
    private let onConnection: @Sendable (EngineSession) -> Void

    /// A server with `configuration`. `onConnection` runs on the new session's event loop once its open
    /// packet is out; set the session's handler there. `fallback` answers paths outside
    /// `configuration.path` (404 when nil).
    public init(
        configuration: EngineServerConfiguration = EngineServerConfiguration(),
        fallback: EngineHTTPFallback? = nil,
        onConnection: @escaping @Sendable (EngineSession) -> Void
    ) {
        self.configuration = configuration
        self.fallback = fallback
        self.onConnection = onConnection
    }

    /// The number of sessions held, including ones that are closing.
    public var sessionCount: Int { self.registry.count }

    /// The session with this id, if this server holds it.
    public func session(id: String) -> EngineSession? { self.registry.session(id: id) }

    /// Every session held now.
    public var sessions: [EngineSession] { self.registry.all }

    /// Closes every session (reason `forced close`).
    public func closeAllSessions() {
        for session in self.registry.all { session.close() }
    }

    /// Closes every session for a shutdown so that clients reconnect (to another node) by themselves —
    /// WebSockets with code 1001, held polls with a `noop` (no `1` close packet, which some clients take
    /// as final); their next request gets `Session ID unknown` — and waits until every session is gone
    /// or `timeout` has passed. A polling session with messages queued and no held GET keeps them for
    /// the client's next GET until closeTimeout.
    public func shutdown(timeout: TimeAmount) async {
        for session in self.registry.all { session.close(goingAway: true) }
        let deadline = NIODeadline.now() + timeout
        while self.registry.count > 0 && NIODeadline.now() < deadline {
            try? await Task.sleep(nanoseconds: 10_000_000)
        }
    }

    // MARK: - Sessions

    func authorize(_ request: EngineHandshakeRequest, on loop: any EventLoop) -> EventLoopFuture<EngineAllowRequestDecision> {
        guard let allowRequest = self.configuration.allowRequest else {
            return loop.makeSucceededFuture(.allow)
        }
        let decision = loop.makePromise(of: EngineAllowRequestDecision.self)
        let statistics = self.statistics
        let timeout = loop.scheduleTask(in: self.configuration.httpLimits.allowRequestTimeout) {
            statistics.allowRequestTimeouts.wrappingIncrement(ordering: .relaxed)
            decision.succeed(.deny(message: "allowRequest did not decide in time"))
        }
        loop.makeFutureWithTask { await allowRequest(request) }.whenSuccess { answer in
            timeout.cancel()
            decision.succeed(answer)
        }
        return decision.futureResult
    }

    /// Creates and registers a session pinned to `loop`.
    func makeSession(
        handshake: EngineHandshakeRequest,
        transport: EngineServerConfiguration.TransportKind,
        on loop: any EventLoop
    ) -> EngineSession {
        let handshake = handshake.compacted()
        while true {
            let session = EngineSession(
                id: self.configuration.sessionIDGenerator(),
                eventLoop: loop,
                handshake: handshake,
                configuration: self.configuration,
                registry: self.registry,
                statistics: self.statistics,
                initialTransport: transport,
                now: loop.now
            )
            if self.registry.insert(session) { return session }
        }
    }

    /// Tells the application about a session whose open packet went out.
    func announce(_ session: EngineSession) {
        self.onConnection(session)
    }
}
