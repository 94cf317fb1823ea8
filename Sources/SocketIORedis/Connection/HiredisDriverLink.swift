import NIOCore

/// The two connections of one connect attempt (one generation), and the timers that belong to them.
/// Lives on the driver's event loop; dropped as a whole when the attempt fails or the link is lost.
final class HiredisDriverLink {
    /// The attempt this link belongs to.
    let generation: UInt64
    /// PUBLISH, SPUBLISH, PUBSUB, PING.
    let command = RedisConnectionHandler(role: .command)
    /// SUBSCRIBE and friends, and the pushes.
    let subscriber = RedisConnectionHandler(role: .subscriber)
    /// The channels connected so far.
    var channels: [Channel] = []
    /// The subscriber connection is up and its handshake written: new subscriptions can be sent now.
    var subscriberStarted = false
    /// Connections whose handshake has not finished.
    var handshakesPending = 2
    /// The connect deadline while connecting; the next health check (or its PONG deadline) once connected.
    var timer: Scheduled<Void>?
    /// Connected again after an outage, but the queued publishes wait until the other nodes have
    /// subscribed again (see `RedisPeerWatch`); publishes join the queue meanwhile.
    var holdingPublishes = false
    /// The next peer count while holding.
    var gateTimer: Scheduled<Void>?

    /// An empty link for `generation`.
    init(generation: UInt64) {
        self.generation = generation
    }

    /// Stops the timer and closes both connections; each connection's queued reply callbacks fail with
    /// `.notConnected`. Returns the channels' close futures.
    func tearDown() -> [EventLoopFuture<Void>] {
        self.timer?.cancel()
        self.timer = nil
        self.gateTimer?.cancel()
        self.gateTimer = nil
        self.command.close()
        self.subscriber.close()
        return self.channels.map { channel in
            channel.close(promise: nil)
            return channel.closeFuture
        }
    }
}

@available(*, unavailable)
extension HiredisDriverLink: Sendable {}
