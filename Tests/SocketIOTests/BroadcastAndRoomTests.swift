import NIOCore
import SocketIO
import SocketIOProtocol
import SocketIOTestSupport
import Testing

/// Broadcast operators, rooms and the server-side operations on the in-memory adapter.
@Suite(.serialized)
struct BroadcastAndRoomTests {
    /// Three clients: `a` in `r1`, `b` in `r1` and `r2`, `c` in none.
    private func withThreeClients(
        server io: SocketIOServer = makeServer(),
        _ body: (SocketIOServer, [TestSocketIOClient], [SocketIOSocket]) async throws -> Void
    ) async throws {
        try await TestServer.with(io) { server in
            var clients: [TestSocketIOClient] = []
            var sockets: [SocketIOSocket] = []
            for label in ["a", "b", "c"] {
                let client = try await server.connect(label)
                clients.append(client)
                sockets.append(try await server.socket(of: client))
            }
            #expect(sockets[0].join("r1"))
            #expect(sockets[1].join("r1", "r2"))
            try await body(io, clients, sockets)
        }
    }

    /// Who received `event`, once a marker sent to everyone after it has arrived (one connection keeps
    /// the server's order, so a client without the event by then never gets it).
    private func recipients(of event: String, _ io: SocketIOServer, _ clients: [TestSocketIOClient]) async throws -> [String] {
        let marker = "after-\(event)"
        io.emit(marker)
        for client in clients { try await client.waitForEvent(marker) }
        return clients.filter { !$0.receivedEvents(event).isEmpty }.map(\.label)
    }

    @Test func roomsAndExceptionsSelectTheRecipients() async throws {
        try await self.withThreeClients { io, clients, sockets async throws in
            io.to("r1").emit("to-r1")
            #expect(try await self.recipients(of: "to-r1", io, clients) == ["a", "b"])
            io.in("r2").emit("in-r2")
            #expect(try await self.recipients(of: "in-r2", io, clients) == ["b"])
            io.to("r1", "r2").emit("union")
            #expect(try await self.recipients(of: "union", io, clients) == ["a", "b"], "a socket in both rooms gets it once")
            #expect(clients[1].receivedEvents("union").count == 1)
            io.except("r1").emit("except-r1")
            #expect(try await self.recipients(of: "except-r1", io, clients) == ["c"])
            io.to("r1").except("r2").emit("r1-not-r2")
            #expect(try await self.recipients(of: "r1-not-r2", io, clients) == ["a"])
            io.to(sockets[2].id).emit("own-room")
            #expect(try await self.recipients(of: "own-room", io, clients) == ["c"])
            io.emit("everyone", "x")
            #expect(try await self.recipients(of: "everyone", io, clients) == ["a", "b", "c"])
            #expect(clients[2].receivedEvents("everyone").first?.arguments == ["x"])
        }
    }

    @Test func aConfirmedEmitReachesTheSameClientsAndRefusesReservedNames() async throws {
        try await self.withThreeClients { io, clients, _ async throws in
            try await io.to("r1").emitConfirmed("confirmed", 1)
            #expect(try await self.recipients(of: "confirmed", io, clients) == ["a", "b"])
            await #expect(throws: SocketIOError.reservedEventName("connect")) { try await io.to("r1").emitConfirmed("connect") }
        }
    }

    @Test func aSocketsBroadcastLeavesTheSenderOut() async throws {
        try await self.withThreeClients { io, clients, sockets async throws in
            sockets[0].broadcast.emit("from-a")
            #expect(try await self.recipients(of: "from-a", io, clients) == ["b", "c"])
            sockets[0].to("r1").emit("a-to-r1")
            #expect(try await self.recipients(of: "a-to-r1", io, clients) == ["b"])
            sockets[0].in("r2").emit("a-in-r2")
            #expect(try await self.recipients(of: "a-in-r2", io, clients) == ["b"])
            sockets[2].except("r2").emit("c-except-r2")
            #expect(try await self.recipients(of: "c-except-r2", io, clients) == ["a"])
        }
    }

    @Test func flagsKeepTheSelectionAndDeliverToReadyClients() async throws {
        try await self.withThreeClients { io, clients, sockets async throws in
            #expect(io.local.to("r2").emit("local"))
            #expect(try await self.recipients(of: "local", io, clients) == ["b"])
            io.volatile.except("r2").emit("volatile")
            #expect(try await self.recipients(of: "volatile", io, clients) == ["a", "c"])
            io.sockets.all.compress(false).to("r1").emit("uncompressed")
            #expect(try await self.recipients(of: "uncompressed", io, clients) == ["a", "b"])
            sockets[2].volatile.emit("volatile-direct")
            sockets[2].compress(false).emit("uncompressed-direct", 1)
            #expect(try await clients[2].waitForEvent("uncompressed-direct").arguments == [1])
            #expect(clients[2].receivedEvents("volatile-direct").count == 1)
        }
    }

    @Test func aBroadcastStaysInItsNamespace() async throws {
        let io = makeServer()
        _ = io.of("/other")
        try await TestServer.with(io) { server in
            let root = try await server.connect("root")
            let other = try await server.connect("other", namespace: "/other")
            io.emit("root-news")
            io.of("/other").emit("other-news")
            try await root.waitForEvent("root-news")
            try await other.waitForEvent("other-news")
            #expect(root.receivedEvents("other-news").isEmpty && other.receivedEvents("root-news").isEmpty)
        }
    }

    @Test func joinHonoursTheRoomLimitAndLeaveRemoves() async throws {
        let io = makeServer { $0.maxRoomsPerSocket = 2 }
        try await TestServer.with(io) { server in
            let client = try await server.connect("limited")
            let socket = try await server.socket(of: client)
            #expect(socket.rooms == [socket.id], "a socket is in its own room")
            #expect(socket.join("a", "b"))
            #expect(!socket.join("c"), "a third room is past the limit")
            #expect(!socket.join("c", "a"), "none of the rooms is joined when the set goes past the limit")
            #expect(socket.join("a"), "a room it is already in does not count twice")
            #expect(socket.rooms == [socket.id, "a", "b"])
            #expect(io.statistics.roomJoinsRefused.load(ordering: .relaxed) == 2)
            socket.leave("a")
            #expect(socket.rooms == [socket.id, "b"])
            #expect(socket.join("c"), "leaving made room")
            io.to("a").emit("to-a")
            io.to("c").emit("to-c")
            try await client.waitForEvent("to-c")
            #expect(client.receivedEvents("to-a").isEmpty)
        }
    }

    @Test func aSocketThatLeftCannotJoinAgain() async throws {
        let io = makeServer()
        let left = TestRecorder<Set<String>>()
        io.onConnection { socket in
            socket.join("before")
            socket.onDisconnecting { _ in left.append(socket.rooms) }
        }
        try await TestServer.with(io) { server in
            let client = try await server.connect("gone")
            let socket = try await server.socket(of: client)
            client.leaveNamespace()
            #expect(try await left.wait(forCount: 1) == [[socket.id, "before"]], "disconnecting still sees the rooms")
            try await TestWait.until("socket left") { socket.hasLeftNamespace && io.sockets.localSockets.isEmpty }
            #expect(!socket.join("late"))
            #expect(socket.rooms.isEmpty)
            #expect(try await io.in("late").fetchSockets().isEmpty)
            #expect(try await io.in("before").fetchSockets().isEmpty)
        }
    }

    @Test func fetchSocketsSnapshotsTheSelectionAndActsOnIt() async throws {
        try await self.withThreeClients { io, clients, sockets async throws in
            sockets[1].data = ["name": "bee"]
            let all = try await io.fetchSockets()
            #expect(Set(all.map(\.id)) == Set(sockets.map(\.id)))
            let inR2 = try await io.in("r2").fetchSockets()
            #expect(inR2.map(\.id) == [sockets[1].id])
            #expect(inR2.first?.rooms == [sockets[1].id, "r1", "r2"])
            #expect(inR2.first?.data == ["name": "bee"])
            #expect(Set(try await io.except("r1").fetchSockets().map(\.id)) == [sockets[2].id])
            let remote = try #require(inR2.first)
            remote.emit("remote-emit", 7)
            #expect(try await clients[1].waitForEvent("remote-emit").arguments == [7])
            remote.join("r9")
            try await TestWait.until("remote join") { sockets[1].rooms.contains("r9") }
            remote.leave("r9")
            try await TestWait.until("remote leave") { !sockets[1].rooms.contains("r9") }
        }
    }

    @Test func socketsJoinAndSocketsLeaveChangeTheSelectedSocketsRooms() async throws {
        try await self.withThreeClients { io, _, sockets in
            io.in("r1").socketsJoin("r3", "r4")
            try await TestWait.until("r1 joined r3") { sockets[0].rooms.contains("r3") && sockets[1].rooms.contains("r4") }
            #expect(!sockets[2].rooms.contains("r3"))
            io.socketsJoin("everyone")
            try await TestWait.until("all joined") { sockets.allSatisfy { $0.rooms.contains("everyone") } }
            io.except("r2").socketsLeave("r3")
            try await TestWait.until("a left r3") { !sockets[0].rooms.contains("r3") }
            #expect(sockets[1].rooms.contains("r3"))
            io.socketsLeave("r1")
            try await TestWait.until("nobody in r1") { sockets.allSatisfy { !$0.rooms.contains("r1") } }
            #expect(Set(try await io.in("everyone").fetchSockets().map(\.id)) == Set(sockets.map(\.id)))
        }
    }

    @Test func disconnectSocketsRemovesTheSelectionAndClosesOnlyWhenAsked() async throws {
        let io = makeServer()
        let reasons = TestRecorder<String>()
        io.onConnection { socket in socket.onDisconnect { reason in reasons.append("\(reason)") } }
        try await self.withThreeClients(server: io) { io, clients, sockets in
            io.in("r2").disconnectSockets()
            try await clients[1].waitForDisconnect()
            #expect(clients[1].receivedNamespaceDisconnect && !clients[1].isTransportClosed)
            io.except(sockets[0].id).disconnectSockets(close: true)
            try await clients[2].waitForTransportClose()
            #expect(try await reasons.wait(forCount: 2) == ["server namespace disconnect", "server namespace disconnect"])
            #expect(io.sockets.localSockets.map(\.id) == [sockets[0].id])
            #expect(!clients[0].isDisconnected)
        }
    }
}
