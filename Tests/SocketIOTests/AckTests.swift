import NIOCore
import SocketIO
import SocketIOProtocol
import SocketIOTestSupport
import Testing

/// Acknowledgements both ways: client→server (`event.ack`), server→client (`emitWithAck`, with its
/// timeouts and the socket leaving), and broadcasts with partial answers.
@Suite(.serialized)
struct AckTests {
    @Test func aClientAckIsAnsweredOnceWithEveryArgument() async throws {
        let io = makeServer()
        let withoutAck = TestRecorder<Bool>()
        io.onConnection { socket in
            socket.on("sum") { event in
                let total = event.arguments.compactMap(\.intValue).reduce(0, +)
                event.ack?("sum", .int(total))
                event.ack?("again")  // ignored: an ack is answered once
            }
            socket.on("plain") { event in withoutAck.append(event.ack == nil) }
        }
        try await TestServer.with(io) { server in
            let client = try await server.connect("acks")
            #expect(try await client.emitWithAck("sum", 1, 2, 3) == ["sum", 6])
            client.emit("plain")
            #expect(try await withoutAck.wait(forCount: 1) == [true])
            #expect(try await client.emitWithAck("sum") == ["sum", 0])
        }
    }

    @Test func theServerWaitsForTheClientsAckFirstArgumentOrAll() async throws {
        try await TestServer.with(makeServer()) { server in
            let client = try await server.connect("answering")
            client.respond(to: "question") { arguments in ["yes", .array(arguments)] }
            client.respond(to: "silent-ack") { _ in [] }
            let socket = try await server.socket(of: client)
            #expect(try await socket.emitWithAck("question", 1) == "yes")
            #expect(try await socket.emitWithAckArguments("question", "q") == ["yes", ["q"]])
            #expect(try await socket.timeout(.seconds(5)).emitWithAck("question") == "yes")
            #expect(try await socket.timeout(.seconds(5)).emitWithAckArguments("question", 2) == ["yes", [2]])
            #expect(try await socket.emitWithAck("silent-ack") == .null)
            #expect(socket.namespace.pendingAckCount == 0)
        }
    }

    @Test func anUnansweredEmitTimesOutWithTheEmitterOrConfiguredTimeout() async throws {
        let io = makeServer { $0.ackTimeout = .milliseconds(100) }
        try await TestServer.with(io) { server in
            let client = try await server.connect("mute")
            let socket = try await server.socket(of: client)
            await #expect(throws: SocketIOError.ackTimeout(partial: [])) { try await socket.timeout(.milliseconds(50)).emitWithAck("unanswered") }
            await #expect(throws: SocketIOError.ackTimeout(partial: [])) { try await socket.emitWithAck("unanswered") }
            #expect(client.receivedEvents("unanswered").count == 2, "the events were sent, with ack ids")
            #expect(client.receivedEvents("unanswered").allSatisfy { $0.ackID != nil })
            #expect(socket.namespace.pendingAckCount == 0)
        }
    }

    @Test func aPendingAckFailsWithDisconnectedWhenTheSocketLeaves() async throws {
        try await TestServer.with(makeServer()) { server in
            let client = try await server.connect("leaving")
            let socket = try await server.socket(of: client)
            let pending = Task { try await socket.timeout(.seconds(30)).emitWithAck("never-answered") }
            try await client.waitForEvent("never-answered")
            client.leaveNamespace()
            await #expect(throws: SocketIOError.disconnected) { try await pending.value }
            // Asking a socket that has left fails at once, the same way.
            await #expect(throws: SocketIOError.disconnected) { try await socket.emitWithAck("after") }
        }
    }

    /// Two clients of `/`: the first answers `vote` with "yes", the second with what `second` gives
    /// (nothing: it never answers).
    private func withVoters(
        second: TestSocketIOClient.AckResponder? = nil,
        _ body: (SocketIOServer, TestSocketIOClient, TestSocketIOClient) async throws -> Void
    ) async throws {
        let io = makeServer()
        try await TestServer.with(io) { server in
            let first = try await server.connect("first")
            let other = try await server.connect("second")
            first.respond(to: "vote") { _ in ["yes"] }
            if let second { other.respond(to: "vote", with: second) }
            try await body(io, first, other)
        }
    }

    @Test func aBroadcastCollectsOneAnswerPerClient() async throws {
        try await self.withVoters(second: { _ in ["no", "ignored second argument"] }) { io, _, _ in
            let answers = try await io.timeout(.seconds(5)).emitWithAck("vote")
            #expect(answers.sorted { $0.description < $1.description } == ["no", "yes"])
            let none = try await io.to("empty-room").timeout(.seconds(5)).emitWithAck("vote")
            #expect(none.isEmpty)
        }
    }

    @Test func aBroadcastTimeoutCarriesTheAnswersThatArrived() async throws {
        try await self.withVoters { io, _, _ in
            await #expect(throws: SocketIOError.ackTimeout(partial: ["yes"])) {
                try await io.timeout(.milliseconds(200)).emitWithAck("vote")
            }
        }
    }

    @Test func aBroadcastStopsWaitingForAClientThatLeaves() async throws {
        try await self.withVoters { io, _, leaving in
            let broadcast = Task { try await io.timeout(.seconds(5)).emitWithAck("vote") }
            try await leaving.waitForEvent("vote")
            await leaving.closeAndWait()
            #expect(try await broadcast.value == ["yes"])
        }
    }
}
