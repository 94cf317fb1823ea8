import NIOConcurrencyHelpers
import NIOCore
import ServiceLifecycle

/// A server runs as a swift-service-lifecycle `Service`, beside the application's other services:
///
/// ```swift
/// var configuration = SocketIOServerConfiguration()
/// configuration.listenAddress = SocketIOListenAddress(host: "0.0.0.0", port: 3000)
/// let io = SocketIOServer(configuration: configuration)
/// let group = ServiceGroup(services: [io], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
/// try await group.run()
/// ```
///
/// `run()` binds ``SocketIOServerConfiguration/listenAddress`` and serves until the group's graceful
/// shutdown: then the listener closes (no new connections) and ``shutdown(timeout:)`` drains the
/// clients within ``SocketIOListenAddress/shutdownTimeout`` (every socket leaves with
/// `server shutting down`, WebSockets close with 1001, so clients reconnect elsewhere). Cancellation
/// closes everything at once.
extension SocketIOServer: Service {
    public func run() async throws {
        let address = self.configuration.listenAddress
        let listener = try await self.listen(host: address.host, port: address.port)
        self.serviceAddress.withLockedValue { $0 = listener.localAddress }
        defer { self.serviceAddress.withLockedValue { $0 = nil } }
        await withTaskCancellationOrGracefulShutdownHandler {
            try? await listener.closeFuture.get()
        } onCancelOrGracefulShutdown: {
            listener.close(promise: nil)
        }
        if Task.isCancelled {
            self.close()
        } else {
            await self.shutdown(timeout: address.shutdownTimeout)
        }
    }
}

extension SocketIOServer {
    /// The address ``run()`` is listening on (the port chosen when the configuration asked for 0);
    /// nil before it has bound and after it returned.
    public var localAddress: SocketAddress? { self.serviceAddress.withLockedValue { $0 } }
}

/// Where ``SocketIOServer/run()`` listens, and how long its graceful shutdown may take.
public struct SocketIOListenAddress: Sendable, Hashable {
    /// The address to bind, `127.0.0.1` by default.
    public var host: String
    /// The port, 3000 by default; 0 picks a free one.
    public var port: Int
    /// How long the clients get to be closed at graceful shutdown (10 s by default).
    public var shutdownTimeout: TimeAmount

    /// `host:port` with a shutdown budget.
    public init(host: String = "127.0.0.1", port: Int = 3000, shutdownTimeout: TimeAmount = .seconds(10)) {
        self.host = host
        self.port = port
        self.shutdownTimeout = shutdownTimeout
    }
}
