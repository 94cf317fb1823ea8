import NIOCore

/// A publish waiting for the link.
struct RedisQueuedPublish: Sendable, Hashable {
    /// The message bytes.
    var payload: ByteBuffer
    /// The channel.
    var channel: String
    /// SPUBLISH instead of PUBLISH.
    var sharded: Bool

    /// What the publish weighs against a byte bound: payload and channel name.
    var size: Int { self.payload.readableBytes + self.channel.utf8.count }
}

/// The publishes issued while disconnected (or held after a reconnect until the other nodes have
/// subscribed again), oldest first, never more than `capacity` publishes nor more than `maxBytes` bytes
/// (payloads and channel names): when either bound would be passed, the new publish is refused (the
/// caller drops and counts it), so what survives an outage is its start.
struct RedisPublishQueue: Sendable {
    /// The most publishes held.
    let capacity: Int
    /// The most bytes held (``RedisQueuedPublish/size`` summed).
    let maxBytes: Int
    /// The bytes held now.
    private(set) var bytes = 0
    private var publishes: CircularBuffer<RedisQueuedPublish>

    /// An empty queue for up to `capacity` publishes and `maxBytes` bytes.
    init(capacity: Int, maxBytes: Int = .max) {
        self.capacity = max(0, capacity)
        self.maxBytes = max(0, maxBytes)
        self.publishes = CircularBuffer(initialCapacity: min(max(capacity, 1), 64))
    }

    /// Publishes held.
    var count: Int { self.publishes.count }

    /// Holds `publish`; returns `false` (holding nothing) when it does not fit either bound.
    mutating func append(_ publish: RedisQueuedPublish) -> Bool {
        let size = publish.size
        guard self.publishes.count < self.capacity, size <= self.maxBytes - self.bytes else { return false }
        self.publishes.append(publish)
        self.bytes += size
        return true
    }

    /// Takes every publish out, oldest first.
    mutating func removeAll() -> [RedisQueuedPublish] {
        let all = Array(self.publishes)
        self.publishes.removeAll(keepingCapacity: false)
        self.bytes = 0
        return all
    }
}
