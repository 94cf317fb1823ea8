import ArgumentParser
import EngineIO
import Logging
import NIOCore
import SocketIO
import SocketIOProtocol

/// A Socket.IO server for protocol conformance runs: echoes events on `/` and `/custom`.
@main
struct SocketIOEcho: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "socketio-echo",
        abstract: "Socket.IO v5 echo server (path /socket.io/) for protocol conformance tests."
    )

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 3000
    @Option(name: .customLong("ping-interval"), help: "Milliseconds between server pings.") var pingInterval = 25_000
    @Option(name: .customLong("ping-timeout"), help: "Milliseconds a client has to answer a ping.") var pingTimeout = 20_000
    @Option(name: .customLong("connect-timeout"), help: "Milliseconds a client has to join a namespace.") var connectTimeout = 45_000
    @Option(help: "Packet format: default (socket.io-parser) or msgpack (socket.io-msgpack-parser).") var parser = SocketIOParser.default

    @Flag(name: .customLong("per-message-deflate"), help: "Negotiate WebSocket permessage-deflate with clients that offer it.") var perMessageDeflate = false
    @Option(name: .customLong("per-message-deflate-threshold"), help: "With permessage-deflate, compress messages of at least this many bytes.") var perMessageDeflateThreshold = 1024

    func validate() throws {
        guard (0...65535).contains(self.port) else { throw ValidationError("--port must be 0…65535") }
        guard self.pingInterval > 0, self.pingTimeout > 0, self.connectTimeout > 0 else {
            throw ValidationError("timeouts must be positive milliseconds")
        }
    }

    func run() async throws {
        let logger = Logger(label: "socketio-echo")
        var configuration = SocketIOServerConfiguration()
        configuration.engine.timing.pingInterval = .milliseconds(Int64(self.pingInterval))
        configuration.engine.timing.pingTimeout = .milliseconds(Int64(self.pingTimeout))
        configuration.engine.cors = EngineCORSPolicy(origins: .any, allowCredentials: true)
        configuration.connectTimeout = .milliseconds(Int64(self.connectTimeout))
        if self.perMessageDeflate {
            configuration.engine.perMessageDeflate = EnginePerMessageDeflate(threshold: self.perMessageDeflateThreshold)
        }
        configuration.parser = self.parser
        let io = SocketIOServer(configuration: configuration)
        for name in ["/", "/custom"] {
            io.of(name).onConnection { socket in
                socket.emit("auth", socket.handshake.auth)
                socket.on("message") { event in
                    socket.emit("message-back", arguments: event.arguments)
                }
                socket.on("message-with-ack") { event in
                    event.ack?.send(event.arguments)
                }
            }
        }
        let channel = try await io.listen(host: self.host, port: self.port)
        logger.info("socketio-echo listening", metadata: ["address": "\(channel.localAddress.map { "\($0)" } ?? "?")"])
        try await channel.closeFuture.get()
    }
}

/// `--parser default|msgpack`.
extension SocketIOParser: ExpressibleByArgument {}
