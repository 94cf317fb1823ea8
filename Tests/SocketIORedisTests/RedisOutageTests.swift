import NIOCore
import NIOPosix
import SocketIO
import SocketIOProtocol
import XCTest

@testable import SocketIORedis

/// Redis outages seen by the adapters and by a cluster of drivers: what was queued reaches the other
/// nodes after the outage, the queue has a byte bound, and the operations that need the other nodes
/// fail with ``SocketIOClusterError/redisUnavailable`` instead of answering with one node's data.
/// Against a real redis-server that the tests kill, pause and restart.
final class RedisOutageTests: XCTestCase {
    private var group: MultiThreadedEventLoopGroup!
    private var drivers: [HiredisPubSubDriver] = []
    private var servers: [SocketIOServer] = []

    /// Short timers so outages resolve in milliseconds.
    private static func fast(
        backoff: RedisReconnectBackoff = .init(initial: .milliseconds(20), maximum: .milliseconds(100)),
        maxQueuedPublishes: Int = 1_000,
        maxQueuedPublishBytes: Int = 1 << 20
    ) -> HiredisDriverConfiguration {
        HiredisDriverConfiguration(
            connectTimeout: .milliseconds(500),
            reconnectBackoff: backoff,
            healthCheckInterval: .milliseconds(100),
            healthCheckTimeout: .milliseconds(250),
            maxQueuedPublishes: maxQueuedPublishes,
            maxQueuedPublishBytes: maxQueuedPublishBytes,
            resubscribeWait: .seconds(10)
        )
    }

    override func setUp() async throws {
        self.group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
    }

    override func tearDown() async throws {
        for server in self.servers {
            server.close()
        }
        self.servers = []
        for driver in self.drivers {
            await driver.close(timeout: .seconds(1))
        }
        self.drivers = []
        try await self.group.shutdownGracefully()
    }

    private func makeDriver(_ url: RedisURL, _ configuration: HiredisDriverConfiguration = fast()) -> HiredisPubSubDriver {
        let driver = HiredisPubSubDriver(url: url, eventLoopGroup: self.group, configuration: configuration, logger: testLogger("redis.test"))
        self.drivers.append(driver)
        driver.start()
        return driver
    }

    // MARK: The queue reaches nodes that reconnect later

    /// The publisher reconnects within ~100 ms of the restart, the subscriber only after ~1.5 s. The
    /// publisher's queue must wait for the subscriber to subscribe again: sent at once, Redis would
    /// deliver it to nobody (which is what happened before the driver watched its peers).
    func testQueuedPublishesWaitUntilTheOtherNodeSubscribedAgain() async throws {
        let server = try RedisTestServer()
        let publisher = self.makeDriver(try server.url())
        let late = RedisReconnectBackoff(initial: .milliseconds(1_500), maximum: .milliseconds(1_500), jitter: 0)
        let subscriber = self.makeDriver(try server.url(), Self.fast(backoff: late))
        try await waitUntil("both connected") { publisher.state == .connected && subscriber.state == .connected }

        // Both count on "nodes" (like every adapter on its request channel); only the subscriber reads "c".
        try await publisher.subscribe("nodes", kind: .channel, timeout: .seconds(2)) { _ in }
        try await subscriber.subscribe("nodes", kind: .channel, timeout: .seconds(2)) { _ in }
        let inbox = MessageInbox()
        try await subscriber.subscribe("c", kind: .channel, timeout: .seconds(2), handler: inbox.handler)
        publisher.watchPeers(on: "nodes", sharded: false)
        // A few health checks (every 100 ms) record the count of 2.
        try await Task.sleep(for: .milliseconds(400))

        server.kill()
        try await waitUntil("both noticed") { publisher.state == .reconnecting && subscriber.state == .reconnecting }
        for index in 0..<5 {
            publisher.publish(ByteBuffer(string: "queued \(index)"), to: "c", sharded: false)
        }
        try server.start()
        try await waitUntil("publisher back first") { publisher.state == .connected }
        XCTAssertNotEqual(subscriber.state, .connected, "the subscriber's backoff keeps it away for now")
        // Published after the reconnect, before the subscriber is back: joins the held queue, in order.
        publisher.publish(ByteBuffer(string: "after reconnect"), to: "c", sharded: false)

        try await waitUntil("everything delivered", timeout: .seconds(8)) { inbox.messages.count == 6 }
        XCTAssertEqual(
            inbox.messages.map { String(buffer: $0.payload) },
            ["queued 0", "queued 1", "queued 2", "queued 3", "queued 4", "after reconnect"]
        )
        XCTAssertEqual(publisher.statistics.dropped.load(ordering: .relaxed), 0)
    }

    /// A node that did not come back (its count never returns) holds the queue only for
    /// `resubscribeWait`, then sends it to whoever listens.
    func testTheQueueIsSentAfterTheResubscribeWaitWhenANodeNeverComesBack() async throws {
        let server = try RedisTestServer()
        var configuration = Self.fast()
        configuration.resubscribeWait = .milliseconds(300)
        let publisher = self.makeDriver(try server.url(), configuration)
        let listener = self.makeDriver(try server.url())
        let gone = self.makeDriver(try server.url())
        try await waitUntil("connected") { [publisher, listener, gone].allSatisfy { $0.state == .connected } }
        for driver in [publisher, listener, gone] {
            try await driver.subscribe("nodes", kind: .channel, timeout: .seconds(2)) { _ in }
        }
        let inbox = MessageInbox()
        try await listener.subscribe("c", kind: .channel, timeout: .seconds(2), handler: inbox.handler)
        publisher.watchPeers(on: "nodes", sharded: false)
        try await Task.sleep(for: .milliseconds(400))

        server.kill()
        await gone.close(timeout: .milliseconds(100))
        try await waitUntil("reconnecting") { publisher.state == .reconnecting }
        publisher.publish(ByteBuffer(string: "queued"), to: "c", sharded: false)
        try server.start()
        try await waitUntil("delivered without the node that left", timeout: .seconds(5)) { inbox.messages.count == 1 }
    }

    /// SIGSTOP: the sockets stay open and writes succeed, but nothing is answered. Publishes issued once
    /// the oldest reply is overdue by `stallThreshold` wait in the queue instead of going into the
    /// frozen connection (which is dropped at the health-check deadline, taking them with it), and are
    /// delivered after the reconnect.
    func testPublishesDuringAStallQueueInsteadOfEnteringTheFrozenConnection() async throws {
        let server = try RedisTestServer()
        var configuration = Self.fast()
        configuration.healthCheckTimeout = .milliseconds(800)
        configuration.stallThreshold = .milliseconds(100)
        let publisher = self.makeDriver(try server.url(), configuration)
        let subscriber = self.makeDriver(try server.url())
        try await waitUntil("both connected") { publisher.state == .connected && subscriber.state == .connected }
        try await publisher.subscribe("nodes", kind: .channel, timeout: .seconds(2)) { _ in }
        try await subscriber.subscribe("nodes", kind: .channel, timeout: .seconds(2)) { _ in }
        let inbox = MessageInbox()
        try await subscriber.subscribe("c", kind: .channel, timeout: .seconds(2), handler: inbox.handler)
        publisher.watchPeers(on: "nodes", sharded: false)
        try await Task.sleep(for: .milliseconds(400))

        server.pause()
        publisher.publish(ByteBuffer(string: "written before the stall showed"), to: "c", sharded: false)
        try await Task.sleep(for: .milliseconds(300))
        for index in 0..<3 {
            publisher.publish(ByteBuffer(string: "queued \(index)"), to: "c", sharded: false)
        }
        try await waitUntil("the frozen link dropped", timeout: .seconds(5)) { publisher.state == .reconnecting }
        server.resume()
        try await waitUntil("the queued publishes delivered", timeout: .seconds(8)) {
            inbox.messages.map { String(buffer: $0.payload) }.suffix(3) == ["queued 0", "queued 1", "queued 2"]
        }
        XCTAssertEqual(publisher.statistics.dropped.load(ordering: .relaxed), 0)
    }

    // MARK: Bounds

    /// Publishes beyond the byte bound are dropped and counted, even below the count bound.
    func testTheOutageQueueIsBoundedByBytes() async throws {
        let server = try RedisTestServer()
        // Each publish weighs 10 payload bytes + 1 channel byte: two fit in 30 bytes, a third does not.
        let driver = self.makeDriver(try server.url(), Self.fast(maxQueuedPublishes: 100, maxQueuedPublishBytes: 30))
        try await waitUntil("connected") { driver.state == .connected }
        let inbox = MessageInbox()
        try await driver.subscribe("c", kind: .channel, timeout: .seconds(2), handler: inbox.handler)

        server.kill()
        try await waitUntil("reconnecting") { driver.state == .reconnecting }
        for index in 0..<5 {
            driver.publish(ByteBuffer(string: "payload-\(index)\(index)"), to: "c", sharded: false)
        }
        try await waitUntil("overflow counted") { driver.statistics.dropped.load(ordering: .relaxed) == 3 }
        try server.start()
        try await waitUntil("the two that fit delivered") { inbox.messages.count == 2 }
        XCTAssertEqual(inbox.messages.map { String(buffer: $0.payload) }, ["payload-00", "payload-11"])
        XCTAssertEqual(driver.statistics.dropped.load(ordering: .relaxed), 3)
    }

    // MARK: Honest cluster answers

    /// Two servers with Redis adapters of `mode` on one Redis, each on its own driver.
    private func twoNodes(_ url: RedisURL, mode: RedisAdapterConfiguration.Mode, requestTimeout: TimeAmount = .seconds(30)) async throws -> [SocketIOServer] {
        var nodes: [SocketIOServer] = []
        for _ in 0..<2 {
            let driver = self.makeDriver(url)
            var configuration = SocketIOServerConfiguration()
            configuration.adapterFactory = RedisAdapterFactory.make(
                driver: driver,
                configuration: RedisAdapterConfiguration(requestTimeout: requestTimeout, mode: mode),
                logger: testLogger("redis.adapter")
            )
            let io = SocketIOServer(configuration: configuration, eventLoopGroup: self.group)
            self.servers.append(io)
            io.sockets.onServerSideEmit { _, reply in reply?(["pong"]) }
            try await waitUntil("connected") { driver.state == .connected }
            if let classic = io.sockets.adapter as? RedisAdapter {
                try await classic.waitUntilSubscribed()
            } else if let sharded = io.sockets.adapter as? ShardedRedisAdapter {
                try await sharded.waitUntilSubscribed()
            }
            nodes.append(io)
        }
        return nodes
    }

    private func modes() -> [RedisAdapterConfiguration.Mode] {
        (try? RedisTestServer.requireShardedPubSub()) != nil ? [.classic, .sharded(.dynamic)] : [.classic]
    }

    /// Expects `operation` to throw ``SocketIOClusterError/redisUnavailable``.
    private func expectUnavailable<T>(_ what: String, file: StaticString = #filePath, line: UInt = #line, _ operation: () async throws -> T) async {
        do {
            let value = try await operation()
            XCTFail("\(what): expected redisUnavailable, got \(value)", file: file, line: line)
        } catch {
            XCTAssertEqual(error as? SocketIOClusterError, .redisUnavailable, "\(what): \(error)", file: file, line: line)
        }
    }

    /// While Redis is down, every operation that needs the other nodes says so, instead of answering
    /// with this node's data as if it were the whole cluster; once Redis is back they work again.
    func testClusterOperationsFailWithRedisUnavailableWhileRedisIsDown() async throws {
        for mode in self.modes() {
            let server = try RedisTestServer()
            let nodes = try await self.twoNodes(try server.url(), mode: mode)
            let io = nodes[0]
            let count = try await io.sockets.adapter.serverCount()
            XCTAssertEqual(count, 2, "\(mode)")
            let sockets = try await io.fetchSockets()
            XCTAssertEqual(sockets.count, 0, "\(mode)")
            let answers = try await io.sockets.serverSideEmitWithAck("ping", timeout: .seconds(5))
            XCTAssertEqual(answers, ["pong"], "\(mode)")

            server.kill()
            let driverDown = self.drivers.suffix(2)
            try await waitUntil("reconnecting") { driverDown.allSatisfy { $0.state == .reconnecting } }
            await self.expectUnavailable("fetchSockets \(mode)") { try await io.fetchSockets() }
            await self.expectUnavailable("allRooms \(mode)") { try await io.sockets.adapter.allRooms() }
            await self.expectUnavailable("serverCount \(mode)") { try await io.sockets.adapter.serverCount() }
            await self.expectUnavailable("serverSideEmitWithAck \(mode)") {
                try await io.sockets.serverSideEmitWithAck("ping", timeout: .seconds(30))
            }
            await self.expectUnavailable("broadcast with acks \(mode)") {
                try await io.sockets.all.timeout(.seconds(30)).emitWithAck("ask")
            }
            let localOnly = try await io.local.fetchSockets()
            XCTAssertEqual(localOnly.count, 0, "local fetches need no Redis")

            try server.start()
            try await waitUntil("reconnected") { driverDown.allSatisfy { $0.state == .connected } }
            var countAfter = -1
            for _ in 0..<200 where countAfter != 2 {
                countAfter = (try? await io.sockets.adapter.serverCount()) ?? -1
                if countAfter != 2 { try await Task.sleep(for: .milliseconds(25)) }
            }
            XCTAssertEqual(countAfter, 2, "\(mode): both nodes counted again")
            let after = try await io.sockets.serverSideEmitWithAck("ping", timeout: .seconds(5))
            XCTAssertEqual(after, ["pong"], "\(mode) after the outage")
            for node in nodes { node.close() }
            server.kill()
        }
    }

    /// A request (or a broadcast's acks) waiting for another node's answer when Redis stops answering
    /// fails with
    /// `redisUnavailable` as soon as the driver drops the link, not after the 30-s request timeout.
    func testRequestsInFlightFailWhenTheLinkDrops() async throws {
        for mode in self.modes() {
            let server = try RedisTestServer()
            let nodes = try await self.twoNodes(try server.url(), mode: mode, requestTimeout: .seconds(30))
            // A third subscriber that counts as a node and never answers keeps the request waiting.
            let silent = self.makeDriver(try server.url())
            try await waitUntil("silent connected") { silent.state == .connected }
            switch mode {
            case .classic: try await silent.subscribe("socket.io-request#/#", kind: .channel, timeout: .seconds(2)) { _ in }
            case .sharded: try await silent.subscribe("socket.io#/#", kind: .sharded, timeout: .seconds(2)) { _ in }
            }
            let counted = try await nodes[0].sockets.adapter.serverCount()
            XCTAssertEqual(counted, 3)

            let io = nodes[0]
            let fetched = Task { try await io.fetchSockets() }
            let emitted = Task { try await io.sockets.serverSideEmitWithAck("ping", timeout: .seconds(30)) }
            // The silent node never reports its client count, so the broadcast's acks wait too.
            let acked = Task { try await io.sockets.all.timeout(.seconds(30)).emitWithAck("ask") }
            try await Task.sleep(for: .milliseconds(200))
            server.pause()  // SIGSTOP: only the health check can notice
            await self.expectUnavailable("fetchSockets in flight \(mode)") { try await fetched.value }
            await self.expectUnavailable("serverSideEmitWithAck in flight \(mode)") { try await emitted.value }
            await self.expectUnavailable("broadcast acks in flight \(mode)") { try await acked.value }
            server.resume()
            for node in nodes { node.close() }
            server.kill()
        }
    }
}
