import NIOCore
import SocketIO
import SocketIOTestSupport
import Testing

/// Handlers belong to the socket's event loop; registering one from another thread is a misuse that
/// must not trap: the registration is carried to the loop and takes effect there.
@Suite(.serialized)
struct OffLoopRegistrationTests {
    @Test func aHandlerRegisteredFromAnotherThreadIsCarriedToTheLoop() async throws {
        let io = SocketIOServer()
        let listener = try await io.listen(host: "127.0.0.1", port: 0)
        let port = try #require(listener.localAddress?.port)
        let client = try await TestSocketIOClient.connect(port: port, label: "off-loop")
        let deadline = ContinuousClock.now + .seconds(5)
        while io.sockets.localSockets.isEmpty, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        let socket = try #require(io.sockets.localSockets.first)
        #expect(!socket.eventLoop.inEventLoop)
        socket.on("late") { event in event.ack?("registered off the loop") }
        socket.onDisconnect { _ in }
        // Everything submitted to the loop after the registration runs after it.
        try await socket.eventLoop.submit {}.get()
        let answer = try await client.emitWithAck("late")
        #expect(answer == ["registered off the loop"])
        await client.closeAndWait()
        io.close()
        try await listener.close()
    }
}
