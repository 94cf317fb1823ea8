import Atomics

/// Counters of a pub/sub driver.
public final class RedisDriverStatistics: Sendable {
    /// Messages published (handed to the broker connection).
    public let published = ManagedAtomic<Int>(0)
    /// Messages received on subscriptions.
    public let received = ManagedAtomic<Int>(0)
    /// Publishes dropped because the outgoing queue was full while disconnected.
    public let dropped = ManagedAtomic<Int>(0)
    /// Successful reconnections after a lost link.
    public let reconnects = ManagedAtomic<Int>(0)

    /// Fresh counters.
    public init() {}
}
