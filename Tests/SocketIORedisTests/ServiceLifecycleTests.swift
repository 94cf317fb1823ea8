import Logging
import NIOConcurrencyHelpers
import NIOCore
import ServiceLifecycle
import SocketIO
import SocketIOTestSupport
import Testing

/// `SocketIOServer` as a swift-service-lifecycle `Service` in a `ServiceGroup`.
@Suite(.serialized)
struct ServiceLifecycleTests {
    @Test func theServerServesUntilGracefulShutdownThenDrainsItsClients() async throws {
        var configuration = SocketIOServerConfiguration()
        configuration.listenAddress = SocketIOListenAddress(host: "127.0.0.1", port: 0, shutdownTimeout: .seconds(5))
        let io = SocketIOServer(configuration: configuration)
        let reasons = ReasonLog()
        io.onConnection { socket in
            socket.on("echo") { event in event.ack?.send(event.arguments) }
            socket.onDisconnect { reason in reasons.append(reason.rawValue) }
        }
        let group = ServiceGroup(services: [io], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let deadline = ContinuousClock.now + .seconds(5)
            while io.localAddress == nil, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
            let port = try #require(io.localAddress?.port)
            let client = try await TestSocketIOClient.connect(port: port, label: "service")
            let answer = try await client.emitWithAck("echo", "hi")
            #expect(answer == ["hi"])

            await group.triggerGracefulShutdown()
            try await client.waitForTransportClose()
            try await tasks.waitForAll()
            #expect(reasons.all == ["server shutting down"])
            #expect(io.localAddress == nil)
            #expect(io.engine.sessionCount == 0)
        }
    }
}

/// Disconnect reasons seen, from any loop.
final class ReasonLog: Sendable {
    private let reasons = NIOLockedValueBox<[String]>([])
    func append(_ reason: String) { self.reasons.withLockedValue { $0.append(reason) } }
    var all: [String] { self.reasons.withLockedValue { $0 } }
}
