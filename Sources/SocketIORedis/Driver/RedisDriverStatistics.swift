import Atomics

/// Counters of a pub/sub driver and of the adapters that read its messages.
public final class RedisDriverStatistics: Sendable {
    /// Messages published (handed to the broker connection).
    public let published = ManagedAtomic<Int>(0)
    /// Messages received on subscriptions.
    public let received = ManagedAtomic<Int>(0)
    /// Publishes dropped because the outgoing queue was full (by count or by bytes) while
    /// disconnected, or the unacknowledged publishes passed the same bounds while connected.
    public let dropped = ManagedAtomic<Int>(0)
    /// Successful reconnections after a lost link.
    public let reconnects = ManagedAtomic<Int>(0)
    /// Received messages dropped as malformed, by reason (see ``RedisInboundDropReason``).
    public let inboundDropped: [RedisInboundDropReason: ManagedAtomic<Int>] = Dictionary(
        uniqueKeysWithValues: RedisInboundDropReason.allCases.map { ($0, ManagedAtomic<Int>(0)) }
    )

    /// Fresh counters.
    public init() {}

    /// Counts one received message dropped for `reason`.
    func countInboundDrop(_ reason: RedisInboundDropReason) {
        self.inboundDropped[reason]?.wrappingIncrement(ordering: .relaxed)
    }

    /// All received messages dropped as malformed.
    public var inboundDroppedTotal: Int {
        self.inboundDropped.values.reduce(0) { $0 + $1.load(ordering: .relaxed) }
    }
}
