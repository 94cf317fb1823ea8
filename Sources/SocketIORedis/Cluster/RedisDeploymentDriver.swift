import Logging
import NIOCore

/// A driver made from a ``RedisDeployment``: pub/sub, the node directory's key commands, and the state
/// of each link for readiness and metrics.
public protocol RedisDeploymentDriver: RedisPubSubDriver, RedisKeyValueCommands, RedisCommandSending {
    /// Begins connecting and returns at once.
    func start()
    /// Each link's name (a primary's `host:port`) and state; one entry for a single server.
    var linkStates: [(name: String, state: RedisConnectionState)] { get }
}

extension HiredisPubSubDriver: RedisDeploymentDriver {
    public var linkStates: [(name: String, state: RedisConnectionState)] {
        [("\(self.url.host):\(self.url.port)", self.state)]
    }
}

extension RedisClusterDriver: RedisDeploymentDriver {
    public var linkStates: [(name: String, state: RedisConnectionState)] {
        self.shardStates.map { ($0.address.description, $0.state) }
    }
}

extension RedisDeployment {
    /// Whether the deployment can carry the classic adapter (PUBLISH/PSUBSCRIBE): not a Redis Cluster.
    public var supportsClassicPubSub: Bool {
        if case .cluster = self { return false }
        return true
    }

    /// A driver for this deployment on `eventLoopGroup`; call ``RedisDeploymentDriver/start()``.
    public func makeDriver(
        eventLoopGroup: any EventLoopGroup,
        node: HiredisDriverConfiguration = .init(),
        logger: Logger
    ) -> any RedisDeploymentDriver {
        switch self {
        case .standalone(let url):
            return HiredisPubSubDriver(url: url, eventLoopGroup: eventLoopGroup, configuration: node, logger: logger)
        case .cluster(var configuration):
            configuration.node = node
            return RedisClusterDriver(configuration: configuration, eventLoopGroup: eventLoopGroup, logger: logger)
        case .sentinel(var configuration):
            configuration.node = node
            return RedisSentinelDriver(configuration: configuration, eventLoopGroup: eventLoopGroup, logger: logger)
        }
    }
}
