import ArgumentParser
import EngineIO
import Logging
import NIOCore
import NIOPosix

/// An Engine.IO-only server that echoes every message back unchanged, for protocol conformance runs.
@main
struct EngineIOEcho: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engineio-echo",
        abstract: "Engine.IO v4 echo server (path /engine.io/ by default) for protocol conformance tests."
    )

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 3000
    @Option(help: "HTTP path of the Engine.IO endpoint.") var path = "/engine.io/"
    @Option(name: .customLong("ping-interval"), help: "Milliseconds between server pings.") var pingInterval = 25_000
    @Option(name: .customLong("ping-timeout"), help: "Milliseconds a client has to answer a ping.") var pingTimeout = 20_000
    @Option(name: .customLong("upgrade-timeout"), help: "Milliseconds a client has to complete an upgrade.") var upgradeTimeout = 10_000
    @Option(name: .customLong("max-payload"), help: "Largest POST body or WebSocket message, in bytes.") var maxPayload = 1_000_000
    @Option(help: "Enabled transports, comma separated (polling,websocket).") var transports = "polling,websocket"
    @Flag(name: .customLong("no-allow-upgrades"), help: "Do not let polling sessions upgrade to WebSocket.") var noAllowUpgrades = false
    @Option(name: .customLong("cors-origin"), help: "An allowed origin (repeatable); any origin when absent.") var corsOrigins: [String] = []
    @Flag(name: .customLong("cors-credentials"), help: "Send Access-Control-Allow-Credentials: true.") var corsCredentials = false
    @Flag(help: "Set the io cookie on handshake responses.") var cookie = false
    @Option(name: .customLong("compression-threshold"), help: "Compress polling responses of at least this many bytes.") var compressionThreshold = 1024
    @Flag(name: .customLong("per-message-deflate"), help: "Negotiate WebSocket permessage-deflate with clients that offer it.") var perMessageDeflate = false
    @Option(name: .customLong("per-message-deflate-threshold"), help: "With permessage-deflate, compress messages of at least this many bytes.") var perMessageDeflateThreshold = 1024
    @Option(name: .customLong("close-on"), help: "Close the session when a text message equals this text.") var closeOn: String?
    @Option(name: .customLong("reject-header"), help: "Refuse handshakes that carry this header (403 Forbidden).") var rejectHeader: String?
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.") var logLevel = "info"

    func validate() throws {
        guard (1...65535).contains(self.port) || self.port == 0 else { throw ValidationError("--port must be 0…65535") }
        guard self.pingInterval > 0, self.pingTimeout > 0, self.upgradeTimeout > 0 else {
            throw ValidationError("timeouts must be positive milliseconds")
        }
        guard self.maxPayload > 0 else { throw ValidationError("--max-payload must be positive") }
        for name in self.transports.split(separator: ",") where EngineServerConfiguration.TransportKind(rawValue: String(name)) == nil {
            throw ValidationError("unknown transport '\(name)' (use polling, websocket)")
        }
        guard Logger.Level(rawValue: self.logLevel) != nil else { throw ValidationError("unknown --log-level '\(self.logLevel)'") }
    }

    func run() async throws {
        var logger = Logger(label: "engineio-echo")
        logger.logLevel = Logger.Level(rawValue: self.logLevel) ?? .info
        let closeOn = self.closeOn
        let rejectHeader = self.rejectHeader
        let configuration = EngineServerConfiguration(
            path: self.path,
            timing: EngineSessionTiming(
                pingInterval: .milliseconds(Int64(self.pingInterval)),
                pingTimeout: .milliseconds(Int64(self.pingTimeout)),
                upgradeTimeout: .milliseconds(Int64(self.upgradeTimeout))
            ),
            maxHTTPBufferSize: self.maxPayload,
            transports: Set(self.transports.split(separator: ",").compactMap { .init(rawValue: String($0)) }),
            allowUpgrades: !self.noAllowUpgrades,
            cors: EngineCORSPolicy(
                origins: self.corsOrigins.isEmpty ? .any : .list(self.corsOrigins),
                allowCredentials: self.corsCredentials
            ),
            cookie: self.cookie ? EngineCookie() : nil,
            compressionThreshold: self.compressionThreshold,
            perMessageDeflate: self.perMessageDeflate ? EnginePerMessageDeflate(threshold: self.perMessageDeflateThreshold) : nil,
            allowRequest: rejectHeader.map(Self.refusing(header:))
        )
        let stats = StatsBox()
        let server = EngineServer(
            configuration: configuration,
            fallback: { request in
                guard request.method == .GET, request.path == "/stats" else { return .notFound }
                return EngineHTTPResponse(contentType: "application/json", body: "{\"sessions\":\(stats.sessionCount())}")
            },
            onConnection: { session in
                session.handler = EchoHandler(closeOn: closeOn)
            }
        )
        stats.sessionCount = { server.sessionCount }
        let channel = try await server.bind(host: self.host, port: self.port, group: MultiThreadedEventLoopGroup.singleton)
        logger.info("engineio-echo listening", metadata: ["address": "\(channel.localAddress.map { "\($0)" } ?? "?")"])
        try await channel.closeFuture.get()
    }
}

/// Late-bound access to the server's session count from the fallback responder.
extension EngineIOEcho {
    /// An allowRequest hook that refuses handshakes carrying `header`.
    static func refusing(header: String) -> EngineAllowRequest {
        { request in request.headers.contains(name: header) ? .deny(message: nil) : .allow }
    }
}

final class StatsBox: @unchecked Sendable {
    var sessionCount: @Sendable () -> Int = { 0 }
}

/// Echoes messages; closes the session on the configured text.
final class EchoHandler: EngineSessionHandler {
    let closeOn: String?

    init(closeOn: String?) {
        self.closeOn = closeOn
    }

    func engineSession(_ session: EngineSession, didReceive message: EngineMessage) {
        if case .text(let text) = message, text == self.closeOn {
            session.close()
            return
        }
        session.sendOnEventLoop(EngineFrame(message))
    }

    func engineSession(_ session: EngineSession, didCloseWith reason: EngineCloseReason) {}
}
