import NIOCore
import Testing

@testable import SocketIORedis

/// The pure parts of outage handling: when a reconnect may send its queue, and what the queue holds.
struct RedisPeerWatchTests {
    private let request = RedisPeerWatch.Channel(name: "socket.io-request#/#", sharded: false)
    private let shard = RedisPeerWatch.Channel(name: "socket.io#/#", sharded: true)

    @Test func aLoneNodeWaitsForNobody() {
        var watch = RedisPeerWatch()
        watch.watch(self.request)
        #expect(!watch.expectsPeers, "never counted yet")
        watch.record([self.request: 1])
        #expect(!watch.expectsPeers, "only this node")
        watch.record([self.request: 3])
        #expect(watch.expectsPeers)
    }

    @Test func peersAreBackOnlyWhenEveryWatchedChannelHasItsCountAgain() {
        var watch = RedisPeerWatch()
        watch.watch(self.request)
        watch.watch(self.shard)
        watch.record([self.request: 3, self.shard: 2])
        #expect(!watch.peersBack([self.request: 1, self.shard: 2]))
        #expect(!watch.peersBack([self.request: 3]), "a count that failed is not back")
        #expect(watch.peersBack([self.request: 3, self.shard: 2]))
        #expect(watch.peersBack([self.request: 4, self.shard: 2]), "a node that joined meanwhile is fine")
    }

    @Test func watchesAreCountedAndRecordsForUnwatchedChannelsIgnored() {
        var watch = RedisPeerWatch()
        watch.watch(self.request)
        watch.watch(self.request)
        watch.unwatch(self.request)
        #expect(watch.channels == [self.request], "one watch remains")
        watch.unwatch(self.request)
        #expect(watch.channels.isEmpty)
        watch.record([self.request: 5])
        #expect(!watch.expectsPeers)
        watch.watch(self.shard)
        watch.record([self.shard: -4])
        #expect(watch.lastCounts[self.shard] == 0, "a negative count is read as 0")
        #expect(watch.watchedKeys == [RedisSubscriptionKey(kind: .sharded, name: "socket.io#/#")])
    }

    @Test func theQueueRefusesWhatPassesEitherBound() {
        var queue = RedisPublishQueue(capacity: 3, maxBytes: 25)
        let publish = { (text: String) in RedisQueuedPublish(payload: ByteBuffer(string: text), channel: "c", sharded: false) }
        var accepted: [Bool] = []
        for text in ["123456789", "123456789", "123456789", "1234", ""] {
            accepted.append(queue.append(publish(text)))
        }
        // 10 and 20 bytes (with the channel); 30 would pass the byte bound; 25 is exactly the bound; then
        // the count bound.
        #expect(accepted == [true, true, false, true, false])
        #expect(queue.bytes == 25 && queue.count == 3)
        #expect(queue.removeAll().count == 3)
        #expect(queue.bytes == 0)
        var empty = RedisPublishQueue(capacity: 5, maxBytes: -1)
        let held = empty.append(publish("x"))
        #expect(!held, "a negative bound holds nothing")
    }

    @Test func subscriberCountRepliesAreReadOnlyInTheirExactShape() {
        let name = { (text: String) in RESPValue.bulkString(ByteBuffer(string: text)) }
        #expect(HiredisDriverCore.subscriberCounts(.array([name("a"), .integer(2), name("b"), .integer(0)])) == ["a": 2, "b": 0])
        #expect(HiredisDriverCore.subscriberCounts(.array([])) == [:])
        #expect(HiredisDriverCore.subscriberCounts(.array([name("a")])) == nil, "odd length")
        #expect(HiredisDriverCore.subscriberCounts(.array([name("a"), .integer(-1)])) == nil, "negative count")
        #expect(HiredisDriverCore.subscriberCounts(.array([.integer(1), .integer(1)])) == nil, "a number for a name")
        #expect(HiredisDriverCore.subscriberCounts(.array([name("a"), name("1")])) == nil, "a string for a count")
        #expect(HiredisDriverCore.subscriberCounts(.error("ERR")) == nil)
        #expect(HiredisDriverCore.subscriberCounts(.array(nil)) == nil)
    }
}
