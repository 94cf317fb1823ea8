import NIOConcurrencyHelpers
import SocketIORedis

/// Whether this node should receive traffic: it must be accepting connections, not shutting down, and
/// (when Redis is configured) connected to Redis, or its broadcasts would not reach the cluster.
final class NodeReadiness: Sendable {
    /// The node's phase in its lifetime.
    enum Phase: Sendable, Equatable {
        /// Not listening yet.
        case starting
        /// Listening and serving.
        case accepting
        /// Graceful shutdown began.
        case shuttingDown
    }

    /// What `/readyz` answers.
    struct Report: Sendable, Equatable {
        /// 200 when true, 503 otherwise.
        var ready: Bool
        /// `ready`, `starting`, `shutting-down` or `degraded`.
        var status: String
        /// The Redis link's state when Redis is configured.
        var redis: RedisConnectionState?
    }

    private let phaseBox = NIOLockedValueBox(Phase.starting)
    private let redisState: (@Sendable () -> RedisConnectionState)?

    /// `redisState` is nil on the in-memory adapter.
    init(redisState: (@Sendable () -> RedisConnectionState)?) {
        self.redisState = redisState
    }

    /// The phase now.
    var phase: Phase { self.phaseBox.withLockedValue { $0 } }

    /// The listener is bound.
    func markAccepting() {
        self.phaseBox.withLockedValue { phase in
            if phase == .starting { phase = .accepting }
        }
    }

    /// Graceful shutdown began; true the first time only.
    @discardableResult
    func markShuttingDown() -> Bool {
        self.phaseBox.withLockedValue { phase in
            guard phase != .shuttingDown else { return false }
            phase = .shuttingDown
            return true
        }
    }

    /// The answer for `/readyz` now.
    var report: Report {
        let redis = self.redisState?()
        switch self.phase {
        case .starting:
            return Report(ready: false, status: "starting", redis: redis)
        case .shuttingDown:
            return Report(ready: false, status: "shutting-down", redis: redis)
        case .accepting:
            if let redis, redis != .connected {
                return Report(ready: false, status: "degraded", redis: redis)
            }
            return Report(ready: true, status: "ready", redis: redis)
        }
    }
}
