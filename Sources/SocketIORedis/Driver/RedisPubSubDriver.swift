import NIOCore

/// How a subscription matches channels.
public enum RedisSubscriptionKind: String, Sendable, Hashable {
    /// SUBSCRIBE: one exact channel.
    case channel
    /// PSUBSCRIBE: a glob pattern.
    case pattern
    /// SSUBSCRIBE: one exact shard channel (Redis ≥ 7).
    case sharded
}

/// A message that arrived on a subscription.
public struct RedisPubSubMessage: Sendable {
    /// The kind of subscription that matched.
    public var kind: RedisSubscriptionKind
    /// The subscription's name: the channel, or the pattern for `.pattern`.
    public var subscription: String
    /// The channel the message was published on.
    public var channel: String
    /// The message bytes.
    public var payload: ByteBuffer

    /// A message.
    public init(kind: RedisSubscriptionKind, subscription: String, channel: String, payload: ByteBuffer) {
        self.kind = kind
        self.subscription = subscription
        self.channel = channel
        self.payload = payload
    }
}

/// The state of a driver's link to the broker, for readiness checks and metrics.
public enum RedisConnectionState: String, Sendable, Hashable {
    /// Not connected yet (first attempt running).
    case connecting
    /// Connected; subscriptions are active.
    case connected
    /// The link dropped; retrying with backoff. Publishes are queued (bounded by count and bytes) or
    /// dropped and counted; cluster requests fail with `SocketIOClusterError.redisUnavailable`.
    case reconnecting
    /// Closed for good.
    case closed
}

/// Called for every message of a subscription, on any thread.
public typealias RedisMessageHandler = @Sendable (RedisPubSubMessage) -> Void

/// The broker operations the Redis adapter and emitter need, and nothing more. Implemented over
/// hiredis for real use (``HiredisPubSubDriver``) and in memory for N nodes in one test process
/// (``InMemoryPubSubBroker``).
public protocol RedisPubSubDriver: AnyObject, Sendable {
    /// Publishes `payload` on `channel` (SPUBLISH when `sharded`). Never blocks; while disconnected the
    /// message waits in a bounded queue, and is dropped (and counted) when the queue is full.
    func publish(_ payload: ByteBuffer, to channel: String, sharded: Bool)

    /// Subscribes `handler` to `name`; one handler per (name, kind), a second call replaces it. The
    /// subscription is re-issued after every reconnect. Returns once the broker confirmed it; throws when
    /// the driver is closed or `timeout` passes first.
    func subscribe(_ name: String, kind: RedisSubscriptionKind, timeout: TimeAmount, handler: @escaping RedisMessageHandler) async throws

    /// Removes a subscription.
    func unsubscribe(_ name: String, kind: RedisSubscriptionKind)

    /// The number of subscribers of a channel on the broker (`PUBSUB NUMSUB`, or `PUBSUB SHARDNUMSUB`
    /// when `sharded`).
    func subscriberCount(of channel: String, sharded: Bool, timeout: TimeAmount) async throws -> Int

    /// The link's state now.
    var state: RedisConnectionState { get }

    /// Counters for metrics.
    var statistics: RedisDriverStatistics { get }

    /// Flushes what can be flushed within `timeout`, then closes.
    func close(timeout: TimeAmount) async

    /// Registers `observer` for every later change of ``state``; returns an id for
    /// ``removeStateObserver(_:)``. Adapters use it to fail requests in flight when the link drops.
    @discardableResult
    func addStateObserver(_ observer: @escaping @Sendable (RedisConnectionState) -> Void) -> Int

    /// Removes an observer added with ``addStateObserver(_:)``.
    func removeStateObserver(_ id: Int)

    /// Declares `channel`'s subscriber count a node count (an adapter's request channel, or its main
    /// shard channel). After a reconnect, publishes queued during the outage wait (bounded) until the
    /// channel has as many subscribers as before, so the other nodes, which reconnect on their own
    /// schedules, are listening again when they are sent. Every call needs one
    /// ``unwatchPeers(on:sharded:)``.
    func watchPeers(on channel: String, sharded: Bool)

    /// Ends one ``watchPeers(on:sharded:)``.
    func unwatchPeers(on channel: String, sharded: Bool)
}

extension RedisPubSubDriver {
    /// A driver whose link never changes (in memory) has nothing to report.
    @discardableResult
    public func addStateObserver(_ observer: @escaping @Sendable (RedisConnectionState) -> Void) -> Int { 0 }
    /// Nothing to remove.
    public func removeStateObserver(_ id: Int) {}
    /// A driver that never reconnects has nothing to hold.
    public func watchPeers(on channel: String, sharded: Bool) {}
    /// Nothing to end.
    public func unwatchPeers(on channel: String, sharded: Bool) {}
}

/// Errors of a driver.
public enum RedisDriverError: Error, Sendable, Hashable {
    /// The driver was closed.
    case closed
    /// The broker did not answer in time.
    case timeout
    /// The broker answered with an error reply.
    case serverError(String)
    /// Not connected right now (requests that cannot wait fail with this).
    case notConnected
    /// The reply had an unexpected shape.
    case unexpectedReply(String)
}
