import NIOCore
import SocketIO
import XCTest

/// The chat server of the README, kept here so it keeps compiling and serving as the API changes.
final class ReadmeChatExampleTests: XCTestCase {
    /// The README's code, minus `listen`.
    static func makeChatServer() -> SocketIOServer {
        let io = SocketIOServer()
        io.onConnection { socket in
            socket.on("join") { event in
                guard let room = event[0]?.stringValue else { return }
                socket.join(room)
                socket.to(room).emit("joined", .string(socket.id))
                event.ack?(true)
            }
            socket.on("chat") { event in
                guard let room = event[0]?.stringValue, let text = event[1] else { return }
                io.to(room).emit("chat", .string(socket.id), text)  // everyone in the room, sender included
            }
            socket.onDisconnect { reason in
                print("\(socket.id) left: \(reason)")
            }
        }
        return io
    }

    func testTheChatExampleServesSocketIO() async throws {
        let io = Self.makeChatServer()
        let channel = try await io.listen(host: "127.0.0.1", port: 0)
        let port = try XCTUnwrap(channel.localAddress?.port)
        XCTAssertGreaterThan(port, 0)
        XCTAssertEqual(io.sockets.name, "/")
        XCTAssertEqual(io.engine.sessionCount, 0)
        await io.shutdown(timeout: .seconds(1))
        try await channel.close()
    }
}
