import NIOCore
import NIOPosix
import XCTest

@testable import SocketIORedis

/// Outages, hangs and closing, against a real redis-server that the tests kill, stop and restart.
final class HiredisReconnectTests: XCTestCase {
    private var group: MultiThreadedEventLoopGroup!
    private var drivers: [HiredisPubSubDriver] = []

    /// Short timers so outages resolve in milliseconds.
    private static let fast = HiredisDriverConfiguration(
        connectTimeout: .milliseconds(500),
        reconnectBackoff: .init(initial: .milliseconds(20), maximum: .milliseconds(100)),
        healthCheckInterval: .milliseconds(100),
        healthCheckTimeout: .milliseconds(250),
        maxQueuedPublishes: 3
    )

    override func setUp() async throws {
        self.group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
    }

    override func tearDown() async throws {
        for driver in self.drivers {
            await driver.close(timeout: .seconds(1))
        }
        self.drivers = []
        try await self.group.shutdownGracefully()
    }

    private func makeDriver(_ url: RedisURL, recorder: StateRecorder? = nil) -> HiredisPubSubDriver {
        let driver = HiredisPubSubDriver(url: url, eventLoopGroup: self.group, configuration: Self.fast, logger: testLogger("redis.test"))
        if let recorder { driver.onStateChange = recorder.observer }
        self.drivers.append(driver)
        driver.start()
        return driver
    }

    func testRestartResubscribesEverythingAndDeliversQueuedPublishes() async throws {
        let sharded = (try? RedisTestServer.requireShardedPubSub()) != nil
        let server = try RedisTestServer()
        let recorder = StateRecorder()
        let driver = self.makeDriver(try server.url(), recorder: recorder)
        try await waitUntil("connected") { driver.state == .connected }

        let inbox = MessageInbox()
        try await driver.subscribe("c", kind: .channel, timeout: .seconds(2), handler: inbox.handler)
        try await driver.subscribe("p.*", kind: .pattern, timeout: .seconds(2), handler: inbox.handler)
        if sharded {
            try await driver.subscribe("s", kind: .sharded, timeout: .seconds(2), handler: inbox.handler)
        }
        let expectedKinds: Set<RedisSubscriptionKind> = sharded ? [.channel, .pattern, .sharded] : [.channel, .pattern]

        server.kill()
        try await waitUntil("reconnecting") { driver.state == .reconnecting }
        for index in 0..<5 {
            driver.publish(ByteBuffer(string: "queued \(index)"), to: "c", sharded: false)
        }
        try await waitUntil("overflow counted") { driver.statistics.dropped.load(ordering: .relaxed) == 2 }

        try server.start()
        try await waitUntil("reconnected") { driver.state == .connected }
        try await waitUntil("queued publishes delivered") { inbox.messages.count == 3 }
        XCTAssertEqual(
            inbox.messages.map { String(buffer: $0.payload) },
            ["queued 0", "queued 1", "queued 2"],
            "the oldest publishes survive the outage, in order, and reach the re-issued subscription"
        )

        // Every subscription works again without the caller asking.
        driver.publish(ByteBuffer(string: "after c"), to: "c", sharded: false)
        driver.publish(ByteBuffer(string: "after p"), to: "p.1", sharded: false)
        if sharded {
            driver.publish(ByteBuffer(string: "after s"), to: "s", sharded: true)
        }
        try await waitUntil("messages on every subscription") { inbox.messages.count == 3 + expectedKinds.count }
        XCTAssertEqual(Set(inbox.messages.dropFirst(3).map(\.kind)), expectedKinds)

        XCTAssertEqual(driver.statistics.reconnects.load(ordering: .relaxed), 1)
        XCTAssertEqual(driver.statistics.dropped.load(ordering: .relaxed), 2)
        XCTAssertEqual(recorder.states, [.connected, .reconnecting, .connected])
    }

    func testHungServerFailsTheHealthCheckAndTheLinkRecovers() async throws {
        let server = try RedisTestServer()
        let recorder = StateRecorder()
        let driver = self.makeDriver(try server.url(), recorder: recorder)
        try await waitUntil("connected") { driver.state == .connected }
        let inbox = MessageInbox()
        try await driver.subscribe("c", kind: .channel, timeout: .seconds(2), handler: inbox.handler)

        // SIGSTOP keeps the sockets open but nothing answers: only the PING deadline can notice.
        server.pause()
        try await waitUntil("health check noticed", timeout: .seconds(3)) { driver.state == .reconnecting }
        XCTAssertEqual(driver.state, .reconnecting)
        do {
            _ = try await driver.subscriberCount(of: "c", sharded: false, timeout: .seconds(1))
            XCTFail("requests fail fast while disconnected")
        } catch {
            XCTAssertEqual(error as? RedisDriverError, .notConnected)
        }
        server.resume()
        try await waitUntil("recovered", timeout: .seconds(5)) { driver.state == .connected }
        driver.publish(ByteBuffer(string: "alive"), to: "c", sharded: false)
        try await waitUntil("message after recovery") { inbox.messages.count == 1 }
        XCTAssertEqual(recorder.states.prefix(3), [.connected, .reconnecting, .connected])
    }

    func testFirstConnectWaitsForALateServerAndFlushesTheQueue() async throws {
        let server = try RedisTestServer(startNow: false)
        let recorder = StateRecorder()
        let driver = self.makeDriver(try server.url(), recorder: recorder)
        let inbox = MessageInbox()
        async let subscribed: Void = driver.subscribe("c", kind: .channel, timeout: .seconds(5), handler: inbox.handler)
        driver.publish(ByteBuffer(string: "early"), to: "c", sharded: false)
        try await Task.sleep(for: .milliseconds(150))
        XCTAssertEqual(driver.state, .connecting, "no server yet: still the first connect, retried with backoff")

        try server.start()
        try await subscribed
        try await waitUntil("queued publish delivered") { inbox.messages.count == 1 }
        XCTAssertEqual(String(buffer: inbox.messages[0].payload), "early")
        XCTAssertEqual(driver.statistics.reconnects.load(ordering: .relaxed), 0, "a first connection is no reconnect")
        XCTAssertEqual(recorder.states, [.connected])
    }

    func testCloseDuringAnOutageStopsReconnecting() async throws {
        let server = try RedisTestServer()
        let recorder = StateRecorder()
        let driver = self.makeDriver(try server.url(), recorder: recorder)
        try await waitUntil("connected") { driver.state == .connected }
        server.kill()
        try await waitUntil("reconnecting") { driver.state == .reconnecting }
        driver.publish(ByteBuffer(string: "lost"), to: "c", sharded: false)

        await driver.close(timeout: .seconds(1))
        XCTAssertEqual(driver.state, .closed)
        XCTAssertEqual(driver.statistics.dropped.load(ordering: .relaxed), 1, "the queued publish never reached Redis")

        try server.start()
        // Several backoff periods (at most 100 ms each) pass: a live retry loop would have connected.
        try await Task.sleep(for: .milliseconds(400))
        XCTAssertEqual(try server.connectedClients(), 1, "only the INFO connection itself")
        XCTAssertEqual(driver.state, .closed)
        XCTAssertEqual(recorder.states, [.connected, .reconnecting, .closed])

        driver.publish(ByteBuffer(string: "late"), to: "c", sharded: false)
        try await waitUntil("publish after close dropped") { driver.statistics.dropped.load(ordering: .relaxed) == 2 }
        do {
            try await driver.subscribe("c", kind: .channel, timeout: .seconds(1)) { _ in }
            XCTFail("a closed driver takes no subscriptions")
        } catch {
            XCTAssertEqual(error as? RedisDriverError, .closed)
        }
        await driver.close(timeout: .seconds(1))
    }

    func testCloseFlushesPendingPublishes() async throws {
        let server = try RedisTestServer()
        let receiver = self.makeDriver(try server.url())
        let publisher = HiredisPubSubDriver(
            url: try server.url(),
            eventLoopGroup: self.group,
            configuration: .init(maxQueuedPublishes: 5_000),
            logger: testLogger("redis.test")
        )
        self.drivers.append(publisher)
        publisher.start()
        try await waitUntil("both connected") { receiver.state == .connected && publisher.state == .connected }
        let inbox = MessageInbox()
        try await receiver.subscribe("c", kind: .channel, timeout: .seconds(2), handler: inbox.handler)

        for index in 0..<2_000 {
            publisher.publish(ByteBuffer(string: "\(index)"), to: "c", sharded: false)
        }
        await publisher.close(timeout: .seconds(5))
        XCTAssertEqual(publisher.state, .closed)
        XCTAssertEqual(publisher.statistics.published.load(ordering: .relaxed), 2_000)
        XCTAssertEqual(publisher.statistics.dropped.load(ordering: .relaxed), 0)
        try await waitUntil("all delivered") { inbox.messages.count == 2_000 }
        XCTAssertEqual(inbox.messages.last.map { String(buffer: $0.payload) }, "1999")
    }

    func testCloseBeforeStartAndTwice() async throws {
        let driver = HiredisPubSubDriver(url: RedisURL(host: "127.0.0.1", port: 1), eventLoopGroup: self.group, logger: testLogger("redis.test"))
        driver.publish(ByteBuffer(string: "x"), to: "c", sharded: false)
        await driver.close(timeout: .milliseconds(100))
        await driver.close(timeout: .milliseconds(100))
        XCTAssertEqual(driver.state, .closed)
        XCTAssertEqual(driver.statistics.dropped.load(ordering: .relaxed), 1)
        driver.start()
        try await Task.sleep(for: .milliseconds(50))
        XCTAssertEqual(driver.state, .closed, "start after close does nothing")
    }
}
