import NIOCore
import Testing

@testable import SocketIORedis

/// The in-memory broker the cluster tests run on behaves like Redis where the adapters rely on it:
/// publishers hear their own messages, patterns are globs, sharded and classic channels are apart,
/// NUMSUB counts channel subscribers only, messages keep their order, a closed driver is silent.
@Suite
struct AdapterBrokerTests {
    @Test(arguments: [
        ("socket.io#/#*", "socket.io#/#", true),
        ("socket.io#/#*", "socket.io#/#room#", true),
        ("socket.io#/#*", "socket.io-request#/#", false),
        ("socket.io#/#*", "socket.io#/admin#", false),
        ("h?llo", "hallo", true),
        ("h?llo", "hllo", false),
        ("h[ae]llo", "hello", true),
        ("h[ae]llo", "hillo", false),
        ("h[^e]llo", "hallo", true),
        ("h[^e]llo", "hello", false),
        ("h[a-c]llo", "hbllo", true),
        ("h[a-c]llo", "hdllo", false),
        ("h\\*llo", "h*llo", true),
        ("h\\*llo", "hello", false),
        ("*", "", true),
        ("a*b*c", "axxbyyc", true),
        ("a*b*c", "axxbyy", false),
    ])
    func globPatternsMatchLikeRedis(pattern: String, channel: String, matches: Bool) {
        #expect(GlobPattern.matches(pattern, channel) == matches)
    }

    @Test
    func deliversToEveryMatchingSubscriptionInOrderIncludingThePublisher() async throws {
        let broker = InMemoryPubSubBroker()
        let publisher = broker.makeDriver()
        let other = broker.makeDriver()
        let own = MessageTap()
        let exact = MessageTap()
        let pattern = MessageTap()
        let sharded = MessageTap()
        try await publisher.subscribe("chan", kind: .channel, timeout: .seconds(1)) { own.record($0) }
        try await other.subscribe("chan", kind: .channel, timeout: .seconds(1)) { exact.record($0) }
        try await other.subscribe("ch*", kind: .pattern, timeout: .seconds(1)) { pattern.record($0) }
        try await other.subscribe("chan", kind: .sharded, timeout: .seconds(1)) { sharded.record($0) }

        for index in 0..<50 { publisher.publish(ByteBuffer(string: "\(index)"), to: "chan", sharded: false) }
        publisher.publish(ByteBuffer(string: "s"), to: "chan", sharded: true)

        let expected = (0..<50).map { "\($0)" }
        #expect(try await own.wait(for: 50).map { String(buffer: $0.payload) } == expected)
        #expect(try await exact.wait(for: 50).map { String(buffer: $0.payload) } == expected)
        let patternMessages = try await pattern.wait(for: 50)
        #expect(patternMessages.map { String(buffer: $0.payload) } == expected, "a pattern does not see sharded messages")
        #expect(patternMessages.allSatisfy { $0.kind == .pattern && $0.subscription == "ch*" && $0.channel == "chan" })
        #expect(try await sharded.wait(for: 1).map { String(buffer: $0.payload) } == ["s"])
    }

    @Test
    func subscriberCountsAndClosedDrivers() async throws {
        let broker = InMemoryPubSubBroker()
        let first = broker.makeDriver()
        let second = broker.makeDriver()
        try await first.subscribe("req", kind: .channel, timeout: .seconds(1)) { _ in }
        try await first.subscribe("req", kind: .channel, timeout: .seconds(1)) { _ in }  // replaces, no second count
        try await second.subscribe("req", kind: .channel, timeout: .seconds(1)) { _ in }
        try await second.subscribe("re*", kind: .pattern, timeout: .seconds(1)) { _ in }
        try await second.subscribe("req", kind: .sharded, timeout: .seconds(1)) { _ in }
        #expect(try await first.subscriberCount(of: "req", sharded: false, timeout: .seconds(1)) == 2)
        #expect(try await first.subscriberCount(of: "req", sharded: true, timeout: .seconds(1)) == 1)

        await second.close(timeout: .seconds(1))
        #expect(second.state == .closed)
        #expect(try await first.subscriberCount(of: "req", sharded: false, timeout: .seconds(1)) == 1)
        await #expect(throws: RedisDriverError.closed) {
            try await second.subscribe("x", kind: .channel, timeout: .seconds(1)) { _ in }
        }
        let tap = MessageTap()
        try await first.subscribe("quiet", kind: .channel, timeout: .seconds(1)) { tap.record($0) }
        second.publish(ByteBuffer(string: "dropped"), to: "quiet", sharded: false)
        first.publish(ByteBuffer(string: "kept"), to: "quiet", sharded: false)
        #expect(try await tap.wait(for: 1).map { String(buffer: $0.payload) } == ["kept"])
    }
}
