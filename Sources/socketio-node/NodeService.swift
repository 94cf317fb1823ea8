#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Atomics
import Logging
import NIOConcurrencyHelpers
import NIOCore
import ServiceLifecycle
import SocketIO

/// The node's lifetime as a swift-service-lifecycle `Service`: `run()` binds and serves until graceful
/// shutdown (SIGTERM or SIGINT), then drains in this order, all within `--shutdown-timeout` counted
/// from the signal:
/// 1. `/readyz` answers 503 from now on;
/// 2. after `--shutdown-delay` (0 by default) the listener closes: no new connections;
/// 3. every Socket.IO client is closed (`SocketIOServer.beginShutdown()`, WebSockets with 1001): sockets leave with
///    `server shutting down`, WebSockets get a close packet and a close frame, parked polls a close packet;
/// 4. it waits, bounded, until every session is gone (a polling client that had no request parked gets
///    1 s to collect its close packet);
/// 5. the Redis link, if any, gets what is left of the budget (at most 2 s) to flush, then closes.
/// If the service group cancels the service (the timeout passed), the remaining waits are cut short.
struct NodeService: Service, CustomStringConvertible {
    let io: SocketIOServer
    let configuration: NodeConfiguration
    let readiness: NodeReadiness
    let cluster: ClusterAdapter
    let logger: Logger

    /// How service-lifecycle's logs name the service (not a dump of the configuration).
    var description: String { "NodeService(node: \(self.configuration.nodeID))" }

    func run() async throws {
        let listener: any Channel
        do {
            listener = try await self.io.listen(host: self.configuration.host, port: self.configuration.port)
        } catch {
            throw NodeStartupError.cannotListen(host: self.configuration.host, port: self.configuration.port, underlying: error)
        }
        self.readiness.markAccepting()
        self.logger.info(
            "listening",
            metadata: [
                "address": "\(listener.localAddress.map { "\($0)" } ?? "\(self.configuration.host):\(self.configuration.port)")",
                "adapter": "\(self.cluster.kind)",
            ]
        )

        self.cluster.directory?.join()
        let trigger = ShutdownTrigger(listener: listener, delay: self.configuration.shutdownDelay, readiness: self.readiness, logger: self.logger)
        await withTaskCancellationOrGracefulShutdownHandler {
            try? await listener.closeFuture.get()
        } onCancelOrGracefulShutdown: {
            trigger.fire()
        }
        guard let startedAt = trigger.startedAt else {
            throw NodeStartupError.listenerClosed
        }
        // Keep a little of the budget for the process to exit.
        let margin = min(TimeAmount.milliseconds(200), .nanoseconds(self.configuration.shutdownTimeout.nanoseconds / 10))
        await self.drain(deadline: startedAt + self.configuration.shutdownTimeout - margin)
    }

    private func drain(deadline: NIODeadline) async {
        let engine = self.io.engine!
        if let directory = self.cluster.directory {
            self.logger.info("leaving the node directory")
            await directory.leave(timeout: min(.seconds(1), deadline - .now()))
        }
        self.logger.info("closing clients", metadata: ["sessions": "\(engine.sessionCount)"])
        self.io.beginShutdown()
        // Wait for the sessions to go. A polling session that had no GET parked stays in `closing` until
        // its client polls once more and collects the close packet; once no session has a live
        // transport, such clients get at most `pollGrace` to do so.
        let pollGrace = TimeAmount.seconds(1)
        var graceDeadline: NIODeadline?
        while engine.sessionCount > 0, NIODeadline.now() < min(deadline, graceDeadline ?? deadline), !Task.isCancelled {
            let live = engine.statistics.pollingSessions.load(ordering: .relaxed) + engine.statistics.webSocketSessions.load(ordering: .relaxed)
            if live == 0, graceDeadline == nil { graceDeadline = .now() + pollGrace }
            try? await Task.sleep(for: .milliseconds(20))
        }
        if engine.sessionCount > 0 {
            self.logger.notice("leaving sessions that did not finish closing", metadata: ["sessions": "\(engine.sessionCount)"])
        }
        // The last close frames and close packets are written asynchronously; give them a moment.
        await Self.sleep(until: min(deadline, .now() + .milliseconds(50)))
        if let redis = self.cluster.redis {
            let budget = min(deadline - .now(), .seconds(2))
            if budget > .zero, !Task.isCancelled {
                self.logger.info("flushing the adapter", metadata: ["budget_ms": "\(budget.nanoseconds / 1_000_000)"])
                await redis.close(budget)
            }
        }
        self.logger.info("stopped")
    }

    private static func sleep(until deadline: NIODeadline) async {
        let remaining = deadline - .now()
        guard remaining > .zero, !Task.isCancelled else { return }
        try? await Task.sleep(for: .nanoseconds(remaining.nanoseconds))
    }
}

/// Starts the shutdown once: marks the node not ready, then closes the listener after the delay (at
/// once when fired a second time, i.e. on cancellation).
final class ShutdownTrigger: Sendable {
    private struct State {
        var startedAt: NIODeadline?
        var scheduledClose: Scheduled<Void>?
    }

    private let listener: any Channel
    private let delay: TimeAmount
    private let readiness: NodeReadiness
    private let logger: Logger
    private let state = NIOLockedValueBox(State())

    init(listener: any Channel, delay: TimeAmount, readiness: NodeReadiness, logger: Logger) {
        self.listener = listener
        self.delay = delay
        self.readiness = readiness
        self.logger = logger
    }

    /// When the shutdown began; nil if it never did (the listener closed on its own).
    var startedAt: NIODeadline? { self.state.withLockedValue { $0.startedAt } }

    func fire() {
        let listener = self.listener
        let first = self.state.withLockedValue { state -> Bool in
            guard state.startedAt == nil else {
                state.scheduledClose?.cancel()
                state.scheduledClose = nil
                return false
            }
            state.startedAt = .now()
            if self.delay > .zero {
                state.scheduledClose = listener.eventLoop.scheduleTask(in: self.delay) { listener.close(promise: nil) }
            }
            return true
        }
        if first {
            self.readiness.markShuttingDown()
            self.logger.info("graceful shutdown: not ready; closing the listener", metadata: ["delay_ms": "\(self.delay.nanoseconds / 1_000_000)"])
            if self.delay > .zero { return }
        }
        listener.close(promise: nil)
    }
}

/// Errors that stop the node.
enum NodeStartupError: Error, CustomStringConvertible {
    /// Binding the listener failed.
    case cannotListen(host: String, port: Int, underlying: any Error)
    /// The listener closed without a shutdown request.
    case listenerClosed
    /// `--tls-cert` / `--tls-key` did not load.
    case tls(String)

    var description: String {
        switch self {
        case .cannotListen(let host, let port, let underlying):
            let reason: String
            if let error = underlying as? IOError, error.errnoCode == EADDRINUSE {
                reason = "address already in use (another process listens on port \(port); choose another with --port or SOCKETIO_PORT)"
            } else {
                reason = "\(underlying)"
            }
            return "cannot listen on \(host):\(port): \(reason)"
        case .listenerClosed:
            return "the listening socket closed unexpectedly"
        case .tls(let reason):
            return "TLS: \(reason)"
        }
    }
}
