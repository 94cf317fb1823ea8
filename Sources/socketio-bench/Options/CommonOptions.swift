import ArgumentParser
import SocketIOProtocol

/// Options every network scenario shares: where the servers are, what to sample, how to report.
struct CommonOptions: ParsableArguments {
    @Option(
        name: .customLong("url"),
        help: ArgumentHelp("Server URL on 127.0.0.1, repeatable (cluster-fanout: one per node).", valueName: "url")
    )
    var urls: [String] = ["http://127.0.0.1:3000"]

    @Option(help: ArgumentHelp("Engine.IO path when the URL has none.", valueName: "path"))
    var path = "/socket.io/"

    @Option(
        name: .customLong("server-pid"),
        help: ArgumentHelp("Server process to sample CPU (and RSS) from /proc, repeatable.", valueName: "pid")
    )
    var serverPIDs: [Int32] = []

    @Option(help: ArgumentHelp("Event loop threads of the bench (it shares the cores with the server).", valueName: "n"))
    var threads = 1

    @Option(
        name: .customLong("connect-concurrency"),
        help: ArgumentHelp("Connection attempts in flight while opening clients.", valueName: "n")
    )
    var connectConcurrency = 100

    @Option(
        name: .customLong("connect-timeout"),
        help: ArgumentHelp("Seconds a client has to get connected to /.", valueName: "seconds")
    )
    var connectTimeout = 10.0

    @Option(
        help: ArgumentHelp(
            "Server event handlers: bench (echo/join/broadcast/to-room, socketio-node --bench-handlers) or fixture (socketio-fixture's echo/join/emit-to).",
            valueName: "style"
        )
    )
    var handlers: HandlerStyle = .bench

    @Flag(help: "WebSocket clients offer permessage-deflate and, when the server accepts, compress messages of at least 1024 bytes and inflate compressed ones.")
    var deflate = false

    @Option(
        help: ArgumentHelp(
            "Packet format the server uses: default (socket.io-parser) or msgpack (socket.io-msgpack-parser; WebSocket clients only).",
            valueName: "name"
        )
    )
    var parser: SocketIOParser = .default

    @Option(help: ArgumentHelp("Write the JSON report to this file (- for stdout; the table then goes to stderr).", valueName: "path"))
    var json: String?

    @Flag(help: "No table and no progress lines.")
    var quiet = false

    /// The parsed URLs.
    func targets() throws -> [BenchTarget] {
        try self.urls.map {
            var target = try BenchTarget(parsing: $0, defaultPath: self.path)
            target.offersDeflate = self.deflate
            return target
        }
    }

    func validate() throws {
        guard (1...64).contains(self.threads) else { throw ValidationError("--threads must be 1...64") }
        guard self.connectConcurrency >= 1 else { throw ValidationError("--connect-concurrency must be at least 1") }
        guard self.connectTimeout > 0 else { throw ValidationError("--connect-timeout must be positive") }
        for pid in self.serverPIDs where !ProcFS.exists(pid: pid) {
            throw ValidationError("--server-pid \(pid): no such process (or /proc/\(pid)/stat unreadable)")
        }
        _ = try self.targets()
    }
}

/// How long a scenario measures.
struct RunOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Seconds of measurement per run.", valueName: "seconds"))
    var duration = 5.0

    @Option(help: ArgumentHelp("Seconds of load before each measurement starts.", valueName: "seconds"))
    var warmup = 1.0

    func validate() throws {
        guard self.duration > 0, self.duration <= 3600 else { throw ValidationError("--duration must be in (0, 3600]") }
        guard self.warmup >= 0, self.warmup <= 600 else { throw ValidationError("--warmup must be in [0, 600]") }
    }
}

/// `--parser default|msgpack`.
extension SocketIOParser: ExpressibleByArgument {}

/// Which server handlers the scenarios call.
enum HandlerStyle: String, ExpressibleByArgument, Sendable, CaseIterable {
    /// `echo`, `join`, `broadcast`, `to-room` (socketio-node `--bench-handlers`).
    case bench
    /// socketio-fixture: `echo`, `join`, and `emit-to` standing in for `broadcast` / `to-room`.
    case fixture
}
