import NIOCore

/// Where a Redis Cluster is and how the ``RedisClusterDriver`` keeps up with it.
public struct RedisClusterConfiguration: Sendable, Hashable {
    /// Nodes to ask for the topology first (any node of the cluster will do).
    public var seeds: [RedisNodeAddress]
    /// Credentials for every node (`AUTH [user] password`); host, port and database are ignored
    /// (a cluster has database 0 only).
    public var username: String?
    /// The password of every node; nil for none.
    public var password: String?
    /// The connection rules of each primary's link (reconnect, backoff, queue bounds, health checks).
    public var node: HiredisDriverConfiguration
    /// Time between topology refreshes while every primary is reachable.
    public var refreshInterval: TimeAmount
    /// Time between topology refreshes while a primary is unreachable (a failover is probably under
    /// way) or no topology is known yet.
    public var degradedRefreshInterval: TimeAmount
    /// Deadline of one topology query (connect, AUTH, `CLUSTER SHARDS`).
    public var topologyTimeout: TimeAmount
    /// How many MOVED/ASK redirections one command or subscription follows before it fails.
    public var maxRedirects: Int
    /// How long publishes answered `-MOVED` (and the ones after them) wait before going to the new
    /// owner, so the other nodes, whose subscriptions Redis dropped when the slot moved, have
    /// subscribed there again: two degraded refresh intervals by default.
    public var movedHold: TimeAmount

    /// A configuration. Out-of-range values take their defaults (nothing here traps).
    public init(
        seeds: [RedisNodeAddress],
        username: String? = nil,
        password: String? = nil,
        node: HiredisDriverConfiguration = .init(),
        refreshInterval: TimeAmount = .seconds(5),
        degradedRefreshInterval: TimeAmount = .milliseconds(250),
        topologyTimeout: TimeAmount = .seconds(1),
        maxRedirects: Int = 5,
        movedHold: TimeAmount? = nil
    ) {
        self.seeds = seeds
        self.username = username
        self.password = password
        self.node = node
        self.refreshInterval = refreshInterval > .zero ? refreshInterval : .seconds(5)
        self.degradedRefreshInterval = degradedRefreshInterval > .zero ? degradedRefreshInterval : .milliseconds(250)
        self.topologyTimeout = topologyTimeout > .zero ? topologyTimeout : .seconds(1)
        self.maxRedirects = maxRedirects > 0 ? min(maxRedirects, 16) : 5
        let hold = movedHold ?? .nanoseconds(2 * min(self.degradedRefreshInterval.nanoseconds, 2_500_000_000))
        self.movedHold = hold >= .zero ? min(hold, .seconds(5)) : .zero
    }

    /// The URL of one node with these credentials.
    func url(of address: RedisNodeAddress) -> RedisURL {
        RedisURL(host: address.host, port: address.port, username: self.username, password: self.password)
    }
}

/// Errors of the cluster and Sentinel drivers.
public enum RedisClusterError: Error, Sendable, Hashable, CustomStringConvertible {
    /// PUBLISH/SUBSCRIBE/PSUBSCRIBE (the classic adapter) on a Redis Cluster: refused, since Redis
    /// broadcasts those to every shard and they do not scale. Use the sharded adapter.
    case classicModeUnsupported
    /// No topology (or no master) is known yet.
    case topologyUnknown
    /// A command was redirected more than ``RedisClusterConfiguration/maxRedirects`` times.
    case tooManyRedirects

    public var description: String {
        switch self {
        case .classicModeUnsupported:
            return "the classic Redis adapter (PUBLISH/PSUBSCRIBE) is refused on a Redis Cluster: those broadcast to every shard; use the sharded adapter"
        case .topologyUnknown: return "the Redis Cluster topology is not known yet"
        case .tooManyRedirects: return "too many MOVED/ASK redirections"
        }
    }
}
