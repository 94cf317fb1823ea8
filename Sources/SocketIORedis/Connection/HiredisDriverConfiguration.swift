import NIOCore

/// Timeouts and limits of a ``HiredisPubSubDriver``.
public struct HiredisDriverConfiguration: Sendable, Hashable {
    /// Deadline of one connect attempt: TCP connect, AUTH, SELECT, PING and re-subscribing, on both
    /// connections.
    public var connectTimeout: TimeAmount
    /// Delays between connect attempts.
    public var reconnectBackoff: RedisReconnectBackoff
    /// Time between health checks (a PING on each connection) while connected.
    public var healthCheckInterval: TimeAmount
    /// How long a health-check PING may go unanswered before the link counts as dead and reconnects.
    public var healthCheckTimeout: TimeAmount
    /// Bound of the publishes waiting for the link: queued while disconnected, or written and not yet
    /// acknowledged while connected. Beyond it, publishes are dropped and counted.
    public var maxQueuedPublishes: Int
    /// Byte bound (payloads and channel names) of the same publishes; whichever bound is reached first
    /// drops the publish (counted in `statistics.dropped`).
    public var maxQueuedPublishBytes: Int
    /// How long the oldest command may wait for its reply before Redis counts as stalled: new
    /// publishes then queue instead of going to a connection that may never answer (a frozen Redis
    /// keeps its sockets open), and are sent once replies flow again or after the reconnect.
    public var stallThreshold: TimeAmount
    /// After a reconnect, how long queued publishes may wait for the other nodes to subscribe again
    /// (see ``RedisPubSubDriver/watchPeers(on:sharded:)``) before they are sent anyway.
    public var resubscribeWait: TimeAmount

    /// A configuration; the defaults suit a Redis on the same network. A duration that is not positive
    /// takes its default and a negative bound becomes 0 (nothing here traps).
    public init(
        connectTimeout: TimeAmount = .seconds(5),
        reconnectBackoff: RedisReconnectBackoff = .init(),
        healthCheckInterval: TimeAmount = .seconds(1),
        healthCheckTimeout: TimeAmount = .seconds(2),
        maxQueuedPublishes: Int = 10_000,
        maxQueuedPublishBytes: Int = 16 * 1024 * 1024,
        resubscribeWait: TimeAmount = .seconds(2),
        stallThreshold: TimeAmount = .milliseconds(300)
    ) {
        // Out-of-range values are replaced rather than trapped on: a duration that is not positive takes
        // its default, a negative queue bound becomes 0 (publish nothing while disconnected).
        self.connectTimeout = connectTimeout > .zero ? connectTimeout : .seconds(5)
        self.reconnectBackoff = reconnectBackoff
        self.healthCheckInterval = healthCheckInterval > .zero ? healthCheckInterval : .seconds(1)
        self.healthCheckTimeout = healthCheckTimeout > .zero ? healthCheckTimeout : .seconds(2)
        self.maxQueuedPublishes = max(0, maxQueuedPublishes)
        self.maxQueuedPublishBytes = max(0, maxQueuedPublishBytes)
        self.resubscribeWait = resubscribeWait > .zero ? resubscribeWait : .seconds(2)
        self.stallThreshold = stallThreshold > .zero ? stallThreshold : .milliseconds(300)
    }
}

/// Exponential backoff with jitter: attempt *n* (0-based) waits `min(maximum, initial · 2ⁿ)` scaled by
/// a random factor in `[1 - jitter, 1]`, so many nodes that lost the same Redis do not reconnect in step.
public struct RedisReconnectBackoff: Sendable, Hashable {
    /// The delay before the first retry (before jitter).
    public var initial: TimeAmount
    /// The largest delay (before jitter).
    public var maximum: TimeAmount
    /// The share of a delay that is random, from 0 (none) to 1.
    public var jitter: Double

    /// A backoff; by default 50 ms doubling to 500 ms (50, 100, 200, 400, 500, 500, … before jitter), up
    /// to half of each delay random, so a node tries again within half a second of Redis coming back.
    /// A non-positive `initial` takes the default, `maximum` is at least `initial`, `jitter` is clamped
    /// to 0...1.
    public init(initial: TimeAmount = .milliseconds(50), maximum: TimeAmount = .milliseconds(500), jitter: Double = 0.5) {
        // Out-of-range values are brought into range rather than trapped on.
        self.initial = initial > .zero ? initial : .milliseconds(50)
        self.maximum = max(maximum, self.initial)
        self.jitter = jitter.isNaN ? 0.5 : min(max(jitter, 0), 1)
    }

    /// The delay before retry number `attempt` (0-based); `random` in `0...1` picks the jitter.
    public func delay(attempt: Int, random: Double) -> TimeAmount {
        let shift = min(max(attempt, 0), 40)
        let (scaled, overflow) = self.initial.nanoseconds.multipliedReportingOverflow(by: Int64(1) << shift)
        let base = overflow ? self.maximum.nanoseconds : min(scaled, self.maximum.nanoseconds)
        let factor = 1 - self.jitter * min(max(random, 0), 1)
        return .nanoseconds(Int64((Double(base) * factor).rounded()))
    }
}
