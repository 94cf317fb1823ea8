import NIOCore

/// Where the sentinels of a primary are and how the ``RedisSentinelDriver`` follows its failovers.
public struct RedisSentinelConfiguration: Sendable, Hashable {
    /// The sentinels (any of them answers).
    public var sentinels: [RedisNodeAddress]
    /// The name the sentinels monitor the primary under.
    public var masterName: String
    /// The primary's ACL user; nil for `AUTH password`.
    public var username: String?
    /// The primary's password; nil for none.
    public var password: String?
    /// The sentinels' ACL user.
    public var sentinelUsername: String?
    /// The sentinels' password (Sentinel's `requirepass`), separate from the primary's.
    public var sentinelPassword: String?
    /// The rules of the link to the primary (reconnect, backoff, queue bounds, health checks).
    public var node: HiredisDriverConfiguration
    /// Deadline of one query to a sentinel or of the `ROLE` check of a new primary.
    public var queryTimeout: TimeAmount
    /// Time between primary lookups while the primary is unreachable.
    public var degradedQueryInterval: TimeAmount
    /// Time between primary lookups otherwise (a failover missed while the sentinel link was down).
    public var queryInterval: TimeAmount

    /// A configuration. Out-of-range durations take their defaults.
    public init(
        sentinels: [RedisNodeAddress],
        masterName: String,
        username: String? = nil,
        password: String? = nil,
        sentinelUsername: String? = nil,
        sentinelPassword: String? = nil,
        node: HiredisDriverConfiguration = .init(),
        queryTimeout: TimeAmount = .seconds(1),
        degradedQueryInterval: TimeAmount = .milliseconds(250),
        queryInterval: TimeAmount = .seconds(5)
    ) {
        self.sentinels = sentinels
        self.masterName = masterName
        self.username = username
        self.password = password
        self.sentinelUsername = sentinelUsername
        self.sentinelPassword = sentinelPassword
        self.node = node
        self.queryTimeout = queryTimeout > .zero ? queryTimeout : .seconds(1)
        self.degradedQueryInterval = degradedQueryInterval > .zero ? degradedQueryInterval : .milliseconds(250)
        self.queryInterval = queryInterval > .zero ? queryInterval : .seconds(5)
    }

    /// The primary's URL at `address`.
    func primaryURL(_ address: RedisNodeAddress) -> RedisURL {
        RedisURL(host: address.host, port: address.port, username: self.username, password: self.password)
    }

    /// A sentinel's URL.
    func sentinelURL(_ address: RedisNodeAddress) -> RedisURL {
        RedisURL(host: address.host, port: address.port, username: self.sentinelUsername, password: self.sentinelPassword)
    }
}
