import Atomics
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// The Redis pub/sub driver for real use: SwiftNIO does the I/O, hiredis parses and formats RESP.
///
/// ## Connections
/// Two TCP connections per driver, opened together by each connect attempt with a `ClientBootstrap`:
/// - the *command* connection carries PUBLISH, SPUBLISH, `PUBSUB NUMSUB`/`SHARDNUMSUB` and PING; replies
///   are matched to commands first-in, first-out;
/// - the *subscriber* connection carries SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE and their UNSUBSCRIBE
///   variants; `message` [channel, payload], `pmessage` [pattern, channel, payload] and `smessage`
///   [channel, payload] arrays are pushes for the subscription's handler, everything else is a reply
///   (confirmations complete `subscribe`'s wait).
///
/// Each connection's pipeline holds one ``RedisConnectionHandler``. Inbound bytes go into hiredis'
/// reply reader (`redisReaderFeed` / `redisReaderGetReply`, replies freed with `freeReplyObject`) and
/// come out as ``RESPValue``s; commands go out through `redisFormatCommandArgv` (binary-safe argv with
/// lengths, freed with `redisFreeCommand`). Only hiredis' reader and formatter are used, never its
/// connection or async API: that API blocks or owns the socket, and it does not know SSUBSCRIBE and
/// `smessage` (hiredis 0.14, RESP2). Nothing here blocks an event loop.
///
/// ## Threading
/// The driver picks one event loop of the group; both channels run on it, and all mutable state (the
/// state machine, subscriptions, outgoing queue, timers, reply queues) lives in a `HiredisDriverCore`
/// confined to that loop (a `NIOLoopBoundBox`). Public methods may be called from any thread: they hop
/// to the loop (or run inline when already on it), so there is no lock on the hot path and message
/// handlers run on that loop. Only the public ``state`` and the ``onStateChange`` observer sit behind a
/// lock, and ``statistics`` are atomics, so they read cheaply from anywhere.
///
/// ## Lifecycle
/// `HiredisDriverStateMachine` decides, the core performs: `start()` begins the first attempt and
/// returns at once. An attempt connects both connections, sends AUTH (`AUTH password` or `AUTH user
/// password`) and SELECT when the URL asks, a PING, and on the subscriber connection every
/// SUBSCRIBE/PSUBSCRIBE/SSUBSCRIBE the driver holds (hiredis never re-subscribes by itself); only when
/// all of that is answered does the state become ``RedisConnectionState/connected``. The publishes
/// queued meanwhile are sent after the subscriptions and, after a reconnect, only once the other nodes
/// have subscribed again: every channel given to ``watchPeers(on:sharded:)`` must have as many
/// subscribers as it had before the outage (counted every 25 ms, for at most
/// ``HiredisDriverConfiguration/resubscribeWait``; new publishes join the queue meanwhile, so order
/// holds). Without that wait, a node that reconnects first sends its queue before the others listen
/// again and Redis delivers it to nobody. A failed attempt or a lost link retries after an exponential
/// backoff with jitter (``RedisReconnectBackoff``, 50 ms doubling to 500 ms by default), forever, until
/// ``close(timeout:)``. Observers see `connecting` until the first success, then
/// `reconnecting` whenever the link is down, and `closed` at the end.
///
/// ## Deadlines and bounds
/// Every state has a deadline: connect attempts (TCP, handshake, re-subscribing) the connect timeout;
/// the backoff its delay; a connected link the health check (a PING on both connections every
/// `healthCheckInterval`; a PONG later than `healthCheckTimeout` forces a reconnect); `subscribe` and
/// `subscriberCount` their own timeouts; closing the close timeout. Publishes issued while disconnected
/// wait in a queue of at most `maxQueuedPublishes` publishes and `maxQueuedPublishBytes` bytes; publishes
/// written but not yet acknowledged while connected, and publishes from other threads on their way to
/// the event loop, obey the same bounds;
/// beyond it they are dropped and counted in `statistics.dropped`. Messages are handed to a handler only
/// once Redis confirmed its subscription (Redis confirms before it delivers, so anything earlier belongs
/// to an instance of the subscription being removed).
/// `subscriberCount` fails at once with ``RedisDriverError/notConnected`` while disconnected.
///
/// Call ``close(timeout:)`` before dropping a driver: it waits (up to the timeout) for in-flight
/// publishes to be acknowledged, then closes both connections; queued publishes that never reached Redis
/// are counted as dropped.
public final class HiredisPubSubDriver: RedisPubSubDriver {
    /// The broker's address.
    public let url: RedisURL
    /// Counters for metrics.
    public let statistics: RedisDriverStatistics
    /// The event loop that owns both connections and runs the message handlers.
    public let eventLoop: any EventLoop

    private struct Shared: Sendable {
        var state: RedisConnectionState = .connecting
        var onStateChange: (@Sendable (RedisConnectionState) -> Void)?
        var observers = RedisStateObservers()
    }

    private let core: NIOLoopBoundBox<HiredisDriverCore>
    private let shared: NIOLockedValueBox<Shared>
    /// Publishes from other threads on their way to the event loop; bounded like the queue.
    private let publishesInTransit = ManagedAtomic<Int>(0)
    private let publishBytesInTransit = ManagedAtomic<Int>(0)
    private let maxQueuedPublishes: Int
    private let maxQueuedPublishBytes: Int

    /// A driver for `url` on one event loop of `eventLoopGroup`. Nothing connects before ``start()``.
    public convenience init(
        url: RedisURL,
        eventLoopGroup: any EventLoopGroup,
        configuration: HiredisDriverConfiguration = .init(),
        logger: Logger
    ) {
        self.init(url: url, eventLoopGroup: eventLoopGroup, configuration: configuration, logger: logger, statistics: RedisDriverStatistics(), hooks: .init())
    }

    /// A driver whose counters go to `statistics` (shared by the connections of a cluster or Sentinel
    /// driver) and whose redirect-related events go to `hooks`.
    init(
        url: RedisURL,
        eventLoopGroup: any EventLoopGroup,
        configuration: HiredisDriverConfiguration,
        logger: Logger,
        statistics: RedisDriverStatistics,
        hooks: HiredisDriverHooks
    ) {
        self.statistics = statistics
        var logger = logger
        logger[metadataKey: "redis.url"] = "\(url)"
        let eventLoop = eventLoopGroup.next()
        let shared = NIOLockedValueBox(Shared())
        let core = HiredisDriverCore(
            eventLoop: eventLoop,
            url: url,
            configuration: configuration,
            logger: logger,
            statistics: statistics,
            hooks: hooks,
            stateDidChange: { state in
                let (observer, observers) = shared.withLockedValue { shared in
                    shared.state = state
                    return (shared.onStateChange, shared.observers.all)
                }
                observer?(state)
                for observer in observers {
                    observer(state)
                }
            }
        )
        self.url = url
        self.maxQueuedPublishes = configuration.maxQueuedPublishes
        self.maxQueuedPublishBytes = configuration.maxQueuedPublishBytes
        self.eventLoop = eventLoop
        self.shared = shared
        self.core = NIOLoopBoundBox.makeBoxSendingValue(core, eventLoop: eventLoop)
    }

    /// Begins connecting and returns at once; follow ``state`` or ``onStateChange``.
    public func start() {
        self.onLoop { $0.start() }
    }

    /// The link's state now, readable from any thread.
    public var state: RedisConnectionState {
        self.shared.withLockedValue { $0.state }
    }

    /// Called on the driver's event loop with every new ``state``. Set it before ``start()`` to see
    /// every change.
    public var onStateChange: (@Sendable (RedisConnectionState) -> Void)? {
        get { self.shared.withLockedValue { $0.onStateChange } }
        set { self.shared.withLockedValue { $0.onStateChange = newValue } }
    }

    public func publish(_ payload: ByteBuffer, to channel: String, sharded: Bool) {
        if self.eventLoop.inEventLoop {
            self.core.value.publish(payload, to: channel, sharded: sharded)
            return
        }
        // The hop to the event loop is a buffer too: at most `maxQueuedPublishes` publishes and
        // `maxQueuedPublishBytes` bytes may be on their way.
        let size = payload.readableBytes + channel.utf8.count
        let bytesBefore = self.publishBytesInTransit.loadThenWrappingIncrement(by: size, ordering: .relaxed)
        guard self.publishesInTransit.loadThenWrappingIncrement(ordering: .relaxed) < self.maxQueuedPublishes,
            size <= self.maxQueuedPublishBytes - bytesBefore
        else {
            self.publishesInTransit.wrappingDecrement(ordering: .relaxed)
            self.publishBytesInTransit.wrappingDecrement(by: size, ordering: .relaxed)
            self.statistics.dropped.wrappingIncrement(ordering: .relaxed)
            return
        }
        self.eventLoop.execute {
            self.publishesInTransit.wrappingDecrement(ordering: .relaxed)
            self.publishBytesInTransit.wrappingDecrement(by: size, ordering: .relaxed)
            self.core.value.publish(payload, to: channel, sharded: sharded)
        }
    }

    public func subscribe(
        _ name: String,
        kind: RedisSubscriptionKind,
        timeout: TimeAmount,
        handler: @escaping RedisMessageHandler
    ) async throws {
        let promise = self.eventLoop.makePromise(of: Void.self)
        let key = RedisSubscriptionKey(kind: kind, name: name)
        self.onLoop { $0.subscribe(key, timeout: timeout, handler: handler, promise: promise) }
        try await promise.futureResult.get()
    }

    /// Removes a subscription (and sends the UNSUBSCRIBE when connected). A `subscribe` still waiting for
    /// it fails.
    public func unsubscribe(_ name: String, kind: RedisSubscriptionKind) {
        let key = RedisSubscriptionKey(kind: kind, name: name)
        self.onLoop { $0.unsubscribe(key) }
    }

    public func subscriberCount(of channel: String, sharded: Bool, timeout: TimeAmount) async throws -> Int {
        let promise = self.eventLoop.makePromise(of: Int.self)
        self.onLoop { $0.subscriberCount(of: channel, sharded: sharded, timeout: timeout, promise: promise) }
        return try await promise.futureResult.get()
    }

    /// Registers `observer` for every later state change (called on the driver's event loop, after
    /// ``onStateChange``); returns the id for ``removeStateObserver(_:)``.
    @discardableResult
    public func addStateObserver(_ observer: @escaping @Sendable (RedisConnectionState) -> Void) -> Int {
        self.shared.withLockedValue { $0.observers.add(observer) }
    }

    /// Removes an observer added with ``addStateObserver(_:)``.
    public func removeStateObserver(_ id: Int) {
        self.shared.withLockedValue { $0.observers.remove(id) }
    }

    /// Watches `channel`'s subscriber count: after a reconnect, queued publishes wait (up to
    /// ``HiredisDriverConfiguration/resubscribeWait``) until it is back to its count before the outage.
    public func watchPeers(on channel: String, sharded: Bool) {
        let watched = RedisPeerWatch.Channel(name: channel, sharded: sharded)
        self.onLoop { $0.watchPeers(watched) }
    }

    /// Ends one ``watchPeers(on:sharded:)``.
    public func unwatchPeers(on channel: String, sharded: Bool) {
        let watched = RedisPeerWatch.Channel(name: channel, sharded: sharded)
        self.onLoop { $0.unwatchPeers(watched) }
    }

    /// Waits up to `timeout` for in-flight publishes to be acknowledged, then closes both connections and
    /// stops reconnecting. Ends in ``RedisConnectionState/closed``; calling it again just waits for that.
    public func close(timeout: TimeAmount) async {
        let promise = self.eventLoop.makePromise(of: Void.self)
        self.onLoop { $0.close(timeout: timeout, promise: promise) }
        try? await promise.futureResult.get()
    }

    /// Takes every publish still queued (not yet written), oldest first, so a cluster driver can send
    /// them to the node that owns their slot now.
    func takeQueuedPublishes() async -> [RedisQueuedPublish] {
        let promise = self.eventLoop.makePromise(of: [RedisQueuedPublish].self)
        self.onLoop { promise.succeed($0.queue.removeAll()) }
        return (try? await promise.futureResult.get()) ?? []
    }

    /// Runs `body` with the core on the driver's event loop: inline when already there, else as a task.
    func onLoop(_ body: @escaping @Sendable (HiredisDriverCore) -> Void) {
        if self.eventLoop.inEventLoop {
            body(self.core.value)
        } else {
            self.eventLoop.execute {
                body(self.core.value)
            }
        }
    }
}
