import Logging
import NIOConcurrencyHelpers
import NIOCore

/// The pub/sub driver for a Redis Cluster: sharded pub/sub (SPUBLISH/SSUBSCRIBE) sent to the primary
/// that owns each channel's slot, key commands of the node directory routed the same way.
///
/// ## Links
/// One ``HiredisPubSubDriver`` per primary: each has its own command connection and one subscriber
/// connection (so one subscriber connection per shard), and keeps every rule of the standalone driver:
/// reconnect with backoff, the bounded publish queue while its primary is unreachable, health checks,
/// subscriptions re-issued after a reconnect. This type only routes.
///
/// ## Topology
/// Read with `CLUSTER SHARDS` (`CLUSTER SLOTS` on a server without it) from the seeds, then from any
/// known node, through a short-lived connection (``RedisOneShotCommand``); every reply is checked by
/// ``RedisClusterTopologyParser``. Refreshed every ``RedisClusterConfiguration/refreshInterval``, every
/// ``RedisClusterConfiguration/degradedRefreshInterval`` while a primary is unreachable (that is how a
/// failover is noticed: the replica's promotion shows in the next topology), and soon after any
/// `-MOVED` or slot-move `sunsubscribe`. A new topology starts links to new primaries, moves shard
/// subscriptions and peer watches whose slot changed owner, re-routes the publishes queued for a
/// primary that is gone, and closes links to nodes that are no longer primaries.
///
/// ## Redirections
/// A publish answered `-MOVED` waits (bounded) for the next topology and
/// ``RedisClusterConfiguration/movedHold`` (so the other nodes subscribe on the new owner first) and
/// goes to the new owner; a
/// subscription answered `-MOVED`, or dropped by Redis with `sunsubscribe` when its slot moved, is
/// placed again after the next topology; a key command follows `-MOVED` and `-ASK` (with `ASKING`) up to
/// ``RedisClusterConfiguration/maxRedirects`` times. Malformed redirections are counted in
/// ``clusterStatistics`` and fail the command; nothing from Redis can trap.
///
/// Classic pub/sub (PUBLISH, SUBSCRIBE, PSUBSCRIBE) is refused with
/// ``RedisClusterError/classicModeUnsupported``: on a cluster those reach every shard.
public final class RedisClusterDriver: RedisPubSubDriver {
    /// Counters of every link (publishes, receives, drops, reconnects).
    public let statistics = RedisDriverStatistics()
    /// Redirections, topology refreshes and moves.
    public let clusterStatistics = RedisClusterStatistics()
    /// The cluster and the rules.
    public let configuration: RedisClusterConfiguration

    let eventLoopGroup: any EventLoopGroup
    let logger: Logger
    let shared: NIOLockedValueBox<ClusterState>

    /// A driver for the cluster `configuration.seeds` belong to. Nothing connects before ``start()``.
    public init(configuration: RedisClusterConfiguration, eventLoopGroup: any EventLoopGroup, logger: Logger) {
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        var logger = logger
        logger[metadataKey: "redis.cluster"] = "\(configuration.seeds.map(\.description).joined(separator: ","))"
        self.logger = logger
        self.shared = NIOLockedValueBox(
            ClusterState(
                pending: RedisPublishQueue(capacity: configuration.node.maxQueuedPublishes, maxBytes: configuration.node.maxQueuedPublishBytes)
            )
        )
    }

    /// Begins asking for the topology and returns at once; follow ``state``.
    public func start() {
        let started = self.shared.withLockedValue { state -> Bool in
            guard !state.started, !state.closed else { return false }
            state.started = true
            return true
        }
        guard started else { return }
        let task = Task { [weak self] in
            guard let self else { return }
            await self.refreshLoop()
        }
        self.shared.withLockedValue { $0.refreshTask = task }
    }

    /// The link's state: connected when a topology is known and every primary's link is connected.
    public var state: RedisConnectionState {
        self.shared.withLockedValue { $0.observers.reported }
    }

    /// Each primary's address and link state, for readiness and metrics.
    public var shardStates: [(address: RedisNodeAddress, state: RedisConnectionState)] {
        self.shared.withLockedValue { state in
            state.nodes.keys.sorted().map { ($0, state.nodes[$0]?.state ?? .closed) }
        }
    }

    /// The topology in use; nil before the first one.
    public var topology: RedisClusterTopology? {
        self.shared.withLockedValue { $0.topology }
    }

    // MARK: Publish

    public func publish(_ payload: ByteBuffer, to channel: String, sharded: Bool) {
        guard sharded else {
            self.dropClassic(channel)
            return
        }
        self.route(RedisQueuedPublish(payload: payload, channel: channel, sharded: true))
    }

    /// Sends `publish` to its slot's primary, or holds it (bounded) until a topology names one.
    func route(_ publish: RedisQueuedPublish) {
        let target = self.shared.withLockedValue { state -> HiredisPubSubDriver? in
            if state.closed { return nil }
            if let owner = state.topology?.primary(forKey: publish.channel), let node = state.nodes[owner], state.pending.count == 0 {
                return node
            }
            if !state.pending.append(publish) {
                self.statistics.dropped.wrappingIncrement(ordering: .relaxed)
            }
            state.refreshRequested = true
            return nil
        }
        target?.publish(publish.payload, to: publish.channel, sharded: true)
    }

    private func dropClassic(_ channel: String) {
        let dropped = self.statistics.dropped.wrappingIncrementThenLoad(ordering: .relaxed)
        if dropped & (dropped - 1) == 0 {
            self.logger.error("\(RedisClusterError.classicModeUnsupported)", metadata: ["redis.channel": "\(channel)"])
        }
    }

    // MARK: State

    @discardableResult
    public func addStateObserver(_ observer: @escaping @Sendable (RedisConnectionState) -> Void) -> Int {
        self.shared.withLockedValue { $0.observers.add(observer) }
    }

    public func removeStateObserver(_ id: Int) {
        self.shared.withLockedValue { $0.observers.remove(id) }
    }

    /// Recomputes ``state`` from the topology and the links, and tells the observers when it changed.
    func updateState() {
        let (changed, observers) = self.shared.withLockedValue { state -> (RedisConnectionState, [@Sendable (RedisConnectionState) -> Void]?) in
            let next: RedisConnectionState
            if state.closed {
                next = .closed
            } else if state.topology != nil, !state.nodes.isEmpty, state.nodes.values.allSatisfy({ $0.state == .connected }) {
                next = .connected
                state.everConnected = true
            } else {
                next = state.everConnected ? .reconnecting : .connecting
            }
            return (next, state.observers.report(next))
        }
        guard let observers else { return }
        self.logger.info("Redis Cluster link state changed", metadata: ["redis.state": "\(changed.rawValue)"])
        for observer in observers {
            observer(changed)
        }
    }

    // MARK: Close

    public func close(timeout: TimeAmount) async {
        let (nodes, task, dropped) = self.shared.withLockedValue { state in
            state.closed = true
            let nodes = Array(state.nodes.values) + state.retired
            state.nodes = [:]
            state.retired = []
            return (nodes, state.refreshTask, state.pending.removeAll().count)
        }
        task?.cancel()
        if dropped > 0 {
            self.statistics.dropped.wrappingIncrement(by: dropped, ordering: .relaxed)
        }
        await withTaskGroup(of: Void.self) { group in
            for node in nodes {
                group.addTask { await node.close(timeout: timeout) }
            }
        }
        self.updateState()
    }
}

/// The mutable state of a ``RedisClusterDriver``, behind its lock.
struct ClusterState {
    /// One shard subscription and where it is placed.
    struct Subscription {
        var handler: RedisMessageHandler
        /// The primary it was last sent to; nil when it must be placed (again).
        var owner: RedisNodeAddress?
        /// New for every placement, so a late answer for an older one is ignored.
        var placement: UInt64
    }

    var topology: RedisClusterTopology?
    /// One link per primary of `topology`.
    var nodes: [RedisNodeAddress: HiredisPubSubDriver] = [:]
    /// Links of former primaries, closing.
    var retired: [HiredisPubSubDriver] = []
    var subscriptions: [String: Subscription] = [:]
    var lastPlacement: UInt64 = 0
    /// Peer-watched shard channels: watch count, and the primary the watches were sent to.
    var watched: [String: (count: Int, owner: RedisNodeAddress?)] = [:]
    /// Publishes waiting for a topology that names their slot's owner (before the first topology, or
    /// after `-MOVED`); bounded like a link's queue.
    var pending: RedisPublishQueue
    /// After a `-MOVED`, `pending` is not sent before this instant (see
    /// ``RedisClusterConfiguration/movedHold``).
    var holdPendingUntil: NIODeadline?
    var observers = RedisStateObservers()
    var everConnected = false
    var started = false
    var closed = false
    /// A MOVED or a dropped subscription asks for the next refresh to come soon.
    var refreshRequested = false
    /// Bumped by every topology applied.
    var topologyVersion = 0
    var refreshTask: Task<Void, Never>?
}
