import NIOCore
import SocketIO
import SocketIOProtocol
import SocketIOTestSupport
import Testing

/// Static namespaces, dynamic parents and the removal of their empty children, over a real client.
@Suite(.serialized)
struct NamespaceTests {
    @Test func staticNamespacesShareAConnectionAndKeepTheirEventsApart() async throws {
        let io = makeServer()
        let heard = TestRecorder<String>()
        io.onConnection { socket in socket.on("where") { event in heard.append("/"); event.ack?("/") } }
        io.of("admin").onConnection { socket in socket.on("where") { event in heard.append(socket.namespace.name); event.ack?("admin") } }
        #expect(io.of("admin") === io.of("/admin"))
        try await TestServer.with(io) { server in
            let client = try await server.connect("multi")
            let answer = try await client.join("/admin")
            guard case .connected(let adminSID) = answer else { Issue.record("refused: \(answer)"); return }
            #expect(adminSID != client.socketID, "each namespace has its own socket id")
            #expect(try await client.emitWithAck("where", arguments: [], namespace: "/admin") == ["admin"])
            #expect(try await client.emitWithAck("where", arguments: []) == ["/"])
            #expect(heard.values == ["/admin", "/"])
            #expect(io.of("/admin").localSockets.map(\.id) == [adminSID])
            io.of("/admin").emit("news", "for admins")
            io.emit("news", "for everyone")
            #expect(try await client.waitForEvent("news", namespace: "/admin").arguments == ["for admins"])
            #expect(try await client.waitForEvent("news", namespace: "/").arguments == ["for everyone"])
        }
    }

    @Test func anUnknownNamespaceIsRefusedAndTheConnectionStays() async throws {
        let io = makeServer()
        try await TestServer.with(io) { server in
            let client = try await server.connect("unknown")
            #expect(try await client.join("/nope") == .refused(["message": "Invalid namespace"]))
            #expect(!io.allNamespaces.contains { $0.name == "/nope" }, "a refused name creates no namespace")
            #expect(io.statistics.connectErrors.load(ordering: .relaxed) == 1)
            #expect(!client.isTransportClosed)
        }
    }

    @Test func aDynamicParentCreatesChildrenItsPredicateAcceptsWithItsHandlers() async throws {
        let io = makeServer()
        let parent = io.of { name, auth in name.hasPrefix("/team-") && auth["key"] == "k" }
        let joined = TestRecorder<String>()
        parent.use { socket in socket.data = ["checked": true] }
        parent.onConnection { socket in
            joined.append("\(socket.namespace.name) \(socket.data)")
            socket.on("hello") { event in event.ack?(.string(socket.namespace.name)) }
        }
        try await TestServer.with(io) { server in
            let client = try await server.connect("dynamic")
            #expect(try await client.join("/team-a", auth: ["key": "wrong"]) == .refused(["message": "Invalid namespace"]))
            #expect(try await client.join("/other", auth: ["key": "k"]) == .refused(["message": "Invalid namespace"]))
            guard case .connected = try await client.join("/team-a", auth: ["key": "k"]) else { Issue.record("not joined"); return }
            #expect(try await joined.wait(forCount: 1) == ["/team-a {\"checked\":true}"])
            #expect(parent.children.map(\.name) == ["/team-a"])
            #expect(try await client.emitWithAck("hello", arguments: [], namespace: "/team-a") == ["/team-a"])
            parent.emit("all-teams", 1)
            #expect(try await client.waitForEvent("all-teams", namespace: "/team-a").arguments == [1])
            // A second client reaches the same child.
            let other = try await TestSocketIOClient.connect(port: server.port, namespace: "/team-a", auth: ["key": "k"], label: "second")
            #expect(parent.children.count == 1)
            #expect(io.of("/team-a").localSockets.count == 2)
            await other.closeAndWait()
        }
    }

    @Test func emptyChildrenAreRemovedAfterTheDelayAndComeBackOnTheNextConnect() async throws {
        let io = makeServer { $0.cleanupEmptyChildNamespaces = .milliseconds(50) }
        let parent = io.of { name, _ in name.hasPrefix("/room-") }
        try await TestServer.with(io) { server in
            let leaver = try await server.connect("leaver")
            let stayer = try await server.connect("stayer")
            try await leaver.join("/room-empty")
            try await stayer.join("/room-busy")
            #expect(Set(parent.children.map(\.name)) == ["/room-empty", "/room-busy"])
            leaver.leaveNamespace("/room-empty")
            try await TestWait.until("/room-empty removed") { !io.allNamespaces.contains { $0.name == "/room-empty" } }
            #expect(parent.children.map(\.name) == ["/room-busy"], "a child with a socket stays")
            #expect(io.statistics.childNamespacesRemoved.load(ordering: .relaxed) == 1)
            // Created again on demand.
            guard case .connected = try await leaver.join("/room-empty") else { Issue.record("not joined again"); return }
            #expect(Set(parent.children.map(\.name)) == ["/room-empty", "/room-busy"])
        }
    }

    @Test func withoutTheCleanupOptionEmptyChildrenStay() async throws {
        let io = makeServer()
        let parent = io.of { name, _ in name.hasPrefix("/keep-") }
        try await TestServer.with(io) { server in
            let client = try await server.connect("keeper")
            try await client.join("/keep-1")
            client.leaveNamespace("/keep-1")
            try await TestWait.until("socket gone") { io.of("/keep-1").localSockets.isEmpty }
            try await TestWait.never(for: .milliseconds(150)) {
                parent.children.map(\.name) == ["/keep-1"] ? nil : "child removed: \(parent.children.map(\.name))"
            }
        }
    }
}
