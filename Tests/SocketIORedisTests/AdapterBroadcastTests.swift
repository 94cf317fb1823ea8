import NIOCore
import SocketIO
import SocketIOProtocol
import Testing

@testable import SocketIORedis

/// Broadcasts across three nodes over the in-memory broker, in every adapter mode: every selected
/// socket on every node gets the event exactly once, and no other socket gets it.
@Suite(.serialized)
struct AdapterBroadcastTests {
    @Test(arguments: AdapterMode.allCases)
    func broadcastToAllReachesEverySocketOnEveryNodeOnce(mode: AdapterMode) async throws {
        try await withCluster(mode) { cluster in
            let grid = try await cluster.connectGrid(perNode: 2)
            let everyone = grid.flatMap { $0 }
            for origin in cluster.nodes.indices {
                cluster.nodes[origin].io.emit("hello", .string("from-\(origin)"))
                for client in everyone {
                    let event = try await client.waitForEvent("hello")
                    #expect(event.arguments == [.string("from-\(origin)")], "\(client.label)")
                }
                // The origin ignores its own published copy: nobody gets a second one.
                try await cluster.barrier()
                cluster.expectDelivered("hello", exactlyTo: [])
            }
        }
    }

    @Test(arguments: AdapterMode.allCases)
    func roomBroadcastReachesOnlyMembers(mode: AdapterMode) async throws {
        try await withCluster(mode) { cluster in
            let grid = try await cluster.connectGrid(perNode: 2)
            let members = [grid[0][0], grid[1][1], grid[2][0]]
            for member in members { try await cluster.join(member, "red") }
            cluster.nodes[1].io.to("red").emit("color", "red")
            for member in members {
                #expect(try await member.waitForEvent("color").arguments == ["red"])
            }
            try await cluster.barrier()
            cluster.expectDelivered("color", exactlyTo: [])
            for outsider in [grid[0][1], grid[1][0], grid[2][1]] {
                #expect(outsider.receivedEvents("color").isEmpty, "\(outsider.label) is not in 'red'")
            }
        }
    }

    @Test(arguments: AdapterMode.allCases)
    func broadcastToSeveralRoomsReachesEachMemberOnce(mode: AdapterMode) async throws {
        try await withCluster(mode) { cluster in
            let grid = try await cluster.connectGrid(perNode: 2)
            try await cluster.join(grid[0][0], "r1")
            try await cluster.join(grid[1][0], "r2")
            try await cluster.join(grid[2][0], "r1", "r2")
            cluster.nodes[0].io.to("r1", "r2").emit("multi", 1)
            try await cluster.barrier()
            cluster.expectDelivered("multi", exactlyTo: [grid[0][0], grid[1][0], grid[2][0]], arguments: [1])
        }
    }

    @Test(arguments: AdapterMode.allCases)
    func exceptSkipsRoomMembersOnEveryNode(mode: AdapterMode) async throws {
        try await withCluster(mode) { cluster in
            let grid = try await cluster.connectGrid(perNode: 2)
            for node in grid.indices { try await cluster.join(grid[node][0], "muted") }
            try await cluster.join(grid[0][1], "news")
            try await cluster.join(grid[2][1], "news")
            try await cluster.join(grid[2][0], "news")

            cluster.nodes[2].io.except("muted").emit("all-but-muted")
            cluster.nodes[1].io.to("news").except("muted").emit("news-but-muted")
            try await cluster.barrier()
            try await cluster.barrier()
            cluster.expectDelivered("all-but-muted", exactlyTo: grid.map { $0[1] })
            cluster.expectDelivered("news-but-muted", exactlyTo: [grid[0][1], grid[2][1]])
        }
    }

    @Test(arguments: AdapterMode.allCases)
    func socketBroadcastReachesEveryoneButTheSender(mode: AdapterMode) async throws {
        try await withCluster(mode) { cluster in
            let grid = try await cluster.connectGrid(perNode: 2)
            let sender = grid[1][0]
            _ = try await sender.emitWithAck("broadcast", "shout", "hi")
            try await cluster.barrier()
            cluster.expectDelivered("shout", exactlyTo: grid.flatMap { $0 }.filter { $0 !== sender }, arguments: ["hi"])
        }
    }

    @Test(arguments: AdapterMode.allCases)
    func socketToRoomExcludesTheSender(mode: AdapterMode) async throws {
        try await withCluster(mode) { cluster in
            let grid = try await cluster.connectGrid(perNode: 1)
            for row in grid { try await cluster.join(row[0], "chat") }
            _ = try await grid[0][0].emitWithAck("to", "chat", "said", "hello")
            try await cluster.barrier()
            cluster.expectDelivered("said", exactlyTo: [grid[1][0], grid[2][0]], arguments: ["hello"])
        }
    }

    /// `io.to(<socket id>)` of a socket on another node (also what `SocketIORemoteSocket.emit` does).
    @Test(arguments: AdapterMode.allCases)
    func emitToOneSocketIDOnAnotherNode(mode: AdapterMode) async throws {
        try await withCluster(mode) { cluster in
            let grid = try await cluster.connectGrid(perNode: 2)
            let target = grid[2][1]
            cluster.nodes[0].io.to(target.socketID).emit("direct", "psst")
            let event = try await target.waitForEvent("direct", timeout: .seconds(2))
            #expect(event.arguments == ["psst"])
            try await cluster.barrier()
            cluster.expectDelivered("direct", exactlyTo: [])

            let remote = try await cluster.nodes[1].io.fetchSockets().first { $0.id == target.socketID }
            try #require(remote != nil)
            remote?.emit("remote-direct", 7)
            #expect(try await target.waitForEvent("remote-direct", timeout: .seconds(2)).arguments == [7])
        }
    }

    @Test(arguments: AdapterMode.allCases)
    func localFlagStaysOnTheEmittingNode(mode: AdapterMode) async throws {
        try await withCluster(mode) { cluster in
            let grid = try await cluster.connectGrid(perNode: 2)
            let tap = try await cluster.tap(mode.isSharded ? "socket.io#/#" : "socket.io#/#*", kind: mode.isSharded ? .sharded : .pattern)
            cluster.nodes[1].io.local.emit("local-only", "x")
            for client in grid[1] { try await client.waitForEvent("local-only") }
            for client in grid[0] + grid[2] { try await client.expectNoEvent("local-only", within: .milliseconds(200)) }
            try await cluster.barrier()
            cluster.expectDelivered("local-only", exactlyTo: [])
            // Nothing but the barrier itself was published.
            let published = tap.decoded()
            #expect(published.count == 1, "published: \(published)")
        }
    }

    @Test(arguments: AdapterMode.allCases)
    func binaryArgumentsSurviveTheTripBetweenNodes(mode: AdapterMode) async throws {
        try await withCluster(mode) { cluster in
            let grid = try await cluster.connectGrid(perNode: 1)
            let blob = SocketIOValue.binary(ByteBuffer(bytes: [0, 1, 2, 0xfe, 0xff]))
            let nested: SocketIOValue = ["label": "pic", "bytes": .binary(ByteBuffer(bytes: Array(0..<200))), "n": 3]

            cluster.nodes[0].io.emit("blob", blob, nested, "text")
            for client in grid.map({ $0[0] }) {
                let event = try await client.waitForEvent("blob")
                #expect(event.arguments == [blob, nested, "text"], "\(client.label)")
            }

            // From a client through its node to the others.
            _ = try await grid[1][0].emitWithAck("broadcast", "relayed", blob, nested)
            for client in [grid[0][0], grid[2][0]] {
                #expect(try await client.waitForEvent("relayed").arguments == [blob, nested], "\(client.label)")
            }

            // To one room (its own channel in the dynamic sharded modes).
            try await cluster.join(grid[2][0], "vault")
            cluster.nodes[1].io.to("vault").emit("in-vault", blob)
            #expect(try await grid[2][0].waitForEvent("in-vault").arguments == [blob])
            try await cluster.barrier()
            cluster.expectDelivered("in-vault", exactlyTo: [])
            cluster.expectDelivered("relayed", exactlyTo: [])
        }
    }
}
