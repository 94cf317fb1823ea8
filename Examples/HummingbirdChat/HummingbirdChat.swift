import ArgumentParser
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import SocketIO
import SocketIOHummingbird

/// A Hummingbird 2 application with its own routes and a Socket.IO chat, both on one port: the
/// router answers `GET /` and `GET /health`, and Socket.IO is mounted at `/socket.io/` with
/// `HTTPServerBuilder.socketIO(_:)`. On SIGTERM or SIGINT `SocketIOShutdownService` drains Socket.IO
/// (WebSockets close with 1001, held polls get a `noop`) before the application stops.
@main
struct HummingbirdChat: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hummingbird-chat-example",
        abstract: "A Hummingbird application serving its routes and a Socket.IO chat on one port."
    )

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 8080

    func validate() throws {
        guard (0...65535).contains(self.port) else { throw ValidationError("--port must be 0…65535") }
    }

    func run() async throws {
        let io = SocketIOServer()
        ChatEvents.install(on: io)

        let router = Router()
        router.get("/health") { _, _ in "ok" }
        router.get("/") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/html; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: ChatEvents.page))
            )
        }

        let logger = Logger(label: "hummingbird-chat-example")
        let app = Application(
            router: router,
            server: .socketIO(io),
            configuration: .init(address: .hostname(self.host, port: self.port), serverName: "hummingbird-chat-example"),
            logger: logger
        )
        // On SIGTERM/SIGINT Socket.IO drains first (services stop in reverse order), then the application.
        let services = ServiceGroup(
            configuration: .init(
                services: [app, SocketIOShutdownService(io, timeout: .seconds(3))],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await services.run()
    }
}
