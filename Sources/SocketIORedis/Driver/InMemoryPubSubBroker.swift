import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A broker in this process for running N nodes in one test: each node gets its own
/// ``InMemoryPubSubDriver``; publishes reach every matching subscription (the publisher's own
/// included, as with Redis), in publish order, on one event loop.
public final class InMemoryPubSubBroker: Sendable {
    private struct Subscription {
        let driverID: ObjectIdentifier
        let kind: RedisSubscriptionKind
        let name: String
        let handler: RedisMessageHandler
    }

    private let subscriptions = NIOLockedValueBox<[Subscription]>([])
    private let deliveryLoop: any EventLoop

    /// A broker delivering on one loop of `group`.
    public init(group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.deliveryLoop = group.next()
    }

    /// A new driver (one per node).
    public func makeDriver() -> InMemoryPubSubDriver {
        InMemoryPubSubDriver(broker: self)
    }

    func publish(_ payload: ByteBuffer, to channel: String, sharded: Bool) {
        let matching = self.subscriptions.withLockedValue { subscriptions in
            subscriptions.filter { subscription in
                switch subscription.kind {
                case .channel: return !sharded && subscription.name == channel
                case .pattern: return !sharded && GlobPattern.matches(subscription.name, channel)
                case .sharded: return sharded && subscription.name == channel
                }
            }
        }
        guard !matching.isEmpty else { return }
        self.deliveryLoop.execute {
            for subscription in matching {
                subscription.handler(
                    RedisPubSubMessage(kind: subscription.kind, subscription: subscription.name, channel: channel, payload: payload)
                )
            }
        }
    }

    func subscribe(driver: ObjectIdentifier, name: String, kind: RedisSubscriptionKind, handler: @escaping RedisMessageHandler) {
        self.subscriptions.withLockedValue { subscriptions in
            subscriptions.removeAll { $0.driverID == driver && $0.kind == kind && $0.name == name }
            subscriptions.append(Subscription(driverID: driver, kind: kind, name: name, handler: handler))
        }
    }

    func unsubscribe(driver: ObjectIdentifier, name: String?, kind: RedisSubscriptionKind?) {
        self.subscriptions.withLockedValue { subscriptions in
            subscriptions.removeAll { $0.driverID == driver && (name == nil || $0.name == name) && (kind == nil || $0.kind == kind) }
        }
    }

    func subscriberCount(of channel: String, sharded: Bool) -> Int {
        let kind: RedisSubscriptionKind = sharded ? .sharded : .channel
        return self.subscriptions.withLockedValue { subscriptions in
            subscriptions.filter { $0.kind == kind && $0.name == channel }.count
        }
    }
}

/// One node's view of an ``InMemoryPubSubBroker``.
public final class InMemoryPubSubDriver: RedisPubSubDriver {
    private let broker: InMemoryPubSubBroker
    private let closed = NIOLockedValueBox(false)
    /// Counters for metrics.
    public let statistics = RedisDriverStatistics()

    init(broker: InMemoryPubSubBroker) {
        self.broker = broker
    }

    public func publish(_ payload: ByteBuffer, to channel: String, sharded: Bool) {
        guard !self.closed.withLockedValue({ $0 }) else { return }
        self.statistics.published.wrappingIncrement(ordering: .relaxed)
        self.broker.publish(payload, to: channel, sharded: sharded)
    }

    public func subscribe(_ name: String, kind: RedisSubscriptionKind, timeout: TimeAmount, handler: @escaping RedisMessageHandler) async throws {
        guard !self.closed.withLockedValue({ $0 }) else { throw RedisDriverError.closed }
        let statistics = self.statistics
        self.broker.subscribe(driver: ObjectIdentifier(self), name: name, kind: kind) { message in
            statistics.received.wrappingIncrement(ordering: .relaxed)
            handler(message)
        }
    }

    public func unsubscribe(_ name: String, kind: RedisSubscriptionKind) {
        self.broker.unsubscribe(driver: ObjectIdentifier(self), name: name, kind: kind)
    }

    public func subscriberCount(of channel: String, sharded: Bool, timeout: TimeAmount) async throws -> Int {
        guard !self.closed.withLockedValue({ $0 }) else { throw RedisDriverError.closed }
        return self.broker.subscriberCount(of: channel, sharded: sharded)
    }

    public var state: RedisConnectionState { self.closed.withLockedValue { $0 } ? .closed : .connected }

    public func close(timeout: TimeAmount) async {
        self.closed.withLockedValue { $0 = true }
        self.broker.unsubscribe(driver: ObjectIdentifier(self), name: nil, kind: nil)
    }
}

/// Redis-style glob matching (`*`, `?`, `[…]`, `\` escapes) for pattern subscriptions.
enum GlobPattern {
    static func matches(_ pattern: String, _ text: String) -> Bool {
        self.matches(Array(pattern.utf8)[...], Array(text.utf8)[...])
    }

    private static func matches(_ pattern: ArraySlice<UInt8>, _ text: ArraySlice<UInt8>) -> Bool {
        var pattern = pattern
        var text = text
        while let p = pattern.first {
            switch p {
            case UInt8(ascii: "*"):
                let rest = pattern.dropFirst()
                if rest.isEmpty { return true }
                var candidate = text
                while true {
                    if self.matches(rest, candidate) { return true }
                    guard !candidate.isEmpty else { return false }
                    candidate = candidate.dropFirst()
                }
            case UInt8(ascii: "?"):
                guard !text.isEmpty else { return false }
                pattern = pattern.dropFirst()
                text = text.dropFirst()
            case UInt8(ascii: "["):
                guard let c = text.first, let close = pattern.dropFirst().firstIndex(of: UInt8(ascii: "]")) else { return false }
                var set = pattern[pattern.index(after: pattern.startIndex)..<close]
                let negate = set.first == UInt8(ascii: "^")
                if negate { set = set.dropFirst() }
                var found = false
                var index = set.startIndex
                while index < set.endIndex {
                    if index + 2 < set.endIndex, set[index + 1] == UInt8(ascii: "-") {
                        if set[index] <= c && c <= set[index + 2] { found = true }
                        index += 3
                    } else {
                        if set[index] == c { found = true }
                        index += 1
                    }
                }
                guard found != negate else { return false }
                pattern = pattern[pattern.index(after: close)...]
                text = text.dropFirst()
            case UInt8(ascii: "\\") where pattern.count > 1:
                let literal = pattern[pattern.index(after: pattern.startIndex)]
                guard text.first == literal else { return false }
                pattern = pattern.dropFirst(2)
                text = text.dropFirst()
            default:
                guard text.first == p else { return false }
                pattern = pattern.dropFirst()
                text = text.dropFirst()
            }
        }
        return text.isEmpty
    }
}
