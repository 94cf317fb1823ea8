import NIOCore
import SocketIO
import SocketIOProtocol
import SocketIOTestSupport
import Testing

@testable import SocketIORedis

/// Server-side operations that span the cluster: fetchSockets, socketsJoin/socketsLeave,
/// disconnectSockets, serverCount and allRooms, in every adapter mode.
@Suite(.serialized)
struct AdapterRoomOperationTests {
    @Test(arguments: AdapterMode.allCases)
    func fetchSocketsReturnsTheSocketsOfEveryNodeWithRoomsAndData(mode: AdapterMode) async throws {
        try await withCluster(mode) { cluster in
            let grid = try await cluster.connectGrid(perNode: 1)
            let clients = grid.map { $0[0] }
            try await cluster.join(clients[1], "blue")

            for origin in cluster.nodes.indices {
                let sockets = try await cluster.nodes[origin].io.fetchSockets()
                #expect(Set(sockets.map(\.id)) == Set(clients.map(\.socketID)), "from node \(origin)")
                #expect(sockets.count == 3)
                for (node, client) in clients.enumerated() {
                    let socket = try #require(sockets.first { $0.id == client.socketID })
                    #expect(socket.data == ["node": .int(node), "name": .string(client.label)])
                    #expect(socket.handshake.auth == ["name": .string(client.label)])
                    #expect(socket.handshake.url.hasPrefix("/socket.io/"))
                    let expectedRooms: Set<String> = node == 1 ? [client.socketID, "blue"] : [client.socketID]
                    #expect(socket.rooms == expectedRooms, "rooms of \(client.label) seen from node \(origin)")
                }
            }

            let blue = try await cluster.nodes[2].io.in("blue").fetchSockets()
            #expect(blue.map(\.id) == [clients[1].socketID])
            let notBlue = try await cluster.nodes[1].io.except("blue").fetchSockets()
            #expect(Set(notBlue.map(\.id)) == [clients[0].socketID, clients[2].socketID])
            let local = try await cluster.nodes[0].io.local.fetchSockets()
            #expect(local.map(\.id) == [clients[0].socketID])
        }
    }

    @Test(arguments: AdapterMode.allCases)
    func socketsJoinSpansNodes(mode: AdapterMode) async throws {
        try await withCluster(mode) { cluster in
            let clients = try await cluster.connectGrid(perNode: 1).map { $0[0] }

            cluster.nodes[0].io.socketsJoin("team")
            try await Self.waitForMembers(of: "team", clients, in: cluster)
            cluster.nodes[1].io.to("team").emit("team-msg", "go")
            try await cluster.barrier()
            cluster.expectDelivered("team-msg", exactlyTo: clients, arguments: ["go"])

            // Only the selected socket (a socket id on another node) joins.
            cluster.nodes[1].io.in(clients[2].socketID).socketsJoin("solo")
            try await Self.waitForMembers(of: "solo", [clients[2]], in: cluster)
            cluster.nodes[0].io.to("solo").emit("solo-msg")
            try await cluster.barrier()
            cluster.expectDelivered("solo-msg", exactlyTo: [clients[2]])
        }
    }

    @Test(arguments: AdapterMode.allCases)
    func socketsLeaveSpansNodes(mode: AdapterMode) async throws {
        try await withCluster(mode) { cluster in
            let clients = try await cluster.connectGrid(perNode: 1).map { $0[0] }
            for client in clients { try await cluster.join(client, "team", "keep") }

            // Everyone but clients[1] leaves "team", from a node that is not theirs.
            cluster.nodes[2].io.in("team").except(clients[1].socketID).socketsLeave("team")
            try await Self.waitForMembers(of: "team", [clients[1]], in: cluster)
            cluster.nodes[0].io.to("team").emit("still-team")
            try await cluster.barrier()
            cluster.expectDelivered("still-team", exactlyTo: [clients[1]])

            cluster.nodes[0].io.socketsLeave("team")
            try await Self.waitForMembers(of: "team", [], in: cluster)
            cluster.nodes[1].io.to("team").emit("ghost")
            try await cluster.barrier()
            cluster.expectDelivered("ghost", exactlyTo: [])

            // Other rooms are untouched.
            cluster.nodes[2].io.to("keep").emit("kept")
            try await cluster.barrier()
            cluster.expectDelivered("kept", exactlyTo: clients)
        }
    }

    @Test(arguments: AdapterMode.allCases)
    func disconnectSocketsSpansNodes(mode: AdapterMode) async throws {
        try await withCluster(mode) { cluster in
            let grid = try await cluster.connectGrid(perNode: 2)
            try await cluster.join(grid[1][0], "kick")
            try await cluster.join(grid[2][1], "kick")

            cluster.nodes[0].io.in("kick").disconnectSockets()
            for kicked in [grid[1][0], grid[2][1]] {
                try await kicked.waitForDisconnect()
                #expect(kicked.receivedNamespaceDisconnect, "\(kicked.label) gets a DISCONNECT packet")
            }
            let remaining = [grid[0][0], grid[0][1], grid[1][1], grid[2][0]]
            for client in remaining {
                #expect(!client.isDisconnected, "\(client.label) was not selected")
            }
            try await TestWait.until("fetchSockets without the kicked sockets") {
                try await Set(cluster.nodes[0].io.fetchSockets().map(\.id)) == Set(remaining.map(\.socketID))
            }

            // close: true closes the connections themselves, on every node.
            cluster.nodes[2].io.disconnectSockets(close: true)
            for client in remaining { try await client.waitForTransportClose() }
        }
    }

    /// The operations of a fetched socket (`SocketIORemoteSocket`) reach it on its own node.
    @Test(arguments: AdapterMode.allCases)
    func remoteSocketOperationsReachTheSocketsNode(mode: AdapterMode) async throws {
        try await withCluster(mode) { cluster in
            let clients = try await cluster.connectGrid(perNode: 1).map { $0[0] }
            let fetched = try await cluster.nodes[0].io.fetchSockets()
            let remote = try #require(fetched.first { $0.id == clients[2].socketID })

            remote.join("picked")
            try await Self.waitForMembers(of: "picked", [clients[2]], in: cluster)
            remote.leave("picked")
            try await Self.waitForMembers(of: "picked", [], in: cluster)
            remote.emit("just-you", "hi")
            try await cluster.barrier()
            cluster.expectDelivered("just-you", exactlyTo: [clients[2]], arguments: ["hi"])

            remote.disconnect()
            try await clients[2].waitForDisconnect()
            #expect(clients[2].receivedNamespaceDisconnect)
            #expect(!clients[0].isDisconnected && !clients[1].isDisconnected)
        }
    }

    @Test(arguments: AdapterMode.allCases)
    func serverCountCountsEveryNode(mode: AdapterMode) async throws {
        try await withCluster(mode) { cluster in
            for node in cluster.nodes {
                let count = try await node.adapter.serverCount()
                #expect(count == 3)
            }
        }
    }

    /// The classic protocol has ALL_ROOMS; the sharded one has no such request.
    @Test
    func allRoomsSpansNodesInClassicMode() async throws {
        try await withCluster(.classic) { cluster in
            let clients = try await cluster.connectGrid(perNode: 1).map { $0[0] }
            try await cluster.join(clients[0], "a")
            try await cluster.join(clients[2], "b", "c")
            let rooms = try await cluster.nodes[1].adapter.allRooms()
            #expect(rooms == Set(["a", "b", "c"] + clients.map(\.socketID)))
        }
    }

    /// Waits until fetchSockets of `room` (asked from every node) is exactly `members`, and the room
    /// channels are settled.
    static func waitForMembers(of room: String, _ members: [TestSocketIOClient], in cluster: TestCluster) async throws {
        let expected = Set(members.map(\.socketID))
        try await TestWait.until("members of '\(room)' = \(members.map(\.label))") {
            for node in cluster.nodes {
                let ids = try await Set(node.io.in(room).fetchSockets().map(\.id))
                if ids != expected { return false }
            }
            return true
        }
        try await cluster.settle()
    }
}
