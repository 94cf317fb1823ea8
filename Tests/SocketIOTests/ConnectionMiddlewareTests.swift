import NIOCore
import SocketIO
import SocketIOProtocol
import SocketIOTestSupport
import Testing

/// Connection middlewares (`io.use`): refusals with message and data, errors of other types, the
/// connect timeout, and clients that join no namespace.
@Suite(.serialized)
struct ConnectionMiddlewareTests {
    @Test func aConnectErrorReachesTheClientWithItsMessageAndData() async throws {
        let io = makeServer()
        let connected = TestRecorder<String>()
        io.use { socket in
            guard socket.handshake.auth["token"] == "secret" else {
                throw SocketIOConnectError("not authorized", data: ["code": 401, "retry": false])
            }
        }
        io.onConnection { socket in connected.append(socket.id) }
        try await TestServer.with(io) { server in
            let refused = try await TestSocketIOClient.open(port: server.port, label: "refused")
            #expect(try await refused.join("/", auth: ["token": "guess"]) == .refused(["message": "not authorized", "data": ["code": 401, "retry": false]]))
            #expect(io.sockets.localSockets.isEmpty)
            // The same connection may try again.
            guard case .connected(let sid) = try await refused.join("/", auth: ["token": "secret"]) else { Issue.record("refused again"); return }
            #expect(try await connected.wait(forCount: 1) == [sid])
        }
    }

    @Test func aRefusalWithoutDataOmitsIt() async throws {
        let io = makeServer()
        io.use { _ in throw SocketIOConnectError("go away") }
        try await TestServer.with(io) { server in
            let client = try await TestSocketIOClient.open(port: server.port, label: "no-data")
            #expect(try await client.join("/") == .refused(["message": "go away"]))
        }
    }

    @Test func otherErrorsAreReportedAsAServerErrorWithoutTheirWords() async throws {
        let io = makeServer()
        io.use { _ in throw InternalFailure() }
        try await TestServer.with(io) { server in
            let client = try await TestSocketIOClient.open(port: server.port, label: "generic")
            #expect(try await client.join("/") == .refused(["message": "Server error"]))
        }
    }

    @Test func middlewaresRunInOrderBeforeTheConnectionHandlerAndSeeTheAuth() async throws {
        let io = makeServer()
        let order = TestRecorder<String>()
        io.use { socket in
            order.append("first \(socket.handshake.auth["user"] ?? .null)")
            try await Task.sleep(for: .milliseconds(10))
            socket.data = ["user": socket.handshake.auth["user"] ?? .null]
        }
        io.use { socket in order.append("second \(socket.data)") }
        io.onConnection { socket in order.append("connected \(socket.data)") }
        try await TestServer.with(io) { server in
            _ = try await server.connect("ordered", auth: ["user": "ada"])
            #expect(try await order.wait(forCount: 3) == ["first \"ada\"", "second {\"user\":\"ada\"}", "connected {\"user\":\"ada\"}"])
        }
    }

    @Test func aMiddlewareThatDoesNotFinishInTimeIsCancelledAndTheClientRefused() async throws {
        let io = makeServer { $0.connectTimeout = .milliseconds(500) }
        let cancelled = TestRecorder<Bool>()
        io.of("/slow").use { _ in
            do {
                try await Task.sleep(for: .seconds(30))
            } catch {
                cancelled.append(error is CancellationError)
                throw error
            }
        }
        try await TestServer.with(io) { server in
            // Joined to `/` first, so the connection's own connect timeout does not close it.
            let client = try await server.connect("slow")
            #expect(try await client.join("/slow") == .refused(["message": "Connection timed out"]))
            #expect(try await cancelled.wait(forCount: 1) == [true])
            #expect(io.of("/slow").localSockets.isEmpty)
            #expect(!client.isTransportClosed)
        }
    }

    @Test func aClientThatJoinsNoNamespaceInTimeIsClosed() async throws {
        let io = makeServer { $0.connectTimeout = .milliseconds(400) }
        try await TestServer.with(io) { server in
            let idle = try await TestSocketIOClient.open(port: server.port, label: "idle")
            let joined = try await server.connect("joined")
            try await idle.waitForTransportClose()
            // The one that joined in time stays.
            try await TestWait.never(for: .milliseconds(150)) { joined.isTransportClosed ? "joined client closed" : nil }
        }
    }
}
