import NIOConcurrencyHelpers
import NIOCore
import SocketIO
import SocketIOTestSupport
import Testing

@testable import SocketIORedis

/// In the sharded dynamic modes a room's channel is subscribed while the room has local members. Joins
/// and leaves of one room from sockets on different event loops must reach the subscription code in
/// the order they changed the room: a last leave and a join racing used to arrive as subscribe, then
/// unsubscribe, leaving the node deaf to a room it has members in.
@Suite(.serialized)
struct AdapterRoomSubscriptionOrderTests {
    @Test(arguments: [AdapterMode.shardedDynamic, .shardedDynamicPrivate])
    func roomChannelsFollowMembershipWhenJoinsAndLeavesRaceAcrossLoops(mode: AdapterMode) async throws {
        try await withCluster(mode, nodes: 1) { cluster in
            for index in 0..<6 { _ = try await cluster.connect(to: 0, name: "c\(index)") }
            let io = cluster.nodes[0].io
            let sockets = io.sockets.localSockets
            #expect(sockets.count == 6)
            let first = try #require(sockets.first)
            let rooms = (0..<2).map { "race-\($0)" }
            let rounds = 20_000

            // Every socket toggles the rooms from its own thread, more threads than cores (joins and
            // leaves may come from any thread, as from handlers on different event loops); `first`
            // ends in every room, the others in none.
            func toggle(_ socket: SocketIOSocket, endJoined: Bool) -> Task<Void, Never> {
                Task.detached {
                    for round in 0..<rounds {
                        let room = rooms[round % rooms.count]
                        socket.join(room)
                        socket.leave(room)
                    }
                    if endJoined { for room in rooms { socket.join(room) } }
                }
            }
            let toggles = sockets.map { toggle($0, endJoined: $0 === first) }
            for task in toggles { await task.value }

            let broker = cluster.broker
            let channel = { (room: String) in "socket.io#/#\(room)#" }
            // Changes are applied in order by one task: once a marker room joined last is
            // subscribed, every change before it has been applied.
            func drained(_ marker: String) async throws {
                first.join(marker)
                let deadline = ContinuousClock.now + .seconds(30)
                while ContinuousClock.now < deadline, broker.subscriberCount(of: channel(marker), sharded: true) == 0 {
                    try await Task.sleep(for: .milliseconds(10))
                }
                try #require(broker.subscriberCount(of: channel(marker), sharded: true) == 1, "the changes were not applied")
            }
            try await drained("marker-1")
            for room in rooms {
                #expect(io.sockets.adapter.localRooms.contains(room))
                #expect(broker.subscriberCount(of: channel(room), sharded: true) == 1, "\(room): members here, channel not subscribed")
            }
            let second = try #require(sockets.last)
            for room in rooms { second.join(room); first.leave(room); second.leave(room) }
            try await drained("marker-2")
            for room in rooms {
                #expect(broker.subscriberCount(of: channel(room), sharded: true) == 0, "\(room): no member, channel still subscribed")
            }
        }
    }
}

/// The room changes the local adapter reports, per room, in the order its observer received them.
private final class RoomChangeRecorder: Sendable {
    private let changes = NIOLockedValueBox<[String: [Bool]]>([:])

    func record(created: [(room: String, isPrivate: Bool)], deleted: [(room: String, isPrivate: Bool)]) {
        self.changes.withLockedValue { changes in
            for (room, _) in created { changes[room, default: []].append(true) }
            for (room, _) in deleted { changes[room, default: []].append(false) }
        }
    }

    /// true for "created", false for "deleted".
    func changes(of room: String) -> [Bool] { self.changes.withLockedValue { $0[room] ?? [] } }
}

/// The ordering guarantee itself, at the source: the observer sees every room created, deleted,
/// created again… in strict alternation, however many threads join and leave at once.
@Suite(.serialized)
struct RoomObserverOrderTests {
    @Test func roomCreationsAndDeletionsReachTheObserverAlternating() async throws {
        let recorder = RoomChangeRecorder()
        var configuration = SocketIOServerConfiguration()
        configuration.adapterFactory = { namespace in
            InMemoryAdapter(namespace: namespace) { created, deleted in recorder.record(created: created, deleted: deleted) }
        }
        let io = SocketIOServer(configuration: configuration)
        let listener = try await io.listen(host: "127.0.0.1", port: 0)
        let port = try #require(listener.localAddress?.port)
        var clients: [TestSocketIOClient] = []
        for index in 0..<6 { clients.append(try await TestSocketIOClient.connect(port: port, label: "c\(index)")) }
        let deadline = ContinuousClock.now + .seconds(5)
        while io.sockets.localSockets.count < 6, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        let sockets = io.sockets.localSockets
        try #require(sockets.count == 6)

        let rooms = ["race-0", "race-1"]
        let toggles = sockets.map { socket in
            Task.detached {
                for round in 0..<20_000 {
                    let room = rooms[round % rooms.count]
                    socket.join(room)
                    socket.leave(room)
                }
            }
        }
        for task in toggles { await task.value }

        for room in rooms {
            let changes = recorder.changes(of: room)
            #expect(!changes.isEmpty)
            let misordered = zip(changes, changes.dropFirst()).filter { $0 == $1 }.count
            #expect(changes.first == true && misordered == 0, "\(room): \(misordered) changes out of order in \(changes.count)")
            #expect(changes.last == false, "\(room) has no member left")
        }
        for client in clients { await client.closeAndWait() }
        io.close()
        try await listener.close()
    }
}
