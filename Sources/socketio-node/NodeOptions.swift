import ArgumentParser

/// The command line as typed. Values stay strings here: ``NodeConfiguration`` parses flags and
/// `SOCKETIO_*` environment variables with the same code, so both give the same error wording.
struct NodeOptions: ParsableArguments {
    @Option(help: ArgumentHelp(NodeSetting.host.help("Address to listen on; containers use 0.0.0.0."), valueName: "address"))
    var host: String?

    @Option(help: ArgumentHelp(NodeSetting.port.help("TCP port to listen on."), valueName: "port"))
    var port: String?

    @Option(
        name: .customLong("node-id"),
        help: ArgumentHelp(NodeSetting.nodeID.help("This node's name in logs, metrics and the demo page."), valueName: "id")
    )
    var nodeID: String?

    @Option(
        help: ArgumentHelp(NodeSetting.advertise.help("Address other nodes reach this one at."), valueName: "host:port")
    )
    var advertise: String?

    @Option(
        help: ArgumentHelp(
            NodeSetting.redis.help(
                "Redis URL: redis://[user:password@]host[:port][/db], redis-cluster://[user:password@]host:port,host:port (Redis Cluster) or redis-sentinel://[user:password@]host:port,host:port/mastername[?sentinel-password=...]."
            ),
            valueName: "url"
        )
    )
    var redis: String?

    @Option(
        name: .customLong("redis-cluster"),
        help: ArgumentHelp(
            NodeSetting.redisCluster.help("A Redis Cluster seed node, repeatable (the same as --redis redis-cluster://host:port,...; the env variable takes a comma-separated list)."),
            valueName: "host:port"
        )
    )
    var redisCluster: [String] = []

    @Option(help: ArgumentHelp(NodeSetting.adapter.help("Redis adapter mode: classic, sharded or streams."), valueName: "mode"))
    var adapter: String?

    @Option(
        name: .customLong("key-prefix"),
        help: ArgumentHelp(NodeSetting.keyPrefix.help("Prefix of the Redis channels."), valueName: "prefix")
    )
    var keyPrefix: String?

    @Option(
        name: .customLong("cors-origin"),
        help: ArgumentHelp(
            NodeSetting.corsOrigin.help("Allowed browser origin, repeatable; * allows any. The variable takes a comma-separated list."),
            valueName: "origin"
        )
    )
    var corsOrigin: [String] = []

    @Option(
        name: .customLong("ping-interval"),
        help: ArgumentHelp(NodeSetting.pingInterval.help("Milliseconds between server pings."), valueName: "ms")
    )
    var pingInterval: String?

    @Option(
        name: .customLong("ping-timeout"),
        help: ArgumentHelp(NodeSetting.pingTimeout.help("Milliseconds a client has to answer a ping."), valueName: "ms")
    )
    var pingTimeout: String?

    @Option(
        name: .customLong("max-http-buffer-size"),
        help: ArgumentHelp(NodeSetting.maxHTTPBufferSize.help("Largest message or POST body accepted, in bytes."), valueName: "bytes")
    )
    var maxHTTPBufferSize: String?

    @Option(
        name: .customLong("connect-timeout"),
        help: ArgumentHelp(NodeSetting.connectTimeout.help("Milliseconds a client has to join a namespace."), valueName: "ms")
    )
    var connectTimeout: String?

    @Option(
        name: .customLong("log-level"),
        help: ArgumentHelp(
            NodeSetting.logLevel.help("trace, debug, info, notice, warning, error or critical."),
            valueName: "level"
        )
    )
    var logLevel: String?

    @Option(
        name: .customLong("threads"),
        help: ArgumentHelp(NodeSetting.threads.help("Event loop threads serving connections."), valueName: "n")
    )
    var threads: String?

    @Option(
        name: .customLong("client-script"),
        help: ArgumentHelp(
            NodeSetting.clientScript.help("Serve this local socket.io client at /socket.io.min.js and use it in the demo page."),
            valueName: "path"
        )
    )
    var clientScript: String?

    @Flag(
        name: .customLong("print-routing-tag"),
        help: "Print the routing tag the node id gives (the first 4 characters of its session ids, for load balancer rules) and exit."
    )
    var printRoutingTag = false

    @Flag(
        name: .customLong("per-message-deflate"),
        inversion: .prefixedNo,
        help: ArgumentHelp(NodeSetting.perMessageDeflate.help("Negotiate WebSocket permessage-deflate (RFC 7692) with clients that offer it."))
    )
    var perMessageDeflate: Bool?

    @Option(
        name: .customLong("per-message-deflate-threshold"),
        help: ArgumentHelp(
            NodeSetting.perMessageDeflateThreshold.help("With permessage-deflate, compress WebSocket messages of at least this many bytes."),
            valueName: "bytes"
        )
    )
    var perMessageDeflateThreshold: String?

    @Flag(
        name: .customLong("bench-handlers"),
        inversion: .prefixedNo,
        help: ArgumentHelp(NodeSetting.benchHandlers.help("Install the echo, join, broadcast and to-room handlers on / for socketio-bench."))
    )
    var benchHandlers: Bool?

    @Option(
        name: .customLong("shutdown-timeout"),
        help: ArgumentHelp(
            NodeSetting.shutdownTimeout.help("Longest graceful shutdown, e.g. 10s or 2500ms (a bare number is seconds)."),
            valueName: "duration"
        )
    )
    var shutdownTimeout: String?

    @Option(
        name: .customLong("shutdown-delay"),
        help: ArgumentHelp(
            NodeSetting.shutdownDelay.help(
                "On shutdown, answer /readyz with 503 this long before closing the listener, so balancers stop routing here first."
            ),
            valueName: "duration"
        )
    )
    var shutdownDelay: String?

    @Option(
        name: .customLong("max-connections"),
        help: ArgumentHelp(
            NodeSetting.maxConnections.help("Connections held open at once; one more is answered 503 and closed."),
            valueName: "n"
        )
    )
    var maxConnections: String?

    @Option(
        name: .customLong("headers-timeout"),
        help: ArgumentHelp(
            NodeSetting.headersTimeout.help("Longest time from a request's first byte to the end of its head; then 408 and close."),
            valueName: "duration"
        )
    )
    var headersTimeout: String?

    @Option(
        name: .customLong("request-timeout"),
        help: ArgumentHelp(
            NodeSetting.requestTimeout.help("Longest time from a request's first byte to the end of its body; then 408 and close."),
            valueName: "duration"
        )
    )
    var requestTimeout: String?

    @Option(
        name: .customLong("keep-alive-timeout"),
        help: ArgumentHelp(
            NodeSetting.keepAliveTimeout.help("Longest silence of a keep-alive connection between requests; then it is closed."),
            valueName: "duration"
        )
    )
    var keepAliveTimeout: String?

    @Flag(
        name: .customLong("cors-check-origin"),
        inversion: .prefixedNo,
        help: ArgumentHelp(
            NodeSetting.corsCheckOrigin.help(
                "With --cors-origin, refuse Socket.IO requests from other origins (403, code 4), WebSocket handshakes included."
            )
        )
    )
    var corsCheckOrigin: Bool?

    @Option(
        name: .customLong("recovery"),
        help: ArgumentHelp(
            NodeSetting.recovery.help(
                "Connection state recovery: a client that reconnects within this time (e.g. 2m) gets its id, rooms, data and missed events back (sessions are kept on the node they left; with --adapter streams, in Redis, so any node recovers them)."
            ),
            valueName: "duration"
        )
    )
    var recovery: String?

    @Option(
        name: .customLong("tls-cert"),
        help: ArgumentHelp(
            NodeSetting.tlsCert.help("Serve https and wss with this PEM certificate chain (with --tls-key); handshakes report secure: true."),
            valueName: "path"
        )
    )
    var tlsCert: String?

    @Option(
        name: .customLong("tls-key"),
        help: ArgumentHelp(NodeSetting.tlsKey.help("The PEM private key of --tls-cert."), valueName: "path")
    )
    var tlsKey: String?

    @Option(
        name: .customLong("metrics-port"),
        help: ArgumentHelp(
            NodeSetting.metricsPort.help("Serve /metrics (and /healthz, /readyz) on this port of --host instead of on --port."),
            valueName: "port"
        )
    )
    var metricsPort: String?

    @Option(
        name: .customLong("max-rooms-per-socket"),
        help: ArgumentHelp(
            NodeSetting.maxRoomsPerSocket.help("Rooms a socket may be in besides its own; a join past it is refused."),
            valueName: "n"
        )
    )
    var maxRoomsPerSocket: String?

    @Option(
        help: ArgumentHelp(
            NodeSetting.parser.help(
                "Packet format: default (socket.io-parser) or msgpack (socket.io-msgpack-parser); clients must use the same."
            ),
            valueName: "name"
        )
    )
    var parser: String?
}
