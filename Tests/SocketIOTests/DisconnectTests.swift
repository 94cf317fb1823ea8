import NIOCore
import SocketIO
import SocketIOProtocol
import SocketIOTestSupport
import Testing

/// Every way a socket leaves, with the reason (and description) its disconnect handlers get and what
/// the client sees.
@Suite(.serialized)
struct DisconnectTests {
    /// A server that records `reason|description` of every socket of `/` that leaves.
    private func recordingServer(
        _ configure: (inout SocketIOServerConfiguration) -> Void = { _ in }
    ) -> (SocketIOServer, TestRecorder<String>) {
        let io = makeServer(configure)
        let reasons = TestRecorder<String>()
        io.onConnection { socket in
            socket.onDisconnect { reason, description in reasons.append("\(reason)|\(description ?? "nil")") }
        }
        return (io, reasons)
    }

    @Test func aClientDisconnectPacketLeavesTheNamespaceOnly() async throws {
        let (io, reasons) = self.recordingServer()
        _ = io.of("/other")
        try await TestServer.with(io) { server in
            let client = try await server.connect("leaver")
            try await client.join("/other")
            client.leaveNamespace()
            #expect(try await reasons.wait(forCount: 1) == ["client namespace disconnect|nil"])
            #expect(io.sockets.localSockets.isEmpty)
            #expect(!client.isTransportClosed)
            #expect(io.of("/other").localSockets.count == 1, "the other namespace's socket stays")
        }
    }

    @Test func serverDisconnectSendsADisconnectPacketAndKeepsTheConnection() async throws {
        let (io, reasons) = self.recordingServer()
        try await TestServer.with(io) { server in
            let client = try await server.connect("kicked")
            let socket = try await server.socket(of: client)
            socket.disconnect()
            try await client.waitForDisconnect()
            #expect(client.receivedNamespaceDisconnect)
            #expect(try await reasons.wait(forCount: 1) == ["server namespace disconnect|nil"])
            try await TestWait.never(for: .milliseconds(50)) { client.isTransportClosed ? "connection closed" : nil }
            // The client may join again on the same connection.
            guard case .connected = try await client.join("/") else { Issue.record("not joined again"); return }
        }
    }

    @Test func disconnectWithCloseClosesTheConnection() async throws {
        let (io, reasons) = self.recordingServer()
        _ = io.of("/other")
        try await TestServer.with(io) { server in
            let client = try await server.connect("closed")
            try await client.join("/other")
            let socket = try await server.socket(of: client)
            socket.disconnect(close: true)
            try await client.waitForTransportClose()
            #expect(try await reasons.wait(forCount: 1) == ["server namespace disconnect|nil"])
            try await TestWait.until("every namespace empty") { io.of("/other").localSockets.isEmpty && io.sockets.localSockets.isEmpty }
        }
    }

    @Test func aClosedTransportIsATransportClose() async throws {
        let (io, reasons) = self.recordingServer()
        let disconnecting = TestRecorder<String>()
        io.onConnection { socket in socket.onDisconnecting { reason in disconnecting.append("\(reason) \(socket.rooms.count)") } }
        try await TestServer.with(io) { server in
            let client = try await server.connect("vanishing")
            await client.closeAndWait()
            #expect(try await reasons.wait(forCount: 1) == ["transport close|nil"])
            #expect(disconnecting.values == ["transport close 1"], "disconnecting runs first, still in its room")
        }
    }

    @Test func aWebSocketProtocolErrorIsATransportErrorWithItsDescription() async throws {
        let (io, reasons) = self.recordingServer()
        try await TestServer.with(io) { server in
            let client = try await server.connect("broken")
            client.sendUnmaskedFrame("42[\"x\"]")
            #expect(try await reasons.wait(forCount: 1) == ["transport error|websocket error"])
            try await client.waitForTransportClose()
        }
    }

    @Test func aClientThatStopsAnsweringPingsTimesOut() async throws {
        let (io, reasons) = self.recordingServer {
            $0.engine.timing.pingInterval = .milliseconds(100)
            $0.engine.timing.pingTimeout = .milliseconds(300)
        }
        try await TestServer.with(io) { server in
            let answering = try await server.connect("answering")
            let silent = try await server.connect("silent")
            // Both answer at first: pings alone keep the session.
            try await TestWait.until("two pings") { silent.pingsReceived >= 2 }
            #expect(reasons.values.isEmpty)
            silent.stopAnsweringPings()
            #expect(try await reasons.wait(forCount: 1) == ["ping timeout|nil"])
            try await silent.waitForTransportClose()
            #expect(!answering.isTransportClosed)
            #expect(io.sockets.localSockets.count == 1)
        }
    }

    @Test func shutdownDisconnectsEverySocketWithoutADisconnectPacket() async throws {
        let (io, reasons) = self.recordingServer()
        let listener = try await io.listen(host: "127.0.0.1", port: 0)
        let port = try #require(listener.localAddress?.port)
        let first = try await TestSocketIOClient.connect(port: port, label: "first")
        let second = try await TestSocketIOClient.connect(port: port, label: "second")
        await io.shutdown(timeout: .seconds(2))
        #expect(try await reasons.wait(forCount: 2) == ["server shutting down|nil", "server shutting down|nil"])
        try await first.waitForTransportClose()
        try await second.waitForTransportClose()
        #expect(!first.receivedNamespaceDisconnect && !second.receivedNamespaceDisconnect)
        #expect(io.engine.sessionCount == 0)
        try await listener.close()
    }
}
