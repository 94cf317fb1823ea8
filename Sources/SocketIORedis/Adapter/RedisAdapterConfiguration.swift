import NIOCore

/// Options of the Redis adapter; defaults equal the reference's.
public struct RedisAdapterConfiguration: Sendable, Hashable {
    /// Which of the two wire protocols the cluster speaks (one per cluster; they do not interoperate).
    public enum Mode: Sendable, Hashable {
        /// `createAdapter`: PUBLISH/PSUBSCRIBE, MessagePack broadcasts, JSON requests.
        case classic
        /// `createShardedAdapter` (Redis ≥ 7): SPUBLISH/SSUBSCRIBE with the cluster envelope.
        case sharded(ShardedSubscriptionMode)
    }

    /// How many shard channels the sharded mode uses per namespace.
    public enum ShardedSubscriptionMode: String, Sendable, Hashable, CaseIterable {
        /// Two channels per namespace.
        case `static`
        /// Two, plus one per room that is not a socket id (the default).
        case dynamic
        /// Two, plus one per room.
        case dynamicPrivate = "dynamic-private"
    }

    /// Channel prefix, `socket.io` by default.
    public var keyPrefix: String
    /// How long cluster requests (fetchSockets, allRooms, serverSideEmit with ack) wait: 5 s.
    public var requestTimeout: TimeAmount
    /// The wire protocol.
    public var mode: Mode
    /// How long a subscription may take to be confirmed before the adapter reports it.
    public var subscribeTimeout: TimeAmount

    /// The reference defaults.
    public init(
        keyPrefix: String = "socket.io",
        requestTimeout: TimeAmount = .seconds(5),
        mode: Mode = .classic,
        subscribeTimeout: TimeAmount = .seconds(10)
    ) {
        self.keyPrefix = keyPrefix
        self.requestTimeout = requestTimeout
        self.mode = mode
        self.subscribeTimeout = subscribeTimeout
    }
}
