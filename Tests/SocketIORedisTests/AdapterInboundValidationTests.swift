import MessagePack
import NIOCore
import SocketIO
import SocketIOProtocol
import Testing

@testable import SocketIORedis

/// Malformed messages on the adapters' channels: each is dropped and counted, no node stops, nothing is
/// delivered, no socket leaves, joins or disconnects, and the cluster keeps delivering afterwards.
@Suite(.serialized)
struct AdapterInboundValidationTests {
    /// A message and where it goes, described for the failure output.
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let payload: ByteBuffer
        let channel: String
        let sharded: Bool
        var testDescription: String { self.name }
    }

    static func msgpack(_ value: MessagePackValue) -> ByteBuffer { messagePackBuffer(value) }

    static let options: MessagePackValue = ["rooms": [], "except": [], "flags": [:]]

    /// Classic: `[uid, packet, opts]` on `socket.io#/#`, requests on `socket.io-request#/#`.
    static let classicCases: [Case] = {
        let broadcast = "socket.io#/#"
        let request = "socket.io-request#/#"
        let response = "socket.io-response#/#"
        func onBroadcast(_ name: String, _ value: MessagePackValue) -> Case {
            Case(name: name, payload: msgpack(value), channel: broadcast, sharded: false)
        }
        func onRequest(_ name: String, _ json: String) -> Case {
            Case(name: name, payload: ByteBuffer(string: json), channel: request, sharded: false)
        }
        return [
            onBroadcast("negative ack id", ["emitter", ["type": 2, "data": ["x"], "nsp": "/", "id": -1], options]),
            onBroadcast("ack id beyond 2^53", ["emitter", ["type": 2, "data": ["x"], "nsp": "/", "id": .uint(UInt64.max)], options]),
            onBroadcast("fractional ack id", ["emitter", ["type": 2, "data": ["x"], "nsp": "/", "id": 1.5], options]),
            onBroadcast("CONNECT packet", ["emitter", ["type": 0, "data": [:], "nsp": "/"], options]),
            onBroadcast("unknown packet type", ["emitter", ["type": 99, "data": ["x"], "nsp": "/"], options]),
            onBroadcast("data not an array", ["emitter", ["type": 2, "data": "x", "nsp": "/"], options]),
            onBroadcast("empty data", ["emitter", ["type": 2, "data": [], "nsp": "/"], options]),
            onBroadcast("event name an object", ["emitter", ["type": 2, "data": [["a": 1]], "nsp": "/"], options]),
            onBroadcast("reserved event name", ["emitter", ["type": 2, "data": ["disconnect"], "nsp": "/"], options]),
            onBroadcast("nsp not a string", ["emitter", ["type": 2, "data": ["x"], "nsp": 5], options]),
            onBroadcast("another namespace", ["emitter", ["type": 2, "data": ["x"], "nsp": "/a,b"], options]),
            onBroadcast("opts missing", ["emitter", ["type": 2, "data": ["x"], "nsp": "/"], .nil]),
            onBroadcast("rooms a string", ["emitter", ["type": 2, "data": ["x"], "nsp": "/"], ["rooms": "r", "except": [], "flags": [:]]]),
            onBroadcast("rooms hold a map", ["emitter", ["type": 2, "data": ["x"], "nsp": "/"], ["rooms": [["a": 1]], "except": []]]),
            onBroadcast("flags a list", ["emitter", ["type": 2, "data": ["x"], "nsp": "/"], ["rooms": [], "flags": [1]]]),
            onBroadcast("timeout NaN", ["emitter", ["type": 2, "data": ["x"], "nsp": "/"], ["rooms": [], "flags": ["timeout": .double(.nan)]]]),
            onBroadcast("two elements", ["emitter", ["type": 2, "data": ["x"], "nsp": "/"]]),
            onBroadcast("uid a number", [7, ["type": 2, "data": ["x"], "nsp": "/"], options]),
            onBroadcast("a map", ["type": 2]),
            Case(name: "garbage", payload: ByteBuffer(bytes: [0xc1, 0xff, 0x00]), channel: broadcast, sharded: false),
            Case(name: "truncated", payload: ByteBuffer(bytes: [0x93, 0xa7]), channel: broadcast, sharded: false),
            Case(name: "deep nesting", payload: ByteBuffer(bytes: [UInt8](repeating: 0x91, count: 100_000)), channel: broadcast, sharded: false),
            Case(name: "array of 2^32-1 without body", payload: ByteBuffer(bytes: [0xdd, 0xff, 0xff, 0xff, 0xff]), channel: broadcast, sharded: false),
            onRequest("disconnect with opts null", #"{"uid":"zz","type":4,"opts":null}"#),
            onRequest("disconnect without opts or sid", #"{"uid":"zz","type":4}"#),
            onRequest("disconnect with rooms holding an object", #"{"uid":"zz","type":4,"opts":{"rooms":[{}],"except":[]}}"#),
            onRequest("join without rooms", #"{"uid":"zz","type":2,"opts":{"rooms":[],"except":[]}}"#),
            onRequest("leave with rooms a string", #"{"uid":"zz","type":3,"opts":{"rooms":[],"except":[]},"rooms":"r"}"#),
            onRequest("unknown request type", #"{"uid":"zz","type":42}"#),
            onRequest("type a string", #"{"uid":"zz","type":"4"}"#),
            onRequest("fetch without requestId", #"{"uid":"zz","type":5,"opts":{"rooms":[]}}"#),
            onRequest("server-side emit without event", #"{"uid":"zz","type":6,"data":[]}"#),
            onRequest("broadcast with a bad packet", #"{"uid":"zz","type":7,"requestId":"r","packet":{"type":2,"data":["x"],"id":-1},"opts":{}}"#),
            onRequest("a JSON array", #"[1,2,3]"#),
            Case(name: "response without requestId", payload: ByteBuffer(string: #"{"type":8,"clientCount":1}"#), channel: response, sharded: false),
        ]
    }()

    /// Sharded: envelopes `{uid, nsp, type, data}` on `socket.io#/#`.
    static let shardedCases: [Case] = {
        func envelope(_ name: String, _ json: String) -> Case {
            Case(name: name, payload: ByteBuffer(string: json), channel: "socket.io#/#", sharded: true)
        }
        return [
            envelope("disconnect without data", #"{"uid":"zz","type":6}"#),
            envelope("disconnect with opts null", #"{"uid":"zz","type":6,"data":{"opts":null}}"#),
            envelope("disconnect with rooms a number", #"{"uid":"zz","type":6,"data":{"opts":{"rooms":5}}}"#),
            envelope("join without rooms", #"{"uid":"zz","type":4,"data":{"opts":{"rooms":[]}}}"#),
            envelope("leave without opts", #"{"uid":"zz","type":5,"data":{"rooms":["r"]}}"#),
            envelope("broadcast with negative ack id", #"{"uid":"zz","nsp":"/","type":3,"data":{"packet":{"type":2,"data":["x"],"nsp":"/","id":-1},"opts":{"rooms":[],"except":[],"flags":{}}}}"#),
            envelope("broadcast without opts", #"{"uid":"zz","type":3,"data":{"packet":{"type":2,"data":["x"]}}}"#),
            envelope("broadcast of an ACK", #"{"uid":"zz","type":3,"data":{"packet":{"type":3,"data":["x"]},"opts":{}}}"#),
            envelope("broadcast with timeout -5", #"{"uid":"zz","type":3,"data":{"packet":{"type":2,"data":["x"]},"opts":{"flags":{"timeout":-5}},"requestId":"r"}}"#),
            envelope("unknown type", #"{"uid":"zz","type":99,"data":{}}"#),
            envelope("uid missing", #"{"type":3,"data":{}}"#),
            envelope("data a string", #"{"uid":"zz","type":3,"data":"x"}"#),
            envelope("another namespace", #"{"uid":"zz","nsp":"/other","type":3,"data":{"packet":{"type":2,"data":["x"]},"opts":{}}}"#),
            envelope("fetch without requestId", #"{"uid":"zz","type":7,"data":{"opts":{}}}"#),
            envelope("server-side emit of a number", #"{"uid":"zz","type":9,"data":{"packet":5}}"#),
            envelope("not an object", #"{"#),
            Case(name: "msgpack garbage", payload: ByteBuffer(bytes: [0x81, 0xc1]), channel: "socket.io#/#", sharded: true),
        ]
    }()

    @Test(arguments: [AdapterMode.classic, .shardedDynamic])
    func malformedMessagesAreDroppedCountedAndChangeNothing(mode: AdapterMode) async throws {
        let cases = mode.isSharded ? Self.shardedCases : Self.classicCases
        try await withCluster(mode, nodes: 2) { cluster in
            let clients = try await cluster.connectGrid(perNode: 1).map { $0[0] }
            for client in clients { try await cluster.join(client, "r") }
            let emitter = cluster.rawDriver()
            let before = cluster.nodes.map { $0.driver.statistics.inboundDroppedTotal }

            for item in cases {
                emitter.publish(item.payload, to: item.channel, sharded: item.sharded)
            }
            try await cluster.barrier()

            for (index, node) in cluster.nodes.enumerated() {
                let dropped = node.driver.statistics.inboundDroppedTotal - before[index]
                #expect(dropped == cases.count, "node \(index) dropped \(dropped) of \(cases.count)")
            }
            for client in clients {
                #expect(!client.isDisconnected, "\(client.label) was disconnected by a malformed message")
            }
            cluster.expectDelivered("x", exactlyTo: [])
            cluster.expectDelivered("disconnect", exactlyTo: [])
            // Membership is what it was: the room still reaches both clients, across nodes.
            cluster.nodes[0].io.to("r").emit("after", "ok")
            try await cluster.barrier()
            cluster.expectDelivered("after", exactlyTo: clients, arguments: ["ok"])
        }
    }

    @Test
    func everyReasonIsCountedUnderItsOwnName() async throws {
        let statistics = RedisDriverStatistics()
        statistics.countInboundDrop(.invalidPacket)
        statistics.countInboundDrop(.invalidPacket)
        statistics.countInboundDrop(.undecodable)
        #expect(statistics.inboundDropped[.invalidPacket]?.load(ordering: .relaxed) == 2)
        #expect(statistics.inboundDropped[.undecodable]?.load(ordering: .relaxed) == 1)
        #expect(statistics.inboundDroppedTotal == 3)
        #expect(Set(statistics.inboundDropped.keys) == Set(RedisInboundDropReason.allCases))
    }
}

/// The field checks on their own.
@Suite
struct RedisInboundFieldsTests {
    @Test
    func optionsNeedAnObjectAndRoomNames() throws {
        #expect(throws: RedisInboundDrop.self) { try RedisInboundFields.options(nil) }
        #expect(throws: RedisInboundDrop.self) { try RedisInboundFields.options(.null) }
        #expect(throws: RedisInboundDrop.self) { try RedisInboundFields.options(["rooms": [.null]]) }
        #expect(throws: RedisInboundDrop.self) { try RedisInboundFields.options(["except": "a"]) }
        #expect(throws: RedisInboundDrop.self) { try RedisInboundFields.options(["flags": ["volatile": 1]]) }
        #expect(throws: RedisInboundDrop.self) { try RedisInboundFields.options(["flags": ["timeout": .double(.infinity)]]) }
        #expect(throws: RedisInboundDrop.self) { try RedisInboundFields.options(["flags": ["timeout": "5"]]) }
        let all = try RedisInboundFields.options([:])
        #expect(all.rooms.isEmpty && all.except.isEmpty && all.flags.local)
        let numbers = try RedisInboundFields.options(["rooms": [1, 2.0, 2.5], "except": ["x"]])
        #expect(numbers.rooms == ["1", "2", "2.5"])
        #expect(numbers.except == ["x"])
    }

    @Test
    func timeoutsAreClampedToNodesTimerLimit() throws {
        let huge = try RedisInboundFields.options(["flags": ["timeout": 1e300]])
        #expect(huge.flags.timeout == RedisInboundFields.maxTimeoutMilliseconds)
        let fine = try RedisInboundFields.options(["flags": ["timeout": 2500, "unknownFlag": "kept out"]])
        #expect(fine.flags.timeout == 2500)
    }

    @Test
    func broadcastPacketsAreEventsOfThisNamespace() throws {
        let packet = try RedisInboundFields.broadcastPacket(["type": 5, "data": ["up", .binary(ByteBuffer(bytes: [1]))], "nsp": "/chat", "id": 7], namespace: "/chat")
        #expect(packet.type == .event)
        #expect(packet.ackID == 7)
        #expect(throws: RedisInboundDrop.self) { try RedisInboundFields.broadcastPacket(["type": 2, "data": ["x"], "nsp": "/"], namespace: "/chat") }
        #expect(throws: RedisInboundDrop.self) { try RedisInboundFields.broadcastPacket(["type": 2, "data": ["x"], "id": -1], namespace: "/") }
        #expect(throws: RedisInboundDrop.self) { try RedisInboundFields.broadcastPacket(["type": 2, "data": ["x"], "id": 1e300], namespace: "/") }
        #expect(throws: RedisInboundDrop.self) { try RedisInboundFields.broadcastPacket(["type": 1e300, "data": ["x"]], namespace: "/") }
        #expect(throws: RedisInboundDrop.self) { try RedisInboundFields.broadcastPacket(["type": -2, "data": ["x"]], namespace: "/") }
    }

    @Test
    func roomNamesFromNumbersNeverTrap() {
        #expect(RedisInboundFields.roomName(.double(.nan)) == nil)
        #expect(RedisInboundFields.roomName(.double(.infinity)) == nil)
        #expect(RedisInboundFields.roomName(.double(1e300)) == "1e+300")
        #expect(RedisInboundFields.roomName(.int(-3)) == "-3")
        #expect(RedisInboundFields.roomName(.bool(true)) == nil)
    }

    @Test
    func remoteSocketsFromTheWireNeverTrapOnTheirIssuedTime() {
        for issued: SocketIOValue in [.double(.nan), .double(.infinity), .double(-.infinity), .double(1e300), "x", .int(Int.max)] {
            let socket = SocketIORemoteSocket(wire: ["id": "a", "handshake": ["issued": issued], "rooms": ["a"]], namespace: nil)
            #expect(socket != nil)
        }
        #expect(SocketIORemoteSocket(wire: ["id": 5], namespace: nil) == nil)
        #expect(SocketIORemoteSocket(wire: ["id": "a", "handshake": "x"], namespace: nil) == nil)
        #expect(SocketIORemoteSocket(wire: ["id": "a", "rooms": [[1]]], namespace: nil) == nil)
    }
}

/// Map keys that are not strings become property names the way JavaScript makes them, in linear time.
@Suite
struct MessagePackPropertyKeyTests {
    @Test
    func scalarAndContainerKeysBecomeJavaScriptPropertyNames() {
        let map: MessagePackValue = .map([
            .init(key: 1, value: "a"), .init(key: true, value: "b"), .init(key: .nil, value: "c"),
            .init(key: 1.5, value: "d"), .init(key: [1, .nil, [2, 3]], value: "e"), .init(key: ["k": 1], value: "f"),
        ])
        let value = SocketIOValue(messagePack: map)
        #expect(value == ["1": "a", "true": "b", "null": "c", "1.5": "d", "1,,2,3": "e", "[object Object]": "f"])
    }

    @Test
    func keysNestedInKeysStayShort() {
        // 60 maps, each the key of the next: serializing each key as JSON doubled the text per level.
        var key: MessagePackValue = "x"
        for _ in 0..<60 { key = .map([.init(key: key, value: 1)]) }
        let value = SocketIOValue(messagePack: .map([.init(key: key, value: "v")]))
        #expect(value == ["[object Object]": "v"])
        #expect(SocketIOValue.propertyKey(.array([1, 2])) == "1,2")
    }
}
