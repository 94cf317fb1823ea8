import NIOConcurrencyHelpers
import NIOCore
import SocketIO
import SocketIOProtocol
import SocketIOTestSupport
import Testing

@testable import SocketIORedis

/// ``RedisEmitter``: what it publishes (captured with raw broker subscriptions, compared with the
/// shapes `@socket.io/redis-emitter` publishes) and what a classic cluster does with it.
@Suite(.serialized)
struct EmitterTests {
    /// A broker with a tap on every classic broadcast channel and on the request channels.
    struct Capture {
        let broker = InMemoryPubSubBroker()
        let broadcasts = MessageTap()
        let requests = MessageTap()
        let emitter: RedisEmitter

        init() async throws {
            let tap = self.broker.makeDriver()
            try await tap.subscribe("socket.io#*", kind: .pattern, timeout: .seconds(1)) { [broadcasts] in broadcasts.record($0) }
            try await tap.subscribe("socket.io-request#*", kind: .pattern, timeout: .seconds(1)) { [requests] in requests.record($0) }
            self.emitter = RedisEmitter(driver: self.broker.makeDriver())
        }
    }

    @Test
    func emitPublishesTheReferenceBytesOnTheNamespaceChannel() async throws {
        let capture = try await Capture()
        capture.emitter.emit("hello", "world")
        let message = try #require(try await capture.broadcasts.wait().first)
        #expect(message.channel == "socket.io#/#")
        let expected = wireBytes(
            .hex("93 a7"), .text("emitter"),
            .hex("83 a4"), .text("type"), .hex("02 a4"), .text("data"), .hex("92 a5"), .text("hello"), .hex("a5"), .text("world"),
            .hex("a3"), .text("nsp"), .hex("a1"), .text("/"),
            .hex("83 a5"), .text("rooms"), .hex("90 a5"), .text("flags"), .hex("80 a6"), .text("except"), .hex("90")
        )
        #expect(message.payload.bytes == expected, "\(hexDump(message.payload.bytes))")
    }

    @Test
    func roomsFlagsAndNamespacesShapeTheMessageAndChannel() async throws {
        let capture = try await Capture()
        capture.emitter.to("room1").volatile.emit("a")
        capture.emitter.to("r1", "r2").except("r3").compress(false).emit("b", 1)
        capture.emitter.of("admin").in("x").emit("c")
        let messages = try await capture.broadcasts.wait(for: 3)
        #expect(messages.map(\.channel) == ["socket.io#/#room1#", "socket.io#/#", "socket.io#/admin#x#"])
        let decoded = messages.compactMap { RedisWireCodec.decode($0.payload) }
        #expect(decoded.count == 3)
        #expect(decoded[0] == ["emitter", ["type": 2, "data": ["a"], "nsp": "/"], ["rooms": ["room1"], "flags": ["volatile": true], "except": []]])
        #expect(decoded[1][2]?["rooms"]?.arrayValue.map { Set($0) } == ["r1", "r2"])
        #expect(decoded[1][2]?["flags"] == ["compress": false])
        #expect(decoded[1][2]?["except"] == ["r3"])
        #expect(decoded[1][1]?["data"] == ["b", 1])
        #expect(decoded[2][1]?["nsp"] == "/admin")
    }

    @Test
    func binaryArgumentsArePublishedAsMessagePackBin() async throws {
        let capture = try await Capture()
        capture.emitter.emit("bin", .binary(ByteBuffer(bytes: [1, 2, 3])))
        let message = try #require(try await capture.broadcasts.wait().first)
        // ... a4 "data" 92 a3 "bin" c4 03 01 02 03 ...
        let needle = wireBytes(.hex("92 a3"), .text("bin"), .hex("c4 03 01 02 03"))
        #expect(message.payload.bytes.firstRange(of: needle) != nil, "\(hexDump(message.payload.bytes))")
    }

    @Test
    func requestsHaveTheReferenceJSON() async throws {
        let capture = try await Capture()
        capture.emitter.socketsJoin("a", "b")
        capture.emitter.to("r").except("e").socketsLeave("a")
        capture.emitter.in("r").disconnectSockets(close: true)
        capture.emitter.of("/admin").disconnectSockets()
        let messages = try await capture.requests.wait(for: 4)
        #expect(messages.map(\.channel) == ["socket.io-request#/#", "socket.io-request#/#", "socket.io-request#/#", "socket.io-request#/admin#"])
        #expect(messages.map { String(buffer: $0.payload) } == [
            #"{"type":2,"opts":{"rooms":[],"except":[]},"rooms":["a","b"]}"#,
            #"{"type":3,"opts":{"rooms":["r"],"except":["e"]},"rooms":["a"]}"#,
            #"{"type":4,"opts":{"rooms":["r"],"except":[]},"close":true}"#,
            #"{"type":4,"opts":{"rooms":[],"except":[]},"close":false}"#,
        ])
    }

    /// The reference emitter (`@socket.io/redis-emitter` 5.x `serverSideEmit`) publishes
    /// `JSON.stringify({uid: "emitter", type: 6, data: args})`.
    @Test
    func serverSideEmitHasTheReferenceJSON() async throws {
        let capture = try await Capture()
        capture.emitter.serverSideEmit("ping", 1, "two")
        let message = try #require(try await capture.requests.wait().first)
        #expect(message.channel == "socket.io-request#/#")
        #expect(String(buffer: message.payload) == #"{"uid":"emitter","type":6,"data":["ping",1,"two"]}"#)
    }

    // MARK: Into a cluster

    @Test
    func emitterBroadcastsReachClientsOnEveryNode() async throws {
        try await withCluster(.classic) { cluster in
            let grid = try await cluster.connectGrid(perNode: 2)
            try await cluster.join(grid[0][1], "vip")
            try await cluster.join(grid[2][0], "vip")
            try await cluster.join(grid[1][0], "muted")
            let emitter = RedisEmitter(driver: cluster.rawDriver())

            emitter.emit("to-all", "x", .binary(ByteBuffer(bytes: [9])))
            emitter.to("vip").emit("to-vip")
            emitter.except("muted").emit("not-muted")
            try await cluster.barrier()
            cluster.expectDelivered("to-all", exactlyTo: grid.flatMap { $0 }, arguments: ["x", .binary(ByteBuffer(bytes: [9]))])
            cluster.expectDelivered("to-vip", exactlyTo: [grid[0][1], grid[2][0]])
            cluster.expectDelivered("not-muted", exactlyTo: grid.flatMap { $0 }.filter { $0 !== grid[1][0] })
        }
    }

    @Test
    func emitterRoomOperationsAndServerSideEmitReachEveryNode() async throws {
        let received = ServerSideInbox()
        try await withCluster(.classic, configure: received.configure) { cluster in
            let clients = try await cluster.connectGrid(perNode: 1).map { $0[0] }
            let emitter = RedisEmitter(driver: cluster.rawDriver())

            emitter.socketsJoin("joined")
            try await AdapterRoomOperationTests.waitForMembers(of: "joined", clients, in: cluster)
            emitter.in(clients[0].socketID).socketsLeave("joined")
            try await AdapterRoomOperationTests.waitForMembers(of: "joined", [clients[1], clients[2]], in: cluster)

            emitter.serverSideEmit("hello", 1)
            try await TestWait.until("every node handles the emitter's server-side event") { received.count == 3 }
            #expect(received.packets.allSatisfy { $0 == ["hello", 1] })

            emitter.in("joined").disconnectSockets()
            try await clients[1].waitForDisconnect()
            try await clients[2].waitForDisconnect()
            #expect(!clients[0].isDisconnected)
        }
    }
}

/// Server-side events received by any node.
final class ServerSideInbox: Sendable {
    private let box = NIOLockedValueBox<[[SocketIOValue]]>([])

    var configure: @Sendable (SocketIOServer, Int) -> Void {
        { io, _ in io.sockets.onServerSideEmit { packet, _ in self.box.withLockedValue { $0.append(packet) } } }
    }

    var packets: [[SocketIOValue]] { self.box.withLockedValue { $0 } }
    var count: Int { self.packets.count }
}
