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
        /// Each Redis link's state by address (every primary of a Redis Cluster; the primary Sentinel
        /// named; the one server), when Redis is configured.
        var redisLinks: [String: RedisConnectionState]? = nil
    }

    private let phaseBox = NIOLockedValueBox(Phase.starting)
    private let redisState: (@Sendable () -> RedisConnectionState)?
    private let redisLinks: (@Sendable () -> [(name: String, state: RedisConnectionState)])?

    /// `redisState` and `redisLinks` are nil on the in-memory adapter.
    init(
        redisState: (@Sendable () -> RedisConnectionState)?,
        redisLinks: (@Sendable () -> [(name: String, state: RedisConnectionState)])? = nil
    ) {
        self.redisState = redisState
        self.redisLinks = redisLinks
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
        var report = self.phaseReport
        report.redisLinks = self.redisLinks.map { links in
            Dictionary(links().map { ($0.name, $0.state) }, uniquingKeysWith: { first, _ in first })
        }
        return report
    }

    private var phaseReport: Report {
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
