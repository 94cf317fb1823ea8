import NIOCore
import ServiceLifecycle
import SocketIO

/// Drains Socket.IO when the service group shuts down, before the Hummingbird application stops, so
/// clients reconnect by themselves as they do from the engine's own listener: sockets leave with
/// `server shutting down`, WebSockets close with 1001, held polls get a `noop` (`SocketIOServer.shutdown`).
///
/// A service group shuts its services down in reverse order, so put this one after the application:
///
/// ```swift
/// let group = ServiceGroup(configuration: .init(
///     services: [app, SocketIOShutdownService(io)],
///     gracefulShutdownSignals: [.sigterm, .sigint],
///     logger: logger
/// ))
/// try await group.run()
/// ```
///
/// Use it instead of adding `io` to the group: `SocketIOServer`'s own `run()` binds a listener of its
/// own (`configuration.listenAddress`), which a mounted server does not want.
///
/// Without it the application still stops, but a connection with a held poll stays open until that
/// poll is answered (the next ping, up to pingInterval), and WebSockets close with no close frame.
public struct SocketIOShutdownService: Service {
    /// The server to drain.
    public let io: SocketIOServer
    /// How long the drain waits for every session to end.
    public let timeout: TimeAmount

    /// Drains `io` on graceful shutdown, waiting at most `timeout` for its sessions to end.
    public init(_ io: SocketIOServer, timeout: TimeAmount = .seconds(10)) {
        self.io = io
        self.timeout = timeout
    }

    /// Waits for the graceful shutdown, then drains; returns at once if cancelled.
    public func run() async throws {
        do {
            try await gracefulShutdown()
        } catch {
            return
        }
        await self.io.shutdown(timeout: self.timeout)
    }
}
