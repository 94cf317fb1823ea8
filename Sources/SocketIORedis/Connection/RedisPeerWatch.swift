/// The channels whose subscriber count is a cluster's node count (an adapter's request channel, or its
/// main shard channel), with the count last seen while connected. After a reconnect, the driver holds
/// its queued publishes until every watched channel has at least that many subscribers again: the
/// other nodes reconnect on their own schedules, and a publish sent before they have subscribed again
/// reaches nobody. A pure value: the driver core asks the questions and keeps the time.
struct RedisPeerWatch: Sendable {
    /// One watched channel.
    struct Channel: Sendable, Hashable {
        /// The channel name.
        var name: String
        /// Counted with `PUBSUB SHARDNUMSUB` rather than `PUBSUB NUMSUB`.
        var sharded: Bool

        /// The subscription that makes a node count on this channel.
        var subscriptionKey: RedisSubscriptionKey {
            RedisSubscriptionKey(kind: self.sharded ? .sharded : .channel, name: self.name)
        }
    }

    /// Watched channels → how many subscribers they had when last counted (0: not counted yet). A
    /// channel is watched once however many times it is added; `watchers` counts the additions.
    private(set) var lastCounts: [Channel: Int] = [:]
    private var watchers: [Channel: Int] = [:]

    /// Starts watching `channel`.
    mutating func watch(_ channel: Channel) {
        self.watchers[channel, default: 0] += 1
        if self.lastCounts[channel] == nil { self.lastCounts[channel] = 0 }
    }

    /// Stops one watch of `channel`; the channel is forgotten with its last watch.
    mutating func unwatch(_ channel: Channel) {
        guard let count = self.watchers[channel] else { return }
        if count <= 1 {
            self.watchers[channel] = nil
            self.lastCounts[channel] = nil
        } else {
            self.watchers[channel] = count - 1
        }
    }

    /// The channels to count.
    var channels: [Channel] { Array(self.lastCounts.keys) }

    /// The subscriptions of the watched channels (re-subscribed last, so a node is counted only once
    /// its other subscriptions are in place).
    var watchedKeys: Set<RedisSubscriptionKey> { Set(self.lastCounts.keys.map(\.subscriptionKey)) }

    /// Records counts taken while connected; counts for channels no longer watched are ignored.
    /// A negative count (never sent by Redis, refused by the driver anyway) is read as 0.
    mutating func record(_ counts: [Channel: Int]) {
        for (channel, count) in counts where self.lastCounts[channel] != nil {
            self.lastCounts[channel] = max(0, count)
        }
    }

    /// Whether a reconnect must wait for other nodes: some watched channel had another subscriber.
    var expectsPeers: Bool { self.lastCounts.values.contains { $0 > 1 } }

    /// Whether `counts` (taken after a reconnect) show every node seen before: each watched channel
    /// has at least its last count. A channel missing from `counts` (its count failed) is not back.
    func peersBack(_ counts: [Channel: Int]) -> Bool {
        self.lastCounts.allSatisfy { channel, last in (counts[channel] ?? -1) >= last }
    }
}
