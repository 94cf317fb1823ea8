import NIOCore
import SocketIO
import SocketIOProtocol
import SocketIOTestSupport
import Testing

/// What runs for an incoming event and in which order: catch-all listeners, packet middlewares (sync
/// and async), named listeners (`once`, `off`); outgoing listeners; reserved names; the typed API.
@Suite(.serialized)
struct SocketListenerTests {
    /// A server whose sockets get `setUp`, one connected client and its server-side socket.
    private func withClient(
        server io: SocketIOServer = makeServer(),
        _ setUp: @escaping @Sendable (SocketIOSocket) -> Void,
        _ body: (SocketIOServer, SocketIOSocket, TestSocketIOClient) async throws -> Void
    ) async throws {
        io.onConnection { socket in setUp(socket) }
        try await TestServer.with(io) { server in
            let client = try await server.connect("listener")
            try await body(io, try await server.socket(of: client), client)
        }
    }

    @Test func catchAllListenersRunBeforeMiddlewaresAndNamedListenersLast() async throws {
        let order = TestRecorder<String>()
        try await self.withClient({ socket in
            socket.on("step") { event in order.append("on"); event.ack?(true) }
            socket.use { _ in order.append("use") }
            socket.onAny { event in order.append("any \(event.name)") }
            socket.prependAny { _ in order.append("prepended") }
        }) { _, _, client in
            _ = try await client.emitWithAck("step")
            #expect(order.values == ["prepended", "any step", "use", "on"])
        }
    }

    @Test func aThrowingMiddlewareDropsTheEventReportsTheErrorAndLetsOthersThrough() async throws {
        let heard = TestRecorder<String>()
        let errors = TestRecorder<String>()
        try await self.withClient({ socket in
            socket.use { event in
                if event.name == "forbidden" { throw SocketIOConnectError("no \(event.name)") }
            }
            socket.onAny { event in heard.append("any \(event.name)") }
            socket.on("forbidden") { _ in heard.append("forbidden") }
            socket.on("allowed") { event in heard.append("allowed"); event.ack?() }
            socket.onError { error in errors.append((error as? SocketIOConnectError)?.message ?? "\(error)") }
        }) { _, _, client in
            client.emit("forbidden")
            _ = try await client.emitWithAck("allowed")
            #expect(heard.values == ["any forbidden", "any allowed", "allowed"])
            #expect(errors.values == ["no forbidden"])
        }
    }

    @Test func anAsynchronousMiddlewareGatesListenersInOrder() async throws {
        let heard = TestRecorder<String>()
        let errors = TestRecorder<String>()
        try await self.withClient({ socket in
            socket.use { (event: SocketIOEvent) async throws in
                try await Task.sleep(for: .milliseconds(event.name == "slow" ? 30 : 1))
                if event.name == "refused" { throw SocketIOConnectError("refused asynchronously") }
            }
            socket.on("slow") { _ in heard.append("slow") }
            socket.on("refused") { _ in heard.append("refused") }
            socket.on("fast") { event in heard.append("fast"); event.ack?() }
            socket.onError { error in errors.append((error as? SocketIOConnectError)?.message ?? "\(error)") }
        }) { _, _, client in
            client.emit("slow")
            client.emit("refused")
            _ = try await client.emitWithAck("fast")
            #expect(heard.values == ["slow", "fast"], "the slow event is not overtaken, the refused one never heard")
            #expect(try await errors.wait(forCount: 1) == ["refused asynchronously"])
        }
    }

    @Test func asyncListenersStillRunningAfterTheDrainTimeoutAreCancelledAndTheRestDropped() async throws {
        let seen = TestRecorder<String>()
        let server = makeServer { $0.asyncListenerDrainTimeout = .milliseconds(100) }
        try await self.withClient(server: server, { socket in
            socket.on("hang") { (event: SocketIOEvent) async throws in
                seen.append("started \(event[0]?.intValue ?? -1)")
                do {
                    try await Task.sleep(for: .seconds(3600))
                } catch is CancellationError {
                    seen.append("cancelled")
                    throw CancellationError()
                }
            }
        }) { _, _, client in
            client.emit("hang", 1)
            client.emit("hang", 2)
            #expect(try await seen.wait(forCount: 1) == ["started 1"])
            await client.closeAndWait()
            #expect(try await seen.wait(forCount: 2, "the cancellation") == ["started 1", "cancelled"])
            try await Task.sleep(for: .milliseconds(200))
            #expect(seen.values == ["started 1", "cancelled"], "the second invocation was dropped, not started")
        }
    }

    @Test func onceRunsForOneEventAndOffRemovesTheListenersOfAnEvent() async throws {
        let heard = TestRecorder<String>()
        try await self.withClient({ socket in
            socket.once("tick") { _ in heard.append("once") }
            socket.on("tick") { event in heard.append("on"); event.ack?() }
            socket.on("muted") { _ in heard.append("muted") }
            socket.on("mute") { event in socket.off("muted"); event.ack?() }
            socket.on("probe") { event in event.ack?() }
        }) { _, _, client in
            _ = try await client.emitWithAck("tick")
            _ = try await client.emitWithAck("tick")
            #expect(heard.values == ["once", "on", "on"])
            _ = try await client.emitWithAck("mute")
            client.emit("muted")
            _ = try await client.emitWithAck("probe")
            #expect(heard.values == ["once", "on", "on"], "no listener of an event that was turned off runs")
        }
    }

    @Test func outgoingListenersSeeEmitsAndBroadcastsButNotAcks() async throws {
        let outgoing = TestRecorder<String>()
        try await self.withClient({ socket in
            socket.onAnyOutgoing { name, arguments in outgoing.append("\(name)\(SocketIOValue.array(arguments))") }
            socket.prependAnyOutgoing { name, _ in outgoing.append("first \(name)") }
            socket.on("ask") { event in event.ack?("answer") }
        }) { io, socket, client in
            socket.emit("direct", 1)
            io.emit("broadcast", "b")
            _ = try await client.emitWithAck("ask")
            try await client.waitForEvent("broadcast")
            #expect(outgoing.values == ["first direct", "direct[1]", "first broadcast", "broadcast[\"b\"]"])
        }
    }

    @Test func reservedEventNamesAreNotEmitted() async throws {
        try await self.withClient({ _ in }) { io, socket, client in
            for name in ["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"] {
                #expect(socket.emit(name) == false, "\(name)")
                #expect(io.emit(name) == false, "\(name)")
                #expect(io.to(socket.id).emit(name) == false, "\(name)")
                await #expect(throws: SocketIOError.reservedEventName(name)) { try await socket.emitWithAck(name) }
            }
            #expect(socket.emit("ordinary") == true)
            try await client.waitForEvent("ordinary")
            #expect(client.receivedEvents("connect").isEmpty && client.receivedEvents("disconnect").isEmpty)
        }
    }

    struct Point: Codable, Equatable, Sendable {
        var x: Int
        var y: Int
    }

    @Test func typedListenersDecodeTypedEmitsEncodeAndDecodeErrorsReachOnError() async throws {
        let points = TestRecorder<Point>()
        let errors = TestRecorder<String>()
        try await self.withClient({ socket in
            socket.on("point", Point.self) { point, ack in
                points.append(point)
                _ = ack?(Point(x: point.y, y: point.x))
            }
            socket.onError { error in
                if let error = error as? SocketIODecodingError { errors.append(error.event) }
            }
        }) { _, socket, client in
            let swapped = try await client.emitWithAck("point", ["x": 1, "y": 2])
            #expect(swapped == [["x": 2, "y": 1]])
            client.emit("point", ["x": "one"])
            client.emit("point")
            let failedEvents = try await errors.wait(forCount: 2)
            #expect(failedEvents == ["point", "point"])
            #expect(points.values == [Point(x: 1, y: 2)])
            let sent: Bool = socket.emit("typed", Point(x: 3, y: 4), "and more")
            #expect(sent)
            let typed = try await client.waitForEvent("typed")
            #expect(typed.arguments == [["x": 3, "y": 4], "and more"])
        }
    }
}
