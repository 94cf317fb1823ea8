import NIOCore
import SocketIO
import XCTest

/// The chat server of the README, kept here so it keeps compiling and serving as the API changes.
final class ReadmeChatExampleTests: XCTestCase {
    struct ChatMessage: Codable, Sendable {
        var room: String
        var text: String
    }

    /// The README's code, minus `listen`.
    static func makeChatServer() -> SocketIOServer {
        let io = SocketIOServer()
        io.onConnection { socket in
            socket.on("join", String.self) { room, ack in
                socket.join(room)
                socket.to(room).emit("joined", socket.id)
                ack?(true)
            }
            socket.on("chat", ChatMessage.self) { message, _ in
                io.to(message.room).emit("chat", socket.id, message)  // everyone in the room, sender included
            }
            socket.on("who", String.self) { (room: String, ack: SocketIOAck?) async throws in
                let members = try await io.in(room).fetchSockets()  // every node of the cluster
                ack?(members.map(\.id))
            }
            socket.onError { error in
                print("\(socket.id): \(error)")  // e.g. a payload that did not decode
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
