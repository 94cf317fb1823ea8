import EngineIO
import Logging
import NIOCore
import SocketIO
import SocketIOCluster
import SocketIORedis

// All of the node's Redis wiring lives in this file, behind `makeClusterAdapter`. Readiness, metrics and
// shutdown only see `ClusterAdapter` and `RedisLink`, so wiring in the Redis adapter changes this file
// and nothing else.

/// The adapter every namespace gets, and the Redis link behind it when there is one.
struct ClusterAdapter: Sendable {
    /// Makes each namespace's adapter.
    var factory: SocketIOAdapterFactory
    /// The Redis link; nil on the in-memory adapter (a single node).
    var redis: RedisLink?
    /// A short name for logs and `socketio_node_info`: `memory`, `redis-classic`, `redis-sharded`, `redis-streams`.
    var kind: String
    /// This node's entry in the node directory (with Redis only).
    var directory: NodeDirectory? = nil
    /// Forwards requests for other nodes' sessions (with Redis only).
    var forwarder: ClusterRequestForwarder? = nil
}

/// What the rest of the node reads from, and does to, the connection to Redis.
struct RedisLink: Sendable {
    /// The link's state now (readiness and the `socketio_redis_state` gauge).
    var state: @Sendable () -> RedisConnectionState
    /// Each link (a Redis Cluster primary, or the one server) and its state (readiness and metrics).
    var links: @Sendable () -> [(name: String, state: RedisConnectionState)]
    /// Redirections and topology refreshes on a Redis Cluster; nil otherwise.
    var cluster: RedisClusterStatistics?
    /// Publishes, receives, drops and reconnects (metrics).
    var statistics: RedisDriverStatistics
    /// Flushes what can be flushed within the timeout, then closes (the last step of a graceful shutdown).
    var close: @Sendable (TimeAmount) async -> Void
}

/// Why the node cannot set up its adapter.
struct ClusterAdapterError: Error, CustomStringConvertible {
    var description: String
}

/// The in-memory adapter without `--redis`; with it, the Redis adapter (classic, sharded or streams) on a driver
/// connected to `configuration.redis`.
func makeClusterAdapter(
    configuration: NodeConfiguration,
    group: any EventLoopGroup,
    logger: Logger
) async throws -> ClusterAdapter {
    guard let endpoint = configuration.redis else {
        return ClusterAdapter(factory: InMemoryAdapter.factory, redis: nil, kind: "memory")
    }
    guard !endpoint.tls else {
        throw ClusterAdapterError(description: "rediss:// (TLS) is not supported: the hiredis driver speaks plain RESP2 (--redis \(endpoint))")
    }
    let deployment = endpoint.deployment ?? .standalone(
        RedisURL(host: endpoint.host, port: endpoint.port, username: endpoint.username, password: endpoint.password, database: endpoint.database)
    )
    if configuration.adapterMode == .classic, !deployment.supportsClassicPubSub {
        throw ClusterAdapterError(
            description: "--adapter classic is refused on a Redis Cluster (\(endpoint)): PUBLISH/PSUBSCRIBE reach every shard and do not scale; use --adapter sharded"
        )
    }
    var componentLogger = logger
    componentLogger[metadataKey: "component"] = "redis"
    let redisLogger = componentLogger
    let driver = deployment.makeDriver(eventLoopGroup: group, logger: redisLogger)
    driver.addStateObserver { state in
        switch state {
        case .connected: redisLogger.info("redis connected", metadata: ["redis": "\(endpoint)"])
        case .reconnecting: redisLogger.warning("redis unreachable; serving local clients and retrying", metadata: ["redis": "\(endpoint)"])
        case .connecting, .closed: break
        }
    }
    // Start connecting and keep serving: an unreachable Redis at start is retried with backoff and
    // reported by /readyz, never fatal.
    driver.start()
    let mode: RedisAdapterConfiguration.Mode
    switch configuration.adapterMode {
    case .classic: mode = .classic
    case .sharded, .streams: mode = .sharded(.dynamic)
    }
    let adapterConfiguration = RedisAdapterConfiguration(keyPrefix: configuration.keyPrefix, mode: mode)
    var factory = RedisAdapterFactory.make(driver: driver, configuration: adapterConfiguration, logger: redisLogger)
    var close: @Sendable (TimeAmount) async -> Void = { timeout in await driver.close(timeout: timeout) }
    var state: @Sendable () -> RedisConnectionState = { driver.state }
    var links: @Sendable () -> [(name: String, state: RedisConnectionState)] = { driver.linkStates }
    if configuration.adapterMode == .streams {
        // The stream reader blocks in XREAD on a connection of its own.
        // The stream is named like the channels, so another --key-prefix is another cluster.
        let streams = RedisStreamsConfiguration(streamName: configuration.keyPrefix, useShardedPubSub: !deployment.supportsClassicPubSub)
        let reader = deployment.makeDriver(
            eventLoopGroup: group, node: HiredisDriverConfiguration(healthCheckTimeout: streams.readerHealthCheckTimeout), logger: redisLogger
        )
        reader.start()
        let hub = RedisStreamsHub(driver: driver, reader: reader, configuration: adapterConfiguration, streams: streams, logger: redisLogger)
        factory = hub.adapterFactory
        // Ready only while both links are up: without its reader a node refuses broadcasts.
        state = { driver.state == .connected ? reader.state : driver.state }
        links = { driver.linkStates + reader.linkStates.map { (name: "stream reader \($0.name)", state: $0.state) } }
        close = { timeout in
            hub.close()
            await driver.close(timeout: timeout)
            await reader.close(timeout: .milliseconds(100))
        }
    }
    let directory = NodeDirectory(
        tag: NodeRoutingTag(nodeID: configuration.nodeID),
        advertisedAddress: configuration.advertisedAddress,
        store: RedisNodeDirectoryStore(redis: driver, keyPrefix: configuration.keyPrefix),
        logger: redisLogger
    )
    let forwarder = ClusterRequestForwarder(
        directory: directory,
        nodeID: configuration.nodeID,
        requestTimeout: configuration.pingInterval + configuration.pingTimeout + .seconds(5),
        logger: redisLogger
    )
    return ClusterAdapter(
        factory: factory,
        redis: RedisLink(
            state: state,
            links: links,
            cluster: (driver as? RedisClusterDriver)?.clusterStatistics,
            statistics: driver.statistics,
            close: close
        ),
        kind: "redis-\(configuration.adapterMode.rawValue)",
        directory: directory,
        forwarder: forwarder
    )
}
