import Logging
import NIOCore

/// The mutable heart of a ``HiredisPubSubDriver``, confined to the driver's event loop (the driver holds
/// it in a `NIOLoopBoundBox` and hops there for every call). It feeds events to
/// ``HiredisDriverStateMachine`` and performs the actions it returns; this file holds the lifecycle,
/// `+Connect` the connections and health checks, `+PubSub` the publish/subscribe operations,
/// `+Commands` single request/reply commands on the command connection.
final class HiredisDriverCore {
    /// A `subscribe` call waiting for Redis' confirmation.
    struct SubscribeWaiter {
        var promise: EventLoopPromise<Void>
        var timer: Scheduled<Void>
    }

    let eventLoop: any EventLoop
    let url: RedisURL
    let configuration: HiredisDriverConfiguration
    let logger: Logger
    let statistics: RedisDriverStatistics
    /// What a cluster or Sentinel driver wants to hear about (nothing for a standalone driver).
    let hooks: HiredisDriverHooks
    /// Publishes a new public state to the driver's lock-protected copy and its observer.
    private let stateDidChange: @Sendable (RedisConnectionState) -> Void

    var machine: HiredisDriverStateMachine
    var subscriptions = RedisSubscriptionRegistry()
    var queue: RedisPublishQueue
    /// The channels whose subscriber counts gate the flush after a reconnect.
    var peers = RedisPeerWatch()
    /// Bytes of the publishes written and not acknowledged yet (bounded like the queue).
    var unacknowledgedBytes = 0
    /// The link of the current generation (connecting, connected or closing).
    var link: HiredisDriverLink?
    var subscribeWaiters: [UInt64: SubscribeWaiter] = [:]
    private var lastWaiterID: UInt64 = 0
    private var retryTimer: Scheduled<Void>?
    private var closeTimer: Scheduled<Void>?
    private var closeWaiters: [EventLoopPromise<Void>] = []
    private var closeCompleted = false
    private var reportedState: RedisConnectionState

    init(
        eventLoop: any EventLoop,
        url: RedisURL,
        configuration: HiredisDriverConfiguration,
        logger: Logger,
        statistics: RedisDriverStatistics,
        hooks: HiredisDriverHooks = .init(),
        stateDidChange: @escaping @Sendable (RedisConnectionState) -> Void
    ) {
        self.eventLoop = eventLoop
        self.url = url
        self.configuration = configuration
        self.logger = logger
        self.statistics = statistics
        self.hooks = hooks
        self.stateDidChange = stateDidChange
        self.machine = HiredisDriverStateMachine(backoff: configuration.reconnectBackoff)
        self.queue = RedisPublishQueue(capacity: configuration.maxQueuedPublishes, maxBytes: configuration.maxQueuedPublishBytes)
        self.reportedState = self.machine.publicState
    }

    // MARK: Lifecycle

    func start() {
        self.perform(self.machine.start())
    }

    func close(timeout: TimeAmount, promise: EventLoopPromise<Void>) {
        if self.closeCompleted {
            promise.succeed()
            return
        }
        self.closeWaiters.append(promise)
        let action = self.machine.close()
        if case .drain = action {
            self.closeTimer = self.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [weak self] in
                guard let self else { return }
                if let pending = self.link?.command.pendingReplyCount, pending > 0 {
                    self.logger.warning("Redis driver closing with unacknowledged publishes", metadata: ["redis.pending": "\(pending)"])
                }
                self.perform(self.machine.drained())
            }
        }
        self.perform(action)
    }

    /// The link of `generation` failed; `reason` is for the log.
    func linkFailed(generation: UInt64, reason: String) {
        guard self.machine.currentGeneration == generation else { return }
        let wasConnected = self.machine.isConnected
        let action = self.machine.linkFailed(generation: generation, random: Double.random(in: 0...1))
        if case .retry(_, let delay) = action {
            let message: Logger.Message = wasConnected ? "Redis link lost; reconnecting" : "Redis connect attempt failed; retrying"
            self.logger.warning(message, metadata: ["redis.reason": "\(reason)", "redis.retryIn": "\(delay.nanoseconds / 1_000_000) ms"])
        }
        self.perform(action)
    }

    /// Both handshakes of `generation` finished.
    func linkReady(generation: UInt64) {
        self.perform(self.machine.linkReady(generation: generation))
    }

    func perform(_ action: HiredisDriverStateMachine.Action) {
        switch action {
        case .none:
            break
        case .connect(let generation):
            self.openLink(generation: generation)
        case .becameConnected(let generation, let isReconnect):
            self.becameConnected(generation: generation, isReconnect: isReconnect)
        case .retry(let generation, let delay):
            if let link = self.link, link.generation == generation {
                self.link = nil
                _ = link.tearDown()
            }
            self.subscriptions.resetConfirmations()
            self.retryTimer = self.eventLoop.assumeIsolated().scheduleTask(in: delay) { [weak self] in
                guard let self else { return }
                self.retryTimer = nil
                self.perform(self.machine.retryTimerFired())
            }
        case .drain:
            self.link?.timer?.cancel()
            self.link?.timer = nil
            if let link = self.link, self.queue.count > 0 {
                // Closing: whatever waits (held for the other nodes, or behind a stall) goes now.
                link.holdingPublishes = false
                self.flushQueue(link)
            }
            if (self.link?.command.pendingReplyCount ?? 0) == 0 {
                self.perform(self.machine.drained())
            }
        case .finishClose:
            self.finishClose()
        }
        self.reportStateIfChanged()
    }

    private func becameConnected(generation: UInt64, isReconnect: Bool) {
        guard let link = self.link, link.generation == generation else {
            preconditionFailure("connected generation \(generation) without its link")
        }
        link.timer?.cancel()
        link.timer = nil
        if isReconnect {
            self.statistics.reconnects.wrappingIncrement(ordering: .relaxed)
        }
        self.logger.info(
            isReconnect ? "Redis link re-established" : "Redis link established",
            metadata: ["redis.subscriptions": "\(self.subscriptions.entries.count)", "redis.queuedPublishes": "\(self.queue.count)"]
        )
        self.scheduleHealthCheck(link)
        if isReconnect, self.peers.expectsPeers {
            // The other nodes reconnect on their own schedules: what is sent before they have
            // subscribed again reaches nobody. Hold the queue (new publishes join it, in order) until
            // they are back, or until `resubscribeWait`.
            link.holdingPublishes = true
            self.waitForPeers(link, since: .now())
        } else {
            self.releaseQueue(link, heldFor: nil)
        }
    }

    /// Counts the watched channels' subscribers every 25 ms until every node seen before the outage
    /// has subscribed again, or `resubscribeWait` has passed; then sends the queue.
    private func waitForPeers(_ link: HiredisDriverLink, since start: NIODeadline) {
        self.countPeers(on: link) { [weak self, weak link] counts in
            guard let self, let link, self.link === link, self.machine.isConnected, link.holdingPublishes else { return }
            let waited = NIODeadline.now() - start
            if self.peers.peersBack(counts) {
                self.releaseQueue(link, heldFor: waited)
            } else if waited >= self.configuration.resubscribeWait {
                self.logger.warning(
                    "Redis: not every node subscribed again within the resubscribe wait; sending queued publishes anyway",
                    metadata: ["redis.expected": "\(self.peers.lastCounts.values.max() ?? 0)", "redis.seen": "\(counts.values.min() ?? 0)"]
                )
                self.releaseQueue(link, heldFor: waited)
            } else {
                link.gateTimer = self.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(25)) { [weak self, weak link] in
                    guard let self, let link else { return }
                    self.waitForPeers(link, since: start)
                }
            }
        }
    }

    /// Sends every queued publish on `link`, in order, and records the peer counts seen from now on.
    private func releaseQueue(_ link: HiredisDriverLink, heldFor: TimeAmount?) {
        link.holdingPublishes = false
        let count = self.queue.count
        self.flushQueue(link)
        if count > 0 || heldFor != nil {
            var metadata: Logger.Metadata = ["redis.flushedPublishes": "\(count)"]
            if let heldFor { metadata["redis.heldMs"] = "\(heldFor.nanoseconds / 1_000_000)" }
            self.logger.info("Redis: queued publishes sent", metadata: metadata)
        }
        self.refreshPeerCounts(link)
    }

    /// Counts the watched channels' subscribers (one `PUBSUB NUMSUB` for the channels and one
    /// `PUBSUB SHARDNUMSUB` for the shard channels) and calls `body` with the counts that came back (a
    /// channel whose count failed or was malformed is missing).
    func countPeers(on link: HiredisDriverLink, _ body: @escaping ([RedisPeerWatch.Channel: Int]) -> Void) {
        let groups = Dictionary(grouping: self.peers.channels, by: \.sharded)
        var counts: [RedisPeerWatch.Channel: Int] = [:]
        var remaining = groups.count
        guard remaining > 0 else {
            body(counts)
            return
        }
        for (sharded, channels) in groups {
            let names = Set(channels.map(\.name))
            let reply = self.eventLoop.makePromise(of: RESPValue.self)
            self.send(.subscriberCounts(of: channels.map(\.name), sharded: sharded), timeout: self.configuration.healthCheckTimeout, promise: reply)
            reply.futureResult.assumeIsolated().whenComplete { result in
                if case .success(let value) = result, let parsed = Self.subscriberCounts(value) {
                    for (name, count) in parsed where names.contains(name) {
                        counts[RedisPeerWatch.Channel(name: name, sharded: sharded)] = count
                    }
                }
                remaining -= 1
                if remaining == 0 { body(counts) }
            }
        }
    }

    /// The reply of `PUBSUB NUMSUB`/`SHARDNUMSUB`: `[channel, count, channel, count, …]`. Nil for any
    /// other shape, or a count Redis could never send (negative, beyond `Int`).
    static func subscriberCounts(_ reply: RESPValue) -> [String: Int]? {
        guard let elements = reply.elements, elements.count % 2 == 0 else { return nil }
        var counts: [String: Int] = [:]
        var index = 0
        while index < elements.count {
            guard let name = elements[index].string, let count = elements[index + 1].integer.flatMap({ Int(exactly: $0) }), count >= 0 else {
                return nil
            }
            counts[name] = count
            index += 2
        }
        return counts
    }

    /// Remembers how many nodes each watched channel has now (after a release and every health check).
    func refreshPeerCounts(_ link: HiredisDriverLink) {
        guard !self.peers.channels.isEmpty else { return }
        self.countPeers(on: link) { [weak self, weak link] counts in
            guard let self, let link, self.link === link, self.machine.isConnected, !link.holdingPublishes else { return }
            self.peers.record(counts)
        }
    }

    /// Called after every publish acknowledgement while closing.
    func checkDrained() {
        guard case .closing = self.machine.state, (self.link?.command.pendingReplyCount ?? 0) == 0 else { return }
        self.perform(self.machine.drained())
    }

    private func finishClose() {
        self.retryTimer?.cancel()
        self.retryTimer = nil
        self.closeTimer?.cancel()
        self.closeTimer = nil
        let closing = self.link?.tearDown() ?? []
        self.link = nil
        let dropped = self.queue.removeAll().count
        if dropped > 0 {
            self.statistics.dropped.wrappingIncrement(by: dropped, ordering: .relaxed)
            self.logger.warning("Redis driver closed with queued publishes; dropped", metadata: ["redis.dropped": "\(dropped)"])
        }
        for id in self.subscriptions.removeAll() {
            self.resumeWaiter(id, with: .failure(RedisDriverError.closed))
        }
        EventLoopFuture.andAllComplete(closing, on: self.eventLoop).assumeIsolated().whenComplete { [weak self] _ in
            guard let self else { return }
            self.closeCompleted = true
            let waiters = self.closeWaiters
            self.closeWaiters = []
            for waiter in waiters {
                waiter.succeed()
            }
        }
    }

    private func reportStateIfChanged() {
        let state = self.machine.publicState
        guard state != self.reportedState else { return }
        self.reportedState = state
        self.logger.debug("Redis driver state changed", metadata: ["redis.state": "\(state.rawValue)"])
        self.stateDidChange(state)
    }

    // MARK: Subscribe waiters

    /// Registers a `subscribe` call waiting on `key`, failing it with `.timeout` after `timeout`.
    func addWaiter(_ promise: EventLoopPromise<Void>, for key: RedisSubscriptionKey, timeout: TimeAmount) {
        self.lastWaiterID += 1
        let id = self.lastWaiterID
        let timer = self.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [weak self] in
            guard let self else { return }
            self.subscriptions.removeWaiter(id, from: key)
            self.resumeWaiter(id, with: .failure(RedisDriverError.timeout))
        }
        self.subscriptions.addWaiter(id, to: key)
        self.subscribeWaiters[id] = SubscribeWaiter(promise: promise, timer: timer)
    }

    /// Completes a waiting `subscribe` call.
    func resumeWaiter(_ id: UInt64, with result: Result<Void, Error>) {
        guard let waiter = self.subscribeWaiters.removeValue(forKey: id) else { return }
        waiter.timer.cancel()
        waiter.promise.completeWith(result)
    }
}

@available(*, unavailable)
extension HiredisDriverCore: Sendable {}
