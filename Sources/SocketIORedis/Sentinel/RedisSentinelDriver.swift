import Logging
import NIOConcurrencyHelpers
import NIOCore

/// The pub/sub driver for a primary watched by Redis Sentinel.
///
/// The sentinels are asked for the primary (`SENTINEL get-master-addr-by-name`, one sentinel after the
/// other, each through a short-lived connection with the sentinels' own credentials), and the answer is
/// checked with `ROLE` on that server before use. The primary gets a ``HiredisPubSubDriver`` (every rule
/// of the standalone driver holds: reconnect, backoff, bounded queue, resubscribe). A second
/// ``HiredisPubSubDriver`` on a sentinel subscribes to `+switch-master`: a failover announced there, a
/// lost primary link (asked every ``RedisSentinelConfiguration/degradedQueryInterval``) or the periodic
/// check (``RedisSentinelConfiguration/queryInterval``) leads to a new lookup; a new primary gets a new
/// link, every subscription and peer watch is issued there, the publishes queued for the old primary are
/// sent to the new one, and the old link closes.
public final class RedisSentinelDriver: RedisPubSubDriver {
    /// Counters of the primary links (publishes, receives, drops, reconnects).
    public let statistics = RedisDriverStatistics()
    /// The sentinels and the rules.
    public let configuration: RedisSentinelConfiguration
    let eventLoopGroup: any EventLoopGroup
    let logger: Logger
    let shared: NIOLockedValueBox<SentinelState>

    /// A driver for `configuration.masterName`. Nothing connects before ``start()``.
    public init(configuration: RedisSentinelConfiguration, eventLoopGroup: any EventLoopGroup, logger: Logger) {
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        var logger = logger
        logger[metadataKey: "redis.sentinelMaster"] = "\(configuration.masterName)"
        self.logger = logger
        self.shared = NIOLockedValueBox(
            SentinelState(pending: RedisPublishQueue(capacity: configuration.node.maxQueuedPublishes, maxBytes: configuration.node.maxQueuedPublishBytes))
        )
    }

    /// Begins looking up the primary and returns at once.
    public func start() {
        let start = self.shared.withLockedValue { state -> Bool in
            guard !state.started, !state.closed else { return false }
            state.started = true
            return true
        }
        guard start else { return }
        if let sentinel = self.configuration.sentinels.first {
            let watch = HiredisPubSubDriver(
                url: self.configuration.sentinelURL(sentinel), eventLoopGroup: self.eventLoopGroup,
                configuration: self.configuration.node, logger: self.logger, statistics: RedisDriverStatistics(), hooks: .init()
            )
            watch.start()
            self.shared.withLockedValue { $0.sentinelWatch = watch }
            let timeout = self.configuration.node.connectTimeout
            Task {
                // The link keeps the subscription and issues it again after every reconnect; the
                // timeout only bounds this wait.
                try? await watch.subscribe("+switch-master", kind: .channel, timeout: timeout) { [weak self] message in
                    guard let self, String(buffer: message.payload).split(separator: " ").first == Substring(self.configuration.masterName) else { return }
                    self.logger.info("Sentinel announced a failover", metadata: ["redis.switch": "\(String(buffer: message.payload))"])
                    self.shared.withLockedValue { $0.lookupRequested = true }
                }
            }
        }
        let task = Task { [weak self] in
            guard let self else { return }
            await self.lookupLoop()
        }
        self.shared.withLockedValue { $0.lookupTask = task }
    }

    /// The primary's link state; connecting until a primary is known.
    public var state: RedisConnectionState {
        self.shared.withLockedValue { state in
            if state.closed { return .closed }
            guard let primary = state.primary else { return state.everConnected ? .reconnecting : .connecting }
            return primary.driver.state
        }
    }

    /// The primary in use; nil before the first lookup succeeded.
    public var primaryAddress: RedisNodeAddress? {
        self.shared.withLockedValue { $0.primary?.address }
    }

    // MARK: Lookup

    private func lookupLoop() async {
        var schedule = RedisRefreshSchedule(interval: self.configuration.queryInterval, degradedInterval: self.configuration.degradedQueryInterval)
        await schedule.run(
            probe: {
                self.shared.withLockedValue { state in
                    (state.closed, state.lookupRequested || state.primary?.driver.state != .connected)
                }
            },
            refresh: {
                self.shared.withLockedValue { $0.lookupRequested = false }
                if let address = await self.lookUpPrimary() {
                    await self.use(address)
                }
            }
        )
    }

    /// Asks each sentinel in turn; returns the first answer whose `ROLE` says master.
    private func lookUpPrimary() async -> RedisNodeAddress? {
        let eventLoop = self.eventLoopGroup.next()
        let timeout = self.configuration.queryTimeout
        for sentinel in self.configuration.sentinels {
            guard
                let reply = try? await RedisOneShotCommand.run(
                    [RedisCommand("SENTINEL", "get-master-addr-by-name", self.configuration.masterName)],
                    at: self.configuration.sentinelURL(sentinel), on: eventLoop, timeout: timeout
                ).first,
                let address = Self.masterAddress(reply)
            else { continue }
            let role = try? await RedisOneShotCommand.run([RedisCommand("ROLE")], at: self.configuration.primaryURL(address), on: eventLoop, timeout: timeout)
            if role?.first?.elements?.first?.string == "master" {
                return address
            }
        }
        return nil
    }

    /// The reply of `SENTINEL get-master-addr-by-name`: `[host, port]`; nil for anything else.
    static func masterAddress(_ reply: RESPValue) -> RedisNodeAddress? {
        guard let parts = reply.elements, parts.count == 2, let host = parts[0].string, let portText = parts[1].string,
            portText.utf8.count <= 5, let port = Int(portText)
        else { return nil }
        return RedisNodeAddress(host: host, port: port)
    }

    /// Switches to the primary at `address` when it is a new one.
    private func use(_ address: RedisNodeAddress) async {
        let switched = self.shared.withLockedValue { state -> (new: HiredisPubSubDriver, old: HiredisPubSubDriver?, SentinelState.Carry)? in
            guard !state.closed, state.primary?.address != address else { return nil }
            let driver = HiredisPubSubDriver(
                url: self.configuration.primaryURL(address), eventLoopGroup: self.eventLoopGroup,
                configuration: self.configuration.node, logger: self.logger, statistics: self.statistics, hooks: .init()
            )
            let old = state.primary?.driver
            state.primary = (address, driver)
            let carry = SentinelState.Carry(subscriptions: state.subscriptions, watched: state.watched, pending: state.pending.removeAll())
            return (driver, old, carry)
        }
        guard let (driver, old, carry) = switched else { return }
        self.logger.info("Redis primary from Sentinel", metadata: ["redis.primary": "\(address)"])
        driver.addStateObserver { [weak self] state in
            guard let self else { return }
            if state == .connected { self.shared.withLockedValue { $0.everConnected = true } }
            if state == .reconnecting { self.shared.withLockedValue { $0.lookupRequested = true } }
            self.notify()
        }
        for (watched, count) in carry.watched {
            for _ in 0..<count { driver.watchPeers(on: watched.channel, sharded: watched.sharded) }
        }
        // The new link keeps these and issues them with its handshake (and after every reconnect).
        let timeout = self.configuration.node.connectTimeout
        for (key, handler) in carry.subscriptions {
            Task { try? await driver.subscribe(key.name, kind: key.kind, timeout: timeout, handler: handler) }
        }
        driver.start()
        for publish in carry.pending {
            driver.publish(publish.payload, to: publish.channel, sharded: publish.sharded)
        }
        if let old {
            for publish in await old.takeQueuedPublishes() {
                driver.publish(publish.payload, to: publish.channel, sharded: publish.sharded)
            }
            await old.close(timeout: .seconds(1))
        }
        self.notify()
    }

    private func notify() {
        let (state, observers) = self.shared.withLockedValue { shared in
            let state: RedisConnectionState = shared.closed ? .closed : shared.primary?.driver.state ?? .connecting
            return (state, shared.observers.report(state))
        }
        for observer in observers ?? [] { observer(state) }
    }

    // MARK: RedisPubSubDriver

    public func publish(_ payload: ByteBuffer, to channel: String, sharded: Bool) {
        let driver = self.shared.withLockedValue { state -> HiredisPubSubDriver? in
            if let primary = state.primary { return primary.driver }
            if state.closed || !state.pending.append(RedisQueuedPublish(payload: payload, channel: channel, sharded: sharded)) {
                self.statistics.dropped.wrappingIncrement(ordering: .relaxed)
            }
            return nil
        }
        driver?.publish(payload, to: channel, sharded: sharded)
    }

    public func subscribe(_ name: String, kind: RedisSubscriptionKind, timeout: TimeAmount, handler: @escaping RedisMessageHandler) async throws {
        let deadline = NIODeadline.now() + timeout
        try self.shared.withLockedValue { state in
            guard !state.closed else { throw RedisDriverError.closed }
            state.subscriptions[RedisSubscriptionKey(kind: kind, name: name)] = handler
        }
        while true {
            // A switch in between issues the subscription on the new primary itself.
            if let driver = self.shared.withLockedValue({ $0.primary?.driver }) {
                return try await driver.subscribe(name, kind: kind, timeout: deadline - NIODeadline.now(), handler: handler)
            }
            guard NIODeadline.now() < deadline else { throw RedisDriverError.timeout }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    public func unsubscribe(_ name: String, kind: RedisSubscriptionKind) {
        let driver = self.shared.withLockedValue { state in
            state.subscriptions[RedisSubscriptionKey(kind: kind, name: name)] = nil
            return state.primary?.driver
        }
        driver?.unsubscribe(name, kind: kind)
    }

    public func subscriberCount(of channel: String, sharded: Bool, timeout: TimeAmount) async throws -> Int {
        guard let driver = self.shared.withLockedValue({ $0.primary?.driver }) else { throw RedisDriverError.notConnected }
        return try await driver.subscriberCount(of: channel, sharded: sharded, timeout: timeout)
    }

    @discardableResult
    public func addStateObserver(_ observer: @escaping @Sendable (RedisConnectionState) -> Void) -> Int {
        self.shared.withLockedValue { $0.observers.add(observer) }
    }

    public func removeStateObserver(_ id: Int) {
        self.shared.withLockedValue { $0.observers.remove(id) }
    }

    public func watchPeers(on channel: String, sharded: Bool) {
        let driver = self.shared.withLockedValue { state in
            state.watched[SentinelState.Watched(channel, sharded), default: 0] += 1
            return state.primary?.driver
        }
        driver?.watchPeers(on: channel, sharded: sharded)
    }

    public func unwatchPeers(on channel: String, sharded: Bool) {
        let driver = self.shared.withLockedValue { state -> HiredisPubSubDriver? in
            let key = SentinelState.Watched(channel, sharded)
            guard let count = state.watched[key] else { return nil }
            state.watched[key] = count > 1 ? count - 1 : nil
            return state.primary?.driver
        }
        driver?.unwatchPeers(on: channel, sharded: sharded)
    }

    public func close(timeout: TimeAmount) async {
        let (primary, watch, task, dropped) = self.shared.withLockedValue { state in
            state.closed = true
            return (state.primary?.driver, state.sentinelWatch, state.lookupTask, state.pending.removeAll().count)
        }
        task?.cancel()
        if dropped > 0 { self.statistics.dropped.wrappingIncrement(by: dropped, ordering: .relaxed) }
        await primary?.close(timeout: timeout)
        await watch?.close(timeout: .milliseconds(100))
        self.notify()
    }
}

extension RedisSentinelDriver: RedisKeyValueCommands, RedisDeploymentDriver {
    public func set(_ key: String, value: String, expiresIn ttl: TimeAmount, timeout: TimeAmount) async throws {
        guard let driver = self.shared.withLockedValue({ $0.primary?.driver }) else { throw RedisDriverError.notConnected }
        try await driver.set(key, value: value, expiresIn: ttl, timeout: timeout)
    }

    public func get(_ key: String, timeout: TimeAmount) async throws -> String? {
        guard let driver = self.shared.withLockedValue({ $0.primary?.driver }) else { throw RedisDriverError.notConnected }
        return try await driver.get(key, timeout: timeout)
    }

    public func delete(_ key: String, timeout: TimeAmount) async throws {
        guard let driver = self.shared.withLockedValue({ $0.primary?.driver }) else { throw RedisDriverError.notConnected }
        try await driver.delete(key, timeout: timeout)
    }

    public var linkStates: [(name: String, state: RedisConnectionState)] {
        self.shared.withLockedValue { state in
            state.primary.map { [($0.address.description, $0.driver.state)] } ?? []
        }
    }
}

/// The mutable state of a ``RedisSentinelDriver``, behind its lock.
struct SentinelState {
    /// A peer-watched channel.
    struct Watched: Hashable {
        var channel: String
        var sharded: Bool
        init(_ channel: String, _ sharded: Bool) {
            self.channel = channel
            self.sharded = sharded
        }
    }

    /// What moves to a new primary.
    struct Carry {
        var subscriptions: [RedisSubscriptionKey: RedisMessageHandler]
        var watched: [Watched: Int]
        var pending: [RedisQueuedPublish]
    }

    var primary: (address: RedisNodeAddress, driver: HiredisPubSubDriver)?
    var sentinelWatch: HiredisPubSubDriver?
    var subscriptions: [RedisSubscriptionKey: RedisMessageHandler] = [:]
    var watched: [Watched: Int] = [:]
    var pending: RedisPublishQueue
    var observers = RedisStateObservers()
    var everConnected = false
    var started = false
    var closed = false
    var lookupRequested = false
    var lookupTask: Task<Void, Never>?
}
