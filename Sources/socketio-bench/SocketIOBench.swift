import ArgumentParser

/// `socketio-bench`: a load generator speaking Engine.IO v4 / Socket.IO v5 to any Socket.IO v4 server on
/// this machine, with the server's CPU per operation beside every throughput figure.
@main
struct SocketIOBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "socketio-bench",
        abstract: "Load generator and micro-benchmarks for Socket.IO v4 servers on 127.0.0.1.",
        discussion: """
            Network scenarios drive the server's bench handlers on / (socketio-node --bench-handlers):
            echo (...args, ack), join (room, ack), broadcast (...args, ack), to-room (room, ...args, ack).
            --handlers fixture maps them onto socketio-fixture's echo/join/emit-to instead.
            Pass --server-pid to report the server's CPU time per operation (from /proc/PID/stat).
            """,
        subcommands: [
            FanoutCommand.self, ClusterFanoutCommand.self, EchoCommand.self, ConnectCommand.self,
            IdleCommand.self, PollingCommand.self, StormCommand.self, CodecCommand.self,
        ]
    )
}
