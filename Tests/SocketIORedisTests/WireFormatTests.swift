import MessagePack
import NIOCore
import SocketIO
import SocketIOProtocol
import Testing

@testable import SocketIORedis

/// The bytes the adapters publish and how they read what Node.js peers publish, without sockets:
/// codec calls, and servers that never listen whose adapters publish into a tapped in-memory broker.
@Suite
struct WireFormatTests {
    /// `io.emit("hello", "world")` from uid `uid` on `socket.io#/#`, as the reference encodes it.
    static func helloWorldBroadcast(uid: String) -> [UInt8] {
        wireBytes(
            .hex("93 a6"), .text(uid),
            .hex("83 a4"), .text("type"), .hex("02 a4"), .text("data"), .hex("92 a5"), .text("hello"), .hex("a5"), .text("world"),
            .hex("a3"), .text("nsp"), .hex("a1"), .text("/"),
            .hex("83 a5"), .text("rooms"), .hex("90 a6"), .text("except"), .hex("90 a5"), .text("flags"), .hex("80")
        )
    }

    // MARK: Encoding (classic)

    @Test
    func classicBroadcastEncodesByteForByte() {
        let message: SocketIOValue = [
            "AbCdEf", SocketIOPacket.event("hello", ["world"]).wireValue, SocketIOBroadcastOptions().wireValue,
        ]
        let bytes = RedisWireCodec.messagePack(message).bytes
        #expect(bytes == Self.helloWorldBroadcast(uid: "AbCdEf"), "\(hexDump(bytes))")
    }

    @Test
    func packetAndFlagsWireValues() {
        let binary = SocketIOPacket.event("up", [.binary(ByteBuffer(bytes: [1]))], namespace: "/admin", ackID: 12)
        #expect(binary.wireValue == ["type": 2, "data": ["up", .binary(ByteBuffer(bytes: [1]))], "nsp": "/admin", "id": 12])
        #expect(SocketIOBroadcastFlags().wireValue == [:])
        let flags = SocketIOBroadcastFlags(local: true, volatile: true, compress: false, timeout: 500, expectSingleResponse: true)
        #expect(flags.wireValue == ["volatile": true, "compress": false, "timeout": 500, "expectSingleResponse": true])
        let options = SocketIOBroadcastOptions(rooms: ["b", "a"], except: ["c"])
        #expect(options.wireValue == ["rooms": ["a", "b"], "except": ["c"], "flags": [:]])
    }

    @Test
    func messagePackUsesTheSmallestForms() {
        let value: SocketIOValue = [0, 127, 128, -1, -33, 65536, 2.0, 1.5, "", .binary(ByteBuffer(bytes: [0xab]))]
        let bytes = RedisWireCodec.messagePack(value).bytes
        let expected = wireBytes(.hex("9a 00 7f cc80 ff d0df ce00010000 02 cb3ff8000000000000 a0 c401ab"))
        #expect(bytes == expected, "\(hexDump(bytes))")
    }

    /// A classic adapter on a server that never listens, with taps on the broadcast pattern and the
    /// request channel.
    struct ClassicCapture {
        let io: SocketIOServer
        let adapter: RedisAdapter
        let broadcasts = MessageTap()
        let requests = MessageTap()

        init(requestTimeout: TimeAmount = .milliseconds(200)) async throws {
            let broker = InMemoryPubSubBroker()
            let tap = broker.makeDriver()
            try await tap.subscribe("socket.io#/#*", kind: .pattern, timeout: .seconds(1)) { [broadcasts] in broadcasts.record($0) }
            try await tap.subscribe("socket.io-request#/#", kind: .channel, timeout: .seconds(1)) { [requests] in requests.record($0) }
            var configuration = SocketIOServerConfiguration()
            configuration.adapterFactory = RedisAdapterFactory.make(
                driver: broker.makeDriver(), configuration: RedisAdapterConfiguration(requestTimeout: requestTimeout)
            )
            self.io = SocketIOServer(configuration: configuration)
            self.adapter = try #require(self.io.sockets.adapter as? RedisAdapter)
            try await self.adapter.waitUntilSubscribed()
        }
    }

    @Test
    func classicAdapterPublishesTheReferenceBroadcastBytes() async throws {
        let capture = try await ClassicCapture()
        defer { capture.io.close() }
        #expect(capture.adapter.uid.count == 6)
        #expect(capture.adapter.uid.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) })

        capture.io.emit("hello", "world")
        capture.io.to("room1").emit("hello", "world")
        capture.io.to("a", "b").except("c").volatile.compress(false).emit("x")
        capture.io.local.emit("never-published")
        capture.io.emit("sentinel")
        let messages = try await capture.broadcasts.wait(for: 4)
        #expect(messages.count == 4)
        #expect(RedisWireCodec.decode(messages[3].payload)?[1]?["data"] == ["sentinel"], "the local emit is not published")

        #expect(messages[0].channel == "socket.io#/#")
        #expect(messages[0].payload.bytes == Self.helloWorldBroadcast(uid: capture.adapter.uid), "\(hexDump(messages[0].payload.bytes))")
        #expect(messages[1].channel == "socket.io#/#room1#")
        #expect(RedisWireCodec.decode(messages[1].payload)?[2] == ["rooms": ["room1"], "except": [], "flags": [:]])
        #expect(messages[2].channel == "socket.io#/#")
        #expect(
            RedisWireCodec.decode(messages[2].payload)?[2]
                == ["rooms": ["a", "b"], "except": ["c"], "flags": ["volatile": true, "compress": false]]
        )
    }

    @Test
    func classicAdapterPublishesTheReferenceRequests() async throws {
        let capture = try await ClassicCapture()
        defer { capture.io.close() }
        let uid = capture.adapter.uid
        capture.io.in("r").socketsJoin("a")
        capture.io.except("e").socketsLeave("a")
        capture.io.in("r").disconnectSockets(close: true)
        capture.io.sockets.serverSideEmit("ev", 1)
        let requests = try await capture.requests.wait(for: 4)
        #expect(requests.map { String(buffer: $0.payload) } == [
            #"{"uid":"\#(uid)","type":2,"opts":{"rooms":["r"],"except":[]},"rooms":["a"]}"#,
            #"{"uid":"\#(uid)","type":3,"opts":{"rooms":[],"except":["e"]},"rooms":["a"]}"#,
            #"{"uid":"\#(uid)","type":4,"opts":{"rooms":["r"],"except":[]},"close":true}"#,
            #"{"uid":"\#(uid)","type":6,"data":["ev",1]}"#,
        ])

        // The tap counts as a second node, so these publish and then time out unanswered.
        await #expect(throws: SocketIOError.requestTimeout) { try await capture.io.in("r").fetchSockets() }
        await #expect(throws: (any Error).self) { try await capture.io.sockets.serverSideEmitWithAck("ask", 2, timeout: .milliseconds(200)) }
        let more = try await capture.requests.wait(for: 6)
        let fetch = try #require(JSONObject(more[4].payload))
        #expect(fetch.keys == ["uid", "requestId", "type", "opts"])
        #expect(fetch.value["type"] == 5 && fetch.value["uid"] == .string(uid))
        #expect(fetch.value["opts"] == ["rooms": ["r"], "except": []])
        #expect(fetch.value["requestId"]?.stringValue?.isEmpty == false)
        let emit = try #require(JSONObject(more[5].payload))
        #expect(emit.keys == ["uid", "requestId", "type", "data"])
        #expect(emit.value["data"] == ["ask", 2])
    }

    @Test
    func classicBroadcastWithAckRequestIsMessagePackWithoutAnAckID() async throws {
        let capture = try await ClassicCapture()
        defer { capture.io.close() }
        _ = try? await capture.io.to("r").timeout(.milliseconds(150)).emitWithAck("ask", 1)
        let request = try #require(try await capture.requests.wait().first)
        #expect(request.payload.readableBytesView.first != UInt8(ascii: "{"), "MessagePack, not JSON")
        let value = try #require(RedisWireCodec.decode(request.payload))
        #expect(value.objectValue.map { Array($0.keys) } == ["uid", "requestId", "type", "packet", "opts"])
        #expect(value["type"] == 7)
        #expect(value["uid"] == .string(capture.adapter.uid))
        #expect(value["packet"] == ["type": 2, "data": ["ask", 1], "nsp": "/"])
        #expect(value["opts"] == ["rooms": ["r"], "except": [], "flags": ["timeout": 150]])
    }

    // MARK: Encoding (sharded)

    /// A sharded adapter on a server that never listens, with a tap on every channel it may publish to.
    static func shardedCapture(
        _ mode: RedisAdapterConfiguration.ShardedSubscriptionMode, rooms: [String]
    ) async throws -> (SocketIOServer, ShardedRedisAdapter, MessageTap) {
        let broker = InMemoryPubSubBroker()
        let tapDriver = broker.makeDriver()
        let tap = MessageTap()
        for channel in ["socket.io#/#"] + rooms.map({ "socket.io#/#\($0)#" }) {
            try await tapDriver.subscribe(channel, kind: .sharded, timeout: .seconds(1)) { tap.record($0) }
        }
        var configuration = SocketIOServerConfiguration()
        configuration.adapterFactory = RedisAdapterFactory.make(
            driver: broker.makeDriver(), configuration: RedisAdapterConfiguration(requestTimeout: .milliseconds(200), mode: .sharded(mode))
        )
        let io = SocketIOServer(configuration: configuration)
        let adapter = try #require(io.sockets.adapter as? ShardedRedisAdapter)
        try await adapter.waitUntilSubscribed()
        return (io, adapter, tap)
    }

    @Test
    func shardedEnvelopeIsJSONUnlessItCarriesBinary() async throws {
        let (io, adapter, tap) = try await Self.shardedCapture(.static, rooms: [])
        defer { io.close() }
        #expect(adapter.uid.count == 16 && adapter.uid.allSatisfy(\.isHexDigit))
        io.emit("hi", 1)
        io.emit("bin", .binary(ByteBuffer(bytes: [1, 2])))
        io.in("r").socketsJoin("s")
        let messages = try await tap.wait(for: 3)

        let plain = try #require(JSONObject(messages[0].payload))
        #expect(plain.keys == ["uid", "nsp", "type", "data"])
        #expect(plain.value["uid"] == .string(adapter.uid) && plain.value["nsp"] == "/" && plain.value["type"] == 3)
        #expect(plain.value["data"]?["packet"]?["type"] == 2)
        #expect(plain.value["data"]?["packet"]?["data"] == ["hi", 1])
        #expect(plain.value["data"]?["opts"] == ["rooms": [], "except": [], "flags": [:]])

        #expect(messages[1].payload.readableBytesView.first == 0x84, "a MessagePack map of 4 entries")
        let binary = try #require(RedisWireCodec.decode(messages[1].payload))
        #expect(binary["data"]?["packet"]?["data"] == ["bin", .binary(ByteBuffer(bytes: [1, 2]))])

        let join = try #require(JSONObject(messages[2].payload))
        #expect(join.value["type"] == 4)
        #expect(join.value["data"] == ["opts": ["rooms": ["r"], "except": [], "flags": [:]], "rooms": ["s"]])
    }

    @Test(arguments: RedisAdapterConfiguration.ShardedSubscriptionMode.allCases)
    func shardedChannelSelection(mode: RedisAdapterConfiguration.ShardedSubscriptionMode) async throws {
        let socketIDLike = "abcdefghijklmnopqrst"
        let (io, _, tap) = try await Self.shardedCapture(mode, rooms: ["room", socketIDLike])
        defer { io.close() }
        io.to("room").emit("one-room")
        io.to(socketIDLike).emit("one-id")
        io.to("room", "other").emit("two-rooms")
        _ = try? await io.to("room").timeout(.milliseconds(100)).emitWithAck("with-ack")
        let messages = try await tap.wait(for: 4)
        let channelOf = { (event: String) in
            messages.first { RedisWireCodec.decode($0.payload)?["data"]?["packet"]?["data"]?[0] == .string(event) }?.channel
        }
        switch mode {
        case .static:
            #expect(channelOf("one-room") == "socket.io#/#")
            #expect(channelOf("one-id") == "socket.io#/#")
        case .dynamic:
            #expect(channelOf("one-room") == "socket.io#/#room#")
            #expect(channelOf("one-id") == "socket.io#/#", "20 characters look like a socket id")
        case .dynamicPrivate:
            #expect(channelOf("one-room") == "socket.io#/#room#")
            #expect(channelOf("one-id") == "socket.io#/#\(socketIDLike)#")
        }
        #expect(channelOf("two-rooms") == "socket.io#/#")
        #expect(channelOf("with-ack") == "socket.io#/#", "broadcasts with ack always use the main channel")
    }

    // MARK: Decoding what Node.js peers send

    @Test
    func decodesAnEmitterBroadcastWithItsKeyOrder() throws {
        let bytes = wireBytes(
            .hex("93 a7"), .text("emitter"),
            .hex("83 a4"), .text("type"), .hex("02 a4"), .text("data"), .hex("92 a4"), .text("news"), .hex("a5"), .text("hello"),
            .hex("a3"), .text("nsp"), .hex("a1"), .text("/"),
            .hex("83 a5"), .text("rooms"), .hex("92 a4"), .text("room"), .hex("2a"),
            .hex("a5"), .text("flags"), .hex("82 a8"), .text("volatile"), .hex("c3 a8"), .text("compress"), .hex("c2"),
            .hex("a6"), .text("except"), .hex("91 cd 01 00")
        )
        let parts = try #require(RedisWireCodec.decode(ByteBuffer(bytes: bytes))?.arrayValue)
        #expect(parts.count == 3)
        #expect(parts[0] == "emitter")
        #expect(try RedisInboundFields.broadcastPacket(parts[1], namespace: "/") == .event("news", ["hello"]))
        let options = try RedisInboundFields.options(parts[2])
        #expect(options.rooms == ["room", "42"])
        #expect(options.except == ["256"])
        #expect(options.flags.volatile && !options.flags.compress)
        #expect(options.flags.local, "what came from another node is delivered locally only")
    }

    @Test
    func missingNamespaceDefaultsToRootAndBinaryTypesBecomePlain() throws {
        let noNamespace = wireBytes(.hex("82 a4"), .text("type"), .hex("05 a4"), .text("data"), .hex("92 a1"), .text("b"), .hex("c4 02 0102"))
        let value = try #require(RedisWireCodec.decode(ByteBuffer(bytes: noNamespace)))
        let packet = try RedisInboundFields.broadcastPacket(value, namespace: "/")
        #expect(packet.namespace == "/")
        #expect(packet.type == .event)
        #expect(packet.payload == ["b", .binary(ByteBuffer(bytes: [1, 2]))])
        #expect(throws: RedisInboundDrop.self, "no type") { try RedisInboundFields.broadcastPacket(["data": ["x"]], namespace: "/") }
        #expect(throws: RedisInboundDrop.self, "type is not a number") { try RedisInboundFields.broadcastPacket(["type": "2", "data": ["x"]], namespace: "/") }
        #expect(throws: RedisInboundDrop.self) { try RedisInboundFields.broadcastPacket(nil, namespace: "/") }
    }

    @Test(arguments: [
        (wireBytes(.hex("d6 ff 65 53 f1 00")), "2023-11-14T22:13:20.000Z"),
        (wireBytes(.hex("d7 ff 1d 53 53 00 65 53 f1 00")), "2023-11-14T22:13:20.123Z"),
        (wireBytes(.hex("c7 0c ff 07 54 d4 c0 ff ff ff ff ff ff ff ff")), "1969-12-31T23:59:59.123Z"),
        (wireBytes(.hex("d7 00 00 00 01 8b cf e5 68 00")), "2023-11-14T22:13:20.000Z"),
    ])
    func datesDecodeToISOStrings(encoded: [UInt8], iso: String) throws {
        // [uid, {type, data: ["when", <date>], nsp}, {rooms, except, flags}]
        let bytes = wireBytes(
            .hex("93 a6"), .text("NodeJS"),
            .hex("83 a4"), .text("type"), .hex("02 a4"), .text("data"), .hex("92 a4"), .text("when")
        ) + encoded + wireBytes(
            .hex("a3"), .text("nsp"), .hex("a1"), .text("/"),
            .hex("83 a5"), .text("rooms"), .hex("90 a6"), .text("except"), .hex("90 a5"), .text("flags"), .hex("80")
        )
        let parts = try #require(RedisWireCodec.decode(ByteBuffer(bytes: bytes))?.arrayValue)
        #expect(try RedisInboundFields.broadcastPacket(parts[1], namespace: "/").payload == ["when", .string(iso)])
    }

    @Test
    func requestsDecodeTheSameFromJSONAndMessagePack() throws {
        let json = #"{"uid":"NodeJS","requestId":"r1","type":5,"opts":{"rooms":["a",3],"except":[]}}"#
        let msgpack: MessagePackValue = ["uid": "NodeJS", "requestId": "r1", "type": 5, "opts": ["rooms": ["a", 3], "except": []]]
        let fromJSON = try #require(RedisWireCodec.decode(ByteBuffer(string: json)))
        let fromMessagePack = try #require(RedisWireCodec.decode(messagePackBuffer(msgpack)))
        #expect(fromJSON == fromMessagePack)
        #expect(try RedisInboundFields.options(fromJSON["opts"]).rooms == ["a", "3"])
        #expect(RedisWireCodec.json(fromJSON).bytes == Array(json.utf8), "JSON written back identically")
    }

    @Test
    func unusualMessagePackValuesDecodeSafely() throws {
        // A map with an integer key, a uint64 beyond Int, an unknown extension, float32, nil.
        let bytes = wireBytes(
            .hex("85"), .hex("01"), .hex("a1"), .text("x"),
            .hex("a1"), .text("u"), .hex("cf ff ff ff ff ff ff ff ff"),
            .hex("a1"), .text("e"), .hex("d4 05 00"),
            .hex("a1"), .text("f"), .hex("ca 3f c0 00 00"),
            .hex("a1"), .text("n"), .hex("c0")
        )
        let value = try #require(RedisWireCodec.decode(ByteBuffer(bytes: bytes)))
        #expect(value["1"] == "x")
        #expect(value["u"] == .double(Double(UInt64.max)))
        #expect(value["e"] == .null)
        #expect(value["f"] == 1.5)
        #expect(value["n"] == .null)
    }

    @Test(arguments: [
        [UInt8](), Array("{".utf8), Array(#"{"type":5,"#.utf8), Array(#"{"a":1} trailing"#.utf8), [0x93, 0xa6, 0x41], [0xc1],
        [0xdd, 0xff, 0xff, 0xff, 0xff], [UInt8](repeating: 0x91, count: 1000) + [0xc0],
        Array(#"{"a":"#.utf8) + [UInt8](repeating: UInt8(ascii: "["), count: 500), [0x92, 0xc0], [0xd7, 0xff, 0, 0, 0, 0],
    ])
    func malformedPayloadsDecodeToNil(bytes: [UInt8]) {
        #expect(RedisWireCodec.decode(ByteBuffer(bytes: bytes)) == nil)
    }
}

/// A JSON object payload's keys in order and its value.
struct JSONObject {
    let keys: [String]
    let value: SocketIOValue

    init?(_ payload: ByteBuffer) {
        guard payload.readableBytesView.first == UInt8(ascii: "{"),
            let value = RedisWireCodec.decode(payload), let object = value.objectValue
        else { return nil }
        self.keys = Array(object.keys)
        self.value = value
    }
}
