import ArgumentParser
import Logging
import NIOCore
import NIOPosix
import SocketIOProtocol
import SocketIORedis

/// Emits one event to the clients of a Socket.IO cluster through Redis, from outside any server
/// (an example of ``RedisEmitter``): `socketio-emit --redis redis://127.0.0.1:6379 --room news headline '"hello"'`.
@main
struct SocketIOEmit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "socketio-emit",
        abstract: "Emit an event to a Socket.IO cluster through Redis (classic, sharded or streams adapter format)."
    )

    @Option(help: "Redis URL: redis://host:port, redis-cluster://host:port,host:port or redis-sentinel://host:port,host:port/mastername.")
    var redis = "redis://127.0.0.1:6379"
    @Option(help: "Adapter protocol of the nodes: classic, sharded or streams (classic is refused on a Redis Cluster, where the default is sharded).") var adapter = "classic"
    @Option(name: .customLong("key-prefix"), help: "Redis channel prefix.") var keyPrefix = "socket.io"
    @Option(help: "Namespace.") var namespace = "/"
    @Option(help: "Target room (repeatable); every socket of the namespace when absent.") var room: [String] = []
    @Option(help: "Room to skip (repeatable).") var except: [String] = []
    @Option(name: .customLong("join"), help: "Instead of emitting, make the selected sockets join this room (repeatable).") var joinRooms: [String] = []
    @Flag(help: "Instead of emitting, disconnect the selected sockets.") var disconnect = false
    @Argument(help: "The event name.") var event: String?
    @Argument(help: "Arguments as JSON texts, e.g. '\"text\"' '{\"a\":1}'.") var arguments: [String] = []

    func validate() throws {
        let deployment = try RedisDeployment(self.redis)
        guard ["classic", "sharded", "streams"].contains(self.adapter) else { throw ValidationError("unknown --adapter '\(self.adapter)'") }
        if self.adapter == "classic", !deployment.supportsClassicPubSub, self.adapterWasGiven {
            throw ValidationError("\(RedisClusterError.classicModeUnsupported)")
        }
        if !self.disconnect && self.joinRooms.isEmpty && self.event == nil { throw ValidationError("an event name is required") }
        for argument in self.arguments where (try? JSONParser().parse(argument)) == nil {
            throw ValidationError("argument is not valid JSON: \(argument)")
        }
    }

    /// Whether `--adapter` was on the command line (on a Redis Cluster the default becomes sharded).
    private var adapterWasGiven: Bool { CommandLine.arguments.contains { $0 == "--adapter" || $0.hasPrefix("--adapter=") } }

    func run() async throws {
        let deployment = try RedisDeployment(self.redis)
        let driver = deployment.makeDriver(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: Logger(label: "socketio-emit"))
        driver.start()
        let deadline = ContinuousClock.now + .seconds(5)
        while driver.state != .connected {
            guard ContinuousClock.now < deadline else { throw ValidationError("Redis at \(self.redis) is not reachable") }
            try await Task.sleep(for: .milliseconds(20))
        }
        let format: RedisEmitter.Format
        switch self.adapter {
        case "streams": format = .streams
        case "sharded": format = .sharded
        default: format = deployment.supportsClassicPubSub ? .classic : .sharded
        }
        var emitter = RedisEmitter(driver: driver, keyPrefix: self.keyPrefix, namespace: self.namespace, format: format)
        for room in self.room { emitter = emitter.to(room) }
        for room in self.except { emitter = emitter.except(room) }
        if self.disconnect {
            emitter.disconnectSockets(close: false)
        } else if !self.joinRooms.isEmpty {
            for room in self.joinRooms { emitter.socketsJoin(room) }
        } else if let event {
            emitter.emit(event, arguments: try self.arguments.map { try JSONParser().parse($0) })
        }
        await driver.close(timeout: .seconds(2))
    }
}
