/// What a ``HiredisPubSubDriver`` tells the cluster driver that owns it (a standalone driver has none of
/// these and handles the events itself). Called on the driver's event loop.
struct HiredisDriverHooks: Sendable {
    /// Redis dropped a shard subscription on its own (`sunsubscribe` after the channel's slot moved).
    /// When set, the driver forgets the subscription instead of asking the same server again.
    var shardSubscriptionDropped: (@Sendable (_ channel: String) -> Void)?
    /// Redis answered a subscription with `-MOVED`/`-ASK` (the message). The driver has forgotten it.
    var subscriptionRefused: (@Sendable (_ name: String, _ message: String) -> Void)?
    /// Redis answered a publish with `-MOVED`/`-ASK` (the message).
    var publishRefused: (@Sendable (_ publish: RedisQueuedPublish, _ message: String) -> Void)?

    /// Hooks; none by default.
    init(
        shardSubscriptionDropped: (@Sendable (String) -> Void)? = nil,
        subscriptionRefused: (@Sendable (String, String) -> Void)? = nil,
        publishRefused: (@Sendable (RedisQueuedPublish, String) -> Void)? = nil
    ) {
        self.shardSubscriptionDropped = shardSubscriptionDropped
        self.subscriptionRefused = subscriptionRefused
        self.publishRefused = publishRefused
    }
}
