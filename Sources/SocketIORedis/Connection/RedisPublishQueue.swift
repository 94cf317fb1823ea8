import NIOCore

/// A publish waiting for the link.
struct RedisQueuedPublish: Sendable, Hashable {
    /// The message bytes.
    var payload: ByteBuffer
    /// The channel.
    var channel: String
    /// SPUBLISH instead of PUBLISH.
    var sharded: Bool
}

/// The publishes issued while disconnected, oldest first, never more than `capacity`: when full, the
/// new publish is refused (the caller drops and counts it), so what survives an outage is its start.
struct RedisPublishQueue: Sendable {
    /// The most publishes held.
    let capacity: Int
    private var publishes: CircularBuffer<RedisQueuedPublish>

    /// An empty queue for up to `capacity` publishes.
    init(capacity: Int) {
        self.capacity = capacity
        self.publishes = CircularBuffer(initialCapacity: min(max(capacity, 1), 64))
    }

    /// Publishes held.
    var count: Int { self.publishes.count }

    /// Holds `publish`; returns `false` (holding nothing) when the queue is full.
    mutating func append(_ publish: RedisQueuedPublish) -> Bool {
        guard self.publishes.count < self.capacity else { return false }
        self.publishes.append(publish)
        return true
    }

    /// Takes every publish out, oldest first.
    mutating func removeAll() -> [RedisQueuedPublish] {
        let all = Array(self.publishes)
        self.publishes.removeAll(keepingCapacity: false)
        return all
    }
}
