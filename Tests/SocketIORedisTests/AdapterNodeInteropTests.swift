import MessagePack
import NIOCore
import SocketIO
import SocketIOProtocol
import Testing

@testable import SocketIORedis

/// Messages shaped the way a Node.js node (`@socket.io/redis-adapter`) or emitter sends them, published
/// raw on the broker into a live three-node cluster: the Swift adapters act on them and answer in the
/// reference shapes. Malformed payloads are ignored without harm.
@Suite(.serialized)
struct AdapterNodeInteropTests {
    static let nodeUID = "NodeJS"
    static let requestChannel = "socket.io-request#/#"
    static let responseChannel = "socket.io-response#/#"

    /// A cluster whose nodes answer server-side `ask` with `"answer-<node>"`.
    static let answering: @Sendable (SocketIOServer, Int) -> Void = { io, index in
        io.sockets.onServerSideEmit { packet, reply in
            if packet.first == "ask" { reply?([.string("answer-\(index)")]) }
        }
    }

    static func json(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

    // MARK: Classic broadcasts

    @Test
    func classicBroadcastFromANodeNodeWithAnIntegerRoomAndNoNamespace() async throws {
        try await withCluster(.classic) { cluster in
            let clients = try await cluster.connectGrid(perNode: 1).map { $0[0] }
            try await cluster.join(clients[1], "42")
            try await cluster.join(clients[2], "42")
            let node = cluster.rawDriver()
            // notepack output of [uid, {type, data}, {rooms, except, flags}], rooms as a number, no nsp.
            let message: MessagePackValue = [
                .string(Self.nodeUID), ["type": 2, "data": ["news", "hi", 1.5]], ["rooms": [42], "except": [], "flags": [:]],
            ]
            node.publish(messagePackBuffer(message), to: "socket.io#/#42#", sharded: false)
            try await cluster.barrier()
            cluster.expectDelivered("news", exactlyTo: [clients[1], clients[2]], arguments: ["hi", 1.5])
        }
    }

    @Test
    func classicBroadcastWithExceptAsNumbersAndVolatileFlag() async throws {
        try await withCluster(.classic) { cluster in
            let clients = try await cluster.connectGrid(perNode: 1).map { $0[0] }
            try await cluster.join(clients[0], "7")
            let message: MessagePackValue = [
                .string(Self.nodeUID), ["type": 2, "data": ["v"], "nsp": "/"],
                ["rooms": [], "except": [7], "flags": ["volatile": true, "compress": false]],
            ]
            cluster.rawDriver().publish(messagePackBuffer(message), to: "socket.io#/#", sharded: false)
            try await cluster.barrier()
            cluster.expectDelivered("v", exactlyTo: [clients[1], clients[2]])
        }
    }

    @Test
    func emitterBroadcastWithDatesArrivesAsISOStrings() async throws {
        try await withCluster(.classic) { cluster in
            let clients = try await cluster.connectGrid(perNode: 1).map { $0[0] }
            // The emitter's opts key order (rooms, flags, except); a Date as the timestamp extension and
            // as notepack's legacy `d7 00` date.
            let message: MessagePackValue = [
                "emitter",
                ["type": 2, "data": ["when", .timestamp(seconds: 1_700_000_000, nanoseconds: 123_000_000), ["at": .ext(type: 0, data: [0, 0, 1, 0x8b, 0xcf, 0xe5, 0x68, 0x00])]], "nsp": "/"],
                ["rooms": [], "flags": [:], "except": []],
            ]
            cluster.rawDriver().publish(messagePackBuffer(message), to: "socket.io#/#", sharded: false)
            for client in clients {
                let event = try await client.waitForEvent("when")
                #expect(event.arguments == ["2023-11-14T22:13:20.123Z", ["at": "2023-11-14T22:13:20.000Z"]], "\(client.label)")
            }
        }
    }

    @Test
    func classicBroadcastForAnotherNamespaceIsIgnored() async throws {
        try await withCluster(.classic) { cluster in
            _ = try await cluster.connectGrid(perNode: 1)
            let message: MessagePackValue = [
                .string(Self.nodeUID), ["type": 2, "data": ["wrong-nsp"], "nsp": "/admin"], ["rooms": [], "except": [], "flags": [:]],
            ]
            cluster.rawDriver().publish(messagePackBuffer(message), to: "socket.io#/#", sharded: false)
            try await cluster.barrier()
            cluster.expectDelivered("wrong-nsp", exactlyTo: [])
        }
    }

    // MARK: Classic requests

    @Test
    func classicRemoteFetchFromANodeNodeIsAnsweredByEveryNode() async throws {
        try await withCluster(.classic) { cluster in
            let clients = try await cluster.connectGrid(perNode: 1).map { $0[0] }
            try await cluster.join(clients[0], "blue")
            try await cluster.join(clients[2], "blue")
            let responses = try await cluster.tap(Self.responseChannel, kind: .channel)
            cluster.rawDriver().publish(
                Self.json(#"{"uid":"NodeJS","requestId":"req001","type":5,"opts":{"rooms":["blue"],"except":[]}}"#),
                to: Self.requestChannel, sharded: false
            )
            let answers = try await responses.wait(for: 3).map { RedisWireCodec.decode($0.payload) }
            var ids: [String] = []
            for answer in answers {
                let answer = try #require(answer)
                #expect(answer.objectValue.map { Array($0.keys) } == ["requestId", "sockets"])
                #expect(answer["requestId"] == "req001")
                for socket in answer["sockets"]?.arrayValue ?? [] {
                    #expect(socket.objectValue.map { Array($0.keys) } == ["id", "handshake", "rooms", "data"])
                    let id = try #require(socket["id"]?.stringValue)
                    ids.append(id)
                    #expect(socket["rooms"]?.arrayValue?.contains("blue") == true)
                    #expect(socket["rooms"]?.arrayValue?.contains(.string(id)) == true)
                    #expect(socket["handshake"]?["auth"]?["name"] != nil)
                    #expect(socket["data"]?["name"] != nil)
                }
            }
            #expect(ids.sorted() == [clients[0].socketID, clients[2].socketID].sorted())
        }
    }

    @Test
    func classicServerSideEmitWithRequestIDIsAnsweredOnTheResponseChannel() async throws {
        try await withCluster(.classic, configure: Self.answering) { cluster in
            let responses = try await cluster.tap(Self.responseChannel, kind: .channel)
            cluster.rawDriver().publish(
                Self.json(#"{"uid":"NodeJS","requestId":"req002","type":6,"data":["ask",1]}"#), to: Self.requestChannel, sharded: false
            )
            let answers = try await responses.wait(for: 3).compactMap { RedisWireCodec.decode($0.payload) }
            for answer in answers {
                #expect(answer.objectValue.map { Array($0.keys) } == ["type", "requestId", "data"])
                #expect(answer["type"] == 6)
                #expect(answer["requestId"] == "req002")
            }
            #expect(answers.compactMap { $0["data"]?.stringValue }.sorted() == ["answer-0", "answer-1", "answer-2"])
        }
    }

    @Test
    func classicBroadcastWithAckFromANodeNodeGetsCountsThenAcks() async throws {
        try await withCluster(.classic) { cluster in
            let grid = try await cluster.connectGrid(perNode: 1)
            let clients = grid.map { $0[0] }
            AdapterAckTests.answerWithName(Array(clients.dropFirst()))  // the node-0 client never answers
            let responses = try await cluster.tap(Self.responseChannel, kind: .channel)
            let request: MessagePackValue = [
                "uid": .string(Self.nodeUID), "requestId": "req003", "type": 7,
                "packet": ["type": 2, "data": ["ask", "q"], "nsp": "/"],
                "opts": ["rooms": [], "except": [], "flags": ["timeout": 1000]],
            ]
            cluster.rawDriver().publish(messagePackBuffer(request), to: Self.requestChannel, sharded: false)
            let messages = try await responses.wait(for: 5)
            let counts = messages.filter { $0.payload.readableBytesView.first == UInt8(ascii: "{") }.compactMap { RedisWireCodec.decode($0.payload) }
            let acks = messages.filter { $0.payload.readableBytesView.first != UInt8(ascii: "{") }.compactMap { RedisWireCodec.decode($0.payload) }
            #expect(counts.count == 3, "three JSON client counts")
            for count in counts {
                #expect(count == ["type": 8, "requestId": "req003", "clientCount": 1])
            }
            #expect(acks.count == 2, "two MessagePack acks")
            for ack in acks {
                #expect(ack.objectValue.map { Array($0.keys) } == ["type", "requestId", "packet"])
                #expect(ack["type"] == 9)
            }
            #expect(acks.compactMap { $0["packet"]?.stringValue }.sorted() == ["n1a", "n2a"])
            for client in clients {
                #expect(try await client.waitForEvent("ask").arguments == ["q"])
            }
        }
    }

    @Test
    func classicAllRoomsAndLegacySocketsRequestsAreAnswered() async throws {
        try await withCluster(.classic) { cluster in
            let clients = try await cluster.connectGrid(perNode: 1).map { $0[0] }
            try await cluster.join(clients[1], "green")
            let responses = try await cluster.tap(Self.responseChannel, kind: .channel)
            let node = cluster.rawDriver()
            node.publish(Self.json(#"{"uid":"NodeJS","requestId":"req004","type":1}"#), to: Self.requestChannel, sharded: false)
            let rooms = try await responses.wait(for: 3).compactMap { RedisWireCodec.decode($0.payload) }
            #expect(rooms.allSatisfy { $0["requestId"] == "req004" })
            let allRooms = Set(rooms.flatMap { $0["rooms"]?.arrayValue ?? [] }.compactMap(\.stringValue))
            #expect(allRooms == Set(["green"] + clients.map(\.socketID)))

            node.publish(Self.json(#"{"uid":"NodeJS","requestId":"req005","type":0,"rooms":["green"]}"#), to: Self.requestChannel, sharded: false)
            let sockets = try await responses.wait(for: 3) { RedisWireCodec.decode($0.payload)?["requestId"] == "req005" }
            let ids = sockets.compactMap { RedisWireCodec.decode($0.payload)?["sockets"]?.arrayValue }.flatMap { $0 }
            #expect(ids == [.string(clients[1].socketID)])
        }
    }

    @Test
    func classicRemoteJoinLeaveAndDisconnectFromANodeNodeAreApplied() async throws {
        try await withCluster(.classic) { cluster in
            let clients = try await cluster.connectGrid(perNode: 1).map { $0[0] }
            let node = cluster.rawDriver()
            node.publish(
                Self.json(#"{"uid":"NodeJS","type":2,"opts":{"rooms":[],"except":[]},"rooms":["from-node",5]}"#),
                to: Self.requestChannel, sharded: false
            )
            try await AdapterRoomOperationTests.waitForMembers(of: "from-node", clients, in: cluster)
            try await AdapterRoomOperationTests.waitForMembers(of: "5", clients, in: cluster)

            let leave = #"{"uid":"NodeJS","type":3,"opts":{"rooms":[],"except":["\#(clients[0].socketID)"]},"rooms":["from-node"]}"#
            node.publish(Self.json(leave), to: Self.requestChannel, sharded: false)
            try await AdapterRoomOperationTests.waitForMembers(of: "from-node", [clients[0]], in: cluster)

            node.publish(
                Self.json(#"{"uid":"NodeJS","type":4,"opts":{"rooms":["5"],"except":["from-node"]},"close":false}"#),
                to: Self.requestChannel, sharded: false
            )
            try await clients[1].waitForDisconnect()
            try await clients[2].waitForDisconnect()
            #expect(clients[1].receivedNamespaceDisconnect && clients[2].receivedNamespaceDisconnect)
            try await clients[0].expectNoEvent("__never", within: .milliseconds(100))
            #expect(!clients[0].isDisconnected)
        }
    }

    /// The legacy single-socket form `{uid, requestId, type, sid, room}` (older Node adapters), answered
    /// with `{requestId}` by the node that has the socket.
    @Test
    func classicLegacySingleSocketJoinIsAppliedAndAnswered() async throws {
        try await withCluster(.classic) { cluster in
            let clients = try await cluster.connectGrid(perNode: 1).map { $0[0] }
            let responses = try await cluster.tap(Self.responseChannel, kind: .channel)
            let join = #"{"uid":"NodeJS","requestId":"legacy1","type":2,"sid":"\#(clients[1].socketID)","room":"old-school"}"#
            cluster.rawDriver().publish(Self.json(join), to: Self.requestChannel, sharded: false)
            try await AdapterRoomOperationTests.waitForMembers(of: "old-school", [clients[1]], in: cluster)
            let answers = try await responses.wait(for: 1) { RedisWireCodec.decode($0.payload)?["requestId"] == "legacy1" }
            #expect(answers.map { String(buffer: $0.payload) } == [#"{"requestId":"legacy1"}"#])
        }
    }

    /// Garbage on every channel the adapters listen to: nothing crashes, nothing is delivered, and the
    /// cluster keeps working.
    @Test(arguments: AdapterMode.allCases)
    func malformedPayloadsAreIgnored(mode: AdapterMode) async throws {
        try await withCluster(mode) { cluster in
            let clients = try await cluster.connectGrid(perNode: 1).map { $0[0] }
            try await cluster.join(clients[1], "room")
            let deep = [UInt8](repeating: 0x91, count: 500) + [0xc0]
            let payloads: [[UInt8]] = [
                [], Array("{".utf8), Array(#"{"type":"#.utf8), Array(#"{"type":"x","requestId":5}"#.utf8),
                Array(#"{"type":7,"requestId":"r1","packet":5,"opts":3}"#.utf8), Array(#"{"type":3,"data":{"packet":"nope"}}"#.utf8),
                Array(#"{"uid":"0123456789abcdef","type":3,"data":null}"#.utf8), Array(#"{"uid":"0123456789abcdef","type":9}"#.utf8),
                Array("[1,2,3]".utf8), [0x93, 0xa6, 0x41, 0x42], [0xc1], [0x92, 0xa1, 0x41, 0x80], [0x93, 0x01, 0x02, 0x03],
                [0x93, 0xa6] + Array("NodeJS".utf8) + [0x81, 0xa4] + Array("type".utf8) + [0xa1, 0x78, 0x80],
                [0x93, 0xa6] + Array("NodeJS".utf8) + [0x80, 0x80], [0xdd, 0xff, 0xff, 0xff, 0xff], [0xdb, 0x7f, 0xff, 0xff, 0xff],
                deep, Array(#"{"a":"#.utf8) + [UInt8](repeating: UInt8(ascii: "["), count: 200),
            ]
            let channels: [(String, Bool)]
            if mode.isSharded {
                let uid = try #require(cluster.nodes[0].io.sockets.adapter as? ShardedRedisAdapter).uid
                channels = [("socket.io#/#", true), ("socket.io#/#\(uid)#", true), ("socket.io#/#room#", true)]
            } else {
                let uid = try #require(cluster.nodes[0].io.sockets.adapter as? RedisAdapter).uid
                channels = [
                    ("socket.io#/#", false), ("socket.io#/#room#", false), (Self.requestChannel, false), (Self.responseChannel, false),
                    ("socket.io-response#/#\(uid)#", false),
                ]
            }
            let garbage = cluster.rawDriver()
            for (channel, sharded) in channels {
                for payload in payloads { garbage.publish(ByteBuffer(bytes: payload), to: channel, sharded: sharded) }
            }
            try await cluster.barrier()
            for client in clients { #expect(client.unreadEvents("x").isEmpty && !client.isDisconnected) }
            let sockets = try await cluster.nodes[0].io.fetchSockets()
            #expect(sockets.count == 3)
            cluster.nodes[0].io.to("room").emit("after")
            #expect(try await clients[1].waitForEvent("after").arguments == [])
        }
    }

    // MARK: Sharded

    static let foreignUID = "fedcba9876543210"

    @Test(arguments: AdapterMode.sharded)
    func shardedBroadcastEnvelopesFromANodeNodeAreDelivered(mode: AdapterMode) async throws {
        try await withCluster(mode) { cluster in
            let clients = try await cluster.connectGrid(perNode: 1).map { $0[0] }
            let node = cluster.rawDriver()
            node.publish(
                Self.json(
                    #"{"uid":"fedcba9876543210","nsp":"/","type":3,"data":{"packet":{"type":2,"data":["news","hi"]},"opts":{"rooms":[],"except":[],"flags":{}}}}"#
                ),
                to: "socket.io#/#", sharded: true
            )
            // With binary: the whole envelope is MessagePack.
            let envelope: MessagePackValue = [
                "uid": .string(Self.foreignUID), "nsp": "/", "type": 3,
                "data": ["packet": ["type": 2, "data": ["bin", .binary([1, 2, 3])]], "opts": ["rooms": [], "except": [], "flags": [:]]],
            ]
            node.publish(messagePackBuffer(envelope), to: "socket.io#/#", sharded: true)
            try await cluster.barrier()
            cluster.expectDelivered("news", exactlyTo: clients, arguments: ["hi"])
            cluster.expectDelivered("bin", exactlyTo: clients, arguments: [.binary(ByteBuffer(bytes: [1, 2, 3]))])
        }
    }

    @Test(arguments: AdapterMode.sharded)
    func shardedFetchSocketsFromANodeNodeIsAnsweredOnItsResponseChannel(mode: AdapterMode) async throws {
        try await withCluster(mode) { cluster in
            let clients = try await cluster.connectGrid(perNode: 1).map { $0[0] }
            let responses = try await cluster.tap("socket.io#/#\(Self.foreignUID)#", kind: .sharded)
            cluster.rawDriver().publish(
                Self.json(
                    #"{"uid":"fedcba9876543210","nsp":"/","type":7,"data":{"opts":{"rooms":[],"except":[],"flags":{}},"requestId":"abc"}}"#
                ),
                to: "socket.io#/#", sharded: true
            )
            let answers = try await responses.wait(for: 3).compactMap { RedisWireCodec.decode($0.payload) }
            var ids: [String] = []
            for answer in answers {
                #expect(answer.objectValue.map { Array($0.keys) } == ["uid", "nsp", "type", "data"])
                #expect(answer["type"] == 8)
                #expect(answer["nsp"] == "/")
                #expect(answer["uid"]?.stringValue?.count == 16)
                #expect(answer["data"]?["requestId"] == "abc")
                ids += (answer["data"]?["sockets"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue }
            }
            #expect(ids.sorted() == clients.map(\.socketID).sorted())
        }
    }

    @Test(arguments: AdapterMode.sharded)
    func shardedRequestsFromANodeNodeAreAnswered(mode: AdapterMode) async throws {
        try await withCluster(mode, configure: Self.answering) { cluster in
            let clients = try await cluster.connectGrid(perNode: 1).map { $0[0] }
            AdapterAckTests.answerWithName(clients)
            let responses = try await cluster.tap("socket.io#/#\(Self.foreignUID)#", kind: .sharded)
            let node = cluster.rawDriver()
            node.publish(
                Self.json(#"{"uid":"fedcba9876543210","nsp":"/","type":9,"data":{"packet":["ask",1],"requestId":"sse1"}}"#),
                to: "socket.io#/#", sharded: true
            )
            let emitAnswers = try await responses.wait(for: 3) { RedisWireCodec.decode($0.payload)?["type"] == 10 }
                .compactMap { RedisWireCodec.decode($0.payload)?["data"] }
            #expect(emitAnswers.allSatisfy { $0["requestId"] == "sse1" })
            #expect(emitAnswers.compactMap { $0["packet"]?.stringValue }.sorted() == ["answer-0", "answer-1", "answer-2"])

            node.publish(
                Self.json(
                    #"{"uid":"fedcba9876543210","nsp":"/","type":3,"data":{"packet":{"type":2,"data":["ask"]},"requestId":"b1","opts":{"rooms":[],"except":[],"flags":{"timeout":1000}}}}"#
                ),
                to: "socket.io#/#", sharded: true
            )
            let counts = try await responses.wait(for: 3) { RedisWireCodec.decode($0.payload)?["type"] == 11 }
            #expect(counts.compactMap { RedisWireCodec.decode($0.payload)?["data"] }.allSatisfy { $0 == ["requestId": "b1", "clientCount": 1] })
            let acks = try await responses.wait(for: 3) { RedisWireCodec.decode($0.payload)?["type"] == 12 }
            #expect(acks.compactMap { RedisWireCodec.decode($0.payload)?["data"]?["packet"]?.stringValue }.sorted() == clients.map(\.label).sorted())

            node.publish(
                Self.json(#"{"uid":"fedcba9876543210","nsp":"/","type":4,"data":{"opts":{"rooms":[],"except":[],"flags":{}},"rooms":["by-node"]}}"#),
                to: "socket.io#/#", sharded: true
            )
            try await AdapterRoomOperationTests.waitForMembers(of: "by-node", clients, in: cluster)
        }
    }
}
