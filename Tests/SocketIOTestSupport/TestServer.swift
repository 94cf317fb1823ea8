import NIOCore
import SocketIO
import SocketIOProtocol

/// An in-process Socket.IO server on an ephemeral loopback port, for tests that drive it with
/// ``TestSocketIOClient``s.
package struct TestServer: Sendable {
    package let io: SocketIOServer
    package let listener: any Channel
    package let port: Int

    /// Starts `io` (a default server when nil) on `127.0.0.1`, an ephemeral port.
    package static func start(_ io: SocketIOServer = SocketIOServer()) async throws -> TestServer {
        let listener = try await io.listen(host: "127.0.0.1", port: 0)
        guard let port = listener.localAddress?.port else { throw TestWaitError.unexpected("listener without a port") }
        return TestServer(io: io, listener: listener, port: port)
    }

    /// A client joined to `namespace` with `auth`.
    package func connect(_ label: String, namespace: String = "/", auth: SocketIOValue? = nil) async throws -> TestSocketIOClient {
        try await TestSocketIOClient.connect(port: self.port, namespace: namespace, auth: auth, label: label)
    }

    /// The server-side socket of `client` in `namespace` (default the client's main one), once the
    /// server has registered it.
    package func socket(of client: TestSocketIOClient, in namespace: String? = nil) async throws -> SocketIOSocket {
        let namespace = namespace ?? client.namespace
        return try await TestWait.until("\(client.label): server socket in \(namespace)") {
            client.socketID(in: namespace).flatMap { self.io.of(namespace).localSocket(id: $0) }
        }
    }

    /// Shuts the server down (every connection closed, waited for), closes the listener, and waits
    /// until every socket has left and the loops ran what the closes queued: namespaces and
    /// connections hold their server unowned, so it must outlive its sockets' last callbacks (a
    /// socket of a dynamic child leaving after the server is released traps).
    package func stop() async {
        await self.io.shutdown(timeout: .seconds(2))
        try? await self.listener.close()
        _ = try? await TestWait.until("every socket gone", timeout: .seconds(2)) {
            self.io.allNamespaces.allSatisfy { $0.localSockets.isEmpty } ? true : nil
        }
        for loop in self.io.eventLoopGroup.makeIterator() { try? await loop.submit {}.get() }
    }
}

extension TestServer {
    /// Starts `io`, runs `body`, and stops the server whether `body` throws or not.
    package static func with(_ io: SocketIOServer = SocketIOServer(), _ body: (TestServer) async throws -> Void) async throws {
        let server = try await self.start(io)
        do {
            try await body(server)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }
}
