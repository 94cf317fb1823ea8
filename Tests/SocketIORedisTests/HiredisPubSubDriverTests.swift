import NIOCore
import NIOPosix
import XCTest

@testable import SocketIORedis

/// `HiredisPubSubDriver` end to end against a real redis-server.
final class HiredisPubSubDriverTests: XCTestCase {
    private var group: MultiThreadedEventLoopGroup!
    private var drivers: [HiredisPubSubDriver] = []

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

    /// A started driver, closed in tearDown.
    private func makeDriver(
        _ url: RedisURL,
        configuration: HiredisDriverConfiguration = .init(),
        recorder: StateRecorder? = nil
    ) -> HiredisPubSubDriver {
        let driver = HiredisPubSubDriver(url: url, eventLoopGroup: self.group, configuration: configuration, logger: testLogger("redis.test"))
        if let recorder { driver.onStateChange = recorder.observer }
        self.drivers.append(driver)
        driver.start()
        return driver
    }

    private func connected(_ url: RedisURL) async throws -> HiredisPubSubDriver {
        let driver = self.makeDriver(url)
        try await waitUntil("driver connected") { driver.state == .connected }
        return driver
    }

    private static let binaryPayload = ByteBuffer(bytes: Array(0...255) + [13, 10, 0, 36, 45, 42])

    func testChannelPublishSubscribeWithBinaryPayload() async throws {
        let server = try RedisTestServer()
        let subscriber = try await self.connected(try server.url())
        let publisher = try await self.connected(try server.url())
        let inbox = MessageInbox()
        try await subscriber.subscribe("socket.io#/#", kind: .channel, timeout: .seconds(2), handler: inbox.handler)

        publisher.publish(Self.binaryPayload, to: "socket.io#/#", sharded: false)
        publisher.publish(ByteBuffer(string: "other"), to: "socket.io#/other#", sharded: false)
        publisher.publish(ByteBuffer(), to: "socket.io#/#", sharded: false)
        try await waitUntil("two messages") { inbox.messages.count == 2 }

        let first = inbox.messages[0]
        XCTAssertEqual(first.kind, .channel)
        XCTAssertEqual(first.subscription, "socket.io#/#")
        XCTAssertEqual(first.channel, "socket.io#/#")
        XCTAssertEqual(first.payload, Self.binaryPayload)
        XCTAssertEqual(inbox.messages[1].payload.readableBytes, 0, "an empty payload arrives empty")
        XCTAssertEqual(publisher.statistics.published.load(ordering: .relaxed), 3)
        XCTAssertEqual(subscriber.statistics.received.load(ordering: .relaxed), 2)
        XCTAssertEqual(publisher.statistics.dropped.load(ordering: .relaxed), 0)
    }

    func testConcurrentPublishersOnManyThreads() async throws {
        let server = try RedisTestServer()
        let subscriber = try await self.connected(try server.url())
        let publisher = try await self.connected(try server.url())
        let inbox = MessageInbox()
        try await subscriber.subscribe("c", kind: .channel, timeout: .seconds(2), handler: inbox.handler)

        await withTaskGroup(of: Void.self) { group in
            for task in 0..<4 {
                group.addTask {
                    for index in 0..<250 {
                        publisher.publish(ByteBuffer(string: "\(task)-\(index)"), to: "c", sharded: false)
                    }
                }
            }
        }
        try await waitUntil("1000 messages") { inbox.messages.count == 1_000 }
        let payloads = inbox.messages.map { String(buffer: $0.payload) }
        XCTAssertEqual(Set(payloads).count, 1_000)
        for task in 0..<4 {
            let own = payloads.filter { $0.hasPrefix("\(task)-") }
            XCTAssertEqual(own, (0..<250).map { "\(task)-\($0)" }, "one caller's publishes keep their order")
        }
    }

    func testBurstBeyondTheBoundIsDroppedAndCountedNeverBuffered() async throws {
        let server = try RedisTestServer()
        let receiver = try await self.connected(try server.url())
        let publisher = self.makeDriver(try server.url(), configuration: .init(maxQueuedPublishes: 10))
        try await waitUntil("connected") { publisher.state == .connected }
        let inbox = MessageInbox()
        try await receiver.subscribe("c", kind: .channel, timeout: .seconds(2), handler: inbox.handler)

        for index in 0..<5_000 {
            publisher.publish(ByteBuffer(string: "\(index)"), to: "c", sharded: false)
        }
        let published = { publisher.statistics.published.load(ordering: .relaxed) }
        let dropped = { publisher.statistics.dropped.load(ordering: .relaxed) }
        try await waitUntil("every publish accounted for") { published() + dropped() == 5_000 }
        XCTAssertGreaterThan(dropped(), 0, "10 in flight cannot absorb a burst of 5000")
        try await waitUntil("every published message delivered") { inbox.messages.count == published() }
    }

    func testPatternSubscription() async throws {
        let server = try RedisTestServer()
        let driver = try await self.connected(try server.url())
        let inbox = MessageInbox()
        try await driver.subscribe("room.*", kind: .pattern, timeout: .seconds(2), handler: inbox.handler)

        driver.publish(Self.binaryPayload, to: "room.42", sharded: false)
        driver.publish(ByteBuffer(string: "no"), to: "hall.1", sharded: false)
        driver.publish(ByteBuffer(string: "yes"), to: "room.x", sharded: false)
        try await waitUntil("two pattern messages") { inbox.messages.count == 2 }

        XCTAssertEqual(inbox.messages.map(\.kind), [.pattern, .pattern])
        XCTAssertEqual(inbox.messages.map(\.subscription), ["room.*", "room.*"])
        XCTAssertEqual(inbox.messages.map(\.channel), ["room.42", "room.x"])
        XCTAssertEqual(inbox.messages[0].payload, Self.binaryPayload)
    }

    func testShardedPublishSubscribe() async throws {
        try RedisTestServer.requireShardedPubSub()
        let server = try RedisTestServer()
        let subscriber = try await self.connected(try server.url())
        let publisher = try await self.connected(try server.url())
        let inbox = MessageInbox()
        try await subscriber.subscribe("socket.io#/#room1#", kind: .sharded, timeout: .seconds(2), handler: inbox.handler)

        publisher.publish(Self.binaryPayload, to: "socket.io#/#room1#", sharded: true)
        publisher.publish(ByteBuffer(string: "classic"), to: "socket.io#/#room1#", sharded: false)
        try await waitUntil("one sharded message") { inbox.messages.count == 1 }

        let message = inbox.messages[0]
        XCTAssertEqual(message.kind, .sharded)
        XCTAssertEqual(message.subscription, "socket.io#/#room1#")
        XCTAssertEqual(message.channel, "socket.io#/#room1#")
        XCTAssertEqual(message.payload, Self.binaryPayload)
        // A PUBLISH does not reach an SSUBSCRIBE: a later marker arrives, the PUBLISH before it never does.
        publisher.publish(ByteBuffer(string: "marker"), to: "socket.io#/#room1#", sharded: true)
        try await waitUntil("marker") { inbox.messages.count == 2 }
        XCTAssertEqual(inbox.messages.map { String(buffer: $0.payload) }.last, "marker")
    }

    func testSubscriberCountForNormalAndShardChannels() async throws {
        try RedisTestServer.requireShardedPubSub()
        let server = try RedisTestServer()
        let first = try await self.connected(try server.url())
        let second = try await self.connected(try server.url())
        let counter = try await self.connected(try server.url())

        var count = try await counter.subscriberCount(of: "c", sharded: false, timeout: .seconds(2))
        XCTAssertEqual(count, 0)
        try await first.subscribe("c", kind: .channel, timeout: .seconds(2)) { _ in }
        try await second.subscribe("c", kind: .channel, timeout: .seconds(2)) { _ in }
        try await second.subscribe("c*", kind: .pattern, timeout: .seconds(2)) { _ in }
        count = try await counter.subscriberCount(of: "c", sharded: false, timeout: .seconds(2))
        XCTAssertEqual(count, 2, "patterns do not count")

        try await first.subscribe("s", kind: .sharded, timeout: .seconds(2)) { _ in }
        count = try await counter.subscriberCount(of: "s", sharded: true, timeout: .seconds(2))
        XCTAssertEqual(count, 1)
        count = try await counter.subscriberCount(of: "s", sharded: false, timeout: .seconds(2))
        XCTAssertEqual(count, 0)

        second.unsubscribe("c", kind: .channel)
        first.unsubscribe("s", kind: .sharded)
        try await waitUntil("unsubscribes counted") {
            // Poll through the side door; the drivers' own counts are async.
            let numsub = try server.command("PUBSUB", "NUMSUB", "c")
            let shardNumsub = try server.command("PUBSUB", "SHARDNUMSUB", "s")
            return numsub.elements?.last == .integer(1) && shardNumsub.elements?.last == .integer(0)
        }
        count = try await counter.subscriberCount(of: "c", sharded: false, timeout: .seconds(2))
        XCTAssertEqual(count, 1)
    }

    func testUnsubscribeStopsDeliveryAndResubscribeWorks() async throws {
        let server = try RedisTestServer()
        let driver = try await self.connected(try server.url())
        let inbox = MessageInbox()
        try await driver.subscribe("c", kind: .channel, timeout: .seconds(2), handler: inbox.handler)
        driver.publish(ByteBuffer(string: "1"), to: "c", sharded: false)
        try await waitUntil("first") { inbox.messages.count == 1 }

        driver.unsubscribe("c", kind: .channel)
        driver.publish(ByteBuffer(string: "2"), to: "c", sharded: false)
        let replacement = MessageInbox()
        try await driver.subscribe("c", kind: .channel, timeout: .seconds(2), handler: replacement.handler)
        driver.publish(ByteBuffer(string: "3"), to: "c", sharded: false)
        try await waitUntil("third") { replacement.messages.contains { String(buffer: $0.payload) == "3" } }
        XCTAssertEqual(inbox.messages.map { String(buffer: $0.payload) }, ["1"], "nothing after unsubscribe")
        // "2" races the new SUBSCRIBE across the two connections: it may or may not count for it.
        XCTAssertTrue(
            [["3"], ["2", "3"]].contains(replacement.messages.map { String(buffer: $0.payload) }),
            "\(replacement.messages.map { String(buffer: $0.payload) })"
        )
    }

    func testSubscribeBeforeStartIsIssuedOnConnect() async throws {
        let server = try RedisTestServer()
        let driver = HiredisPubSubDriver(url: try server.url(), eventLoopGroup: self.group, logger: testLogger("redis.test"))
        self.drivers.append(driver)
        let inbox = MessageInbox()
        async let subscribed: Void = driver.subscribe("early", kind: .channel, timeout: .seconds(5), handler: inbox.handler)
        try await Task.sleep(for: .milliseconds(20))
        driver.start()
        try await subscribed
        try await waitUntil("connected") { driver.state == .connected }
        driver.publish(ByteBuffer(string: "hi"), to: "early", sharded: false)
        try await waitUntil("message") { inbox.messages.count == 1 }
    }

    func testAuthWithPasswordAndWithDefaultUser() async throws {
        let server = try RedisTestServer(password: "p@ss word")
        let passwordOnly = try await self.connected(try server.url(userInfo: ":p%40ss%20word"))
        let withUser = try await self.connected(try server.url(userInfo: "default:p%40ss%20word"))
        let inbox = MessageInbox()
        try await passwordOnly.subscribe("a", kind: .channel, timeout: .seconds(2), handler: inbox.handler)
        withUser.publish(ByteBuffer(string: "authenticated"), to: "a", sharded: false)
        try await waitUntil("message") { inbox.messages.count == 1 }
    }

    func testWrongOrMissingPasswordNeverConnects() async throws {
        let server = try RedisTestServer(password: "right")
        let fast = HiredisDriverConfiguration(reconnectBackoff: .init(initial: .milliseconds(10), maximum: .milliseconds(50)))
        let wrong = self.makeDriver(try server.url(userInfo: ":wrong"), configuration: fast)
        let missing = self.makeDriver(try server.url(), configuration: fast)
        // Several attempts come and go; none gets through.
        try await Task.sleep(for: .milliseconds(300))
        XCTAssertEqual(wrong.state, .connecting)
        XCTAssertEqual(missing.state, .connecting)
        do {
            _ = try await wrong.subscriberCount(of: "c", sharded: false, timeout: .seconds(1))
            XCTFail("should fail while not connected")
        } catch {
            XCTAssertEqual(error as? RedisDriverError, .notConnected)
        }
        await wrong.close(timeout: .seconds(1))
        XCTAssertEqual(wrong.state, .closed)
    }

    func testSelectDatabaseOnBothConnections() async throws {
        let server = try RedisTestServer()
        _ = try await self.connected(try server.url(database: 5))
        guard case .bulkString(.some(let list)) = try server.command("CLIENT", "LIST") else {
            return XCTFail("CLIENT LIST")
        }
        let lines = String(buffer: list).split(whereSeparator: \.isNewline)
        XCTAssertEqual(lines.filter { $0.contains(" db=5 ") }.count, 2, "\(lines)")
    }

    func testDatabaseOutOfRangeNeverConnects() async throws {
        let server = try RedisTestServer(extraArguments: ["--databases", "4"])
        let driver = self.makeDriver(
            try server.url(database: 9),
            configuration: .init(reconnectBackoff: .init(initial: .milliseconds(10), maximum: .milliseconds(50)))
        )
        try await Task.sleep(for: .milliseconds(200))
        XCTAssertEqual(driver.state, .connecting)
    }

    func testSubscribeTimesOutWhileRedisIsUnreachable() async throws {
        let port = try RedisTestServer.freePort()
        let driver = self.makeDriver(RedisURL(host: "127.0.0.1", port: port))
        let started = ContinuousClock.now
        do {
            try await driver.subscribe("c", kind: .channel, timeout: .milliseconds(200)) { _ in }
            XCTFail("nobody to confirm it")
        } catch {
            XCTAssertEqual(error as? RedisDriverError, .timeout)
        }
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(2))
        XCTAssertEqual(driver.state, .connecting)
    }

    func testRequestTimesOutWhenRedisHangs() async throws {
        let server = try RedisTestServer()
        let driver = try await self.connected(try server.url())
        let idleCount = try await driver.subscriberCount(of: "nobody", sharded: false, timeout: .seconds(1))
        XCTAssertEqual(idleCount, 0)
        server.pause()
        defer { server.resume() }
        let started = ContinuousClock.now
        do {
            _ = try await driver.subscriberCount(of: "c", sharded: false, timeout: .milliseconds(150))
            XCTFail("a hung server cannot answer")
        } catch {
            XCTAssertEqual(error as? RedisDriverError, .timeout)
        }
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(1))
    }
}
