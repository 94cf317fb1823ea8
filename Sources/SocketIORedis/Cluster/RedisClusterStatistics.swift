import Atomics

/// Counters of a ``RedisClusterDriver`` beyond the ones every driver has.
public final class RedisClusterStatistics: Sendable {
    /// Topology queries that produced a topology.
    public let topologyRefreshes = ManagedAtomic<Int>(0)
    /// Topology queries that failed (no node answered, or an unusable reply).
    public let topologyErrors = ManagedAtomic<Int>(0)
    /// `-MOVED` replies followed.
    public let moved = ManagedAtomic<Int>(0)
    /// `-ASK` replies followed.
    public let asked = ManagedAtomic<Int>(0)
    /// Redirections that could not be followed (malformed, or to a node the topology does not know).
    public let badRedirects = ManagedAtomic<Int>(0)
    /// Shard subscriptions moved to another primary (slot migration or failover).
    public let subscriptionMoves = ManagedAtomic<Int>(0)
    /// Shard subscriptions a primary dropped (`sunsubscribe` after a slot move) or refused with a
    /// redirection, to be placed again after the next topology.
    public let subscriptionsLost = ManagedAtomic<Int>(0)

    /// Fresh counters.
    public init() {}
}
