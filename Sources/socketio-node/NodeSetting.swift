/// One setting of the node: its command-line flag, its environment variable and the default the
/// help shows. The flag wins over the environment variable; an empty environment variable counts as
/// unset (so `SOCKETIO_REDIS=` in a compose file means "no Redis").
enum NodeSetting: String, CaseIterable, Sendable {
    case host
    case port
    case nodeID = "node-id"
    case advertise
    case redis
    case redisCluster = "redis-cluster"
    case adapter
    case keyPrefix = "key-prefix"
    case corsOrigin = "cors-origin"
    case pingInterval = "ping-interval"
    case pingTimeout = "ping-timeout"
    case maxHTTPBufferSize = "max-http-buffer-size"
    case connectTimeout = "connect-timeout"
    case logLevel = "log-level"
    case threads
    case clientScript = "client-script"
    case benchHandlers = "bench-handlers"
    case shutdownTimeout = "shutdown-timeout"
    case shutdownDelay = "shutdown-delay"
    case maxConnections = "max-connections"
    case headersTimeout = "headers-timeout"
    case requestTimeout = "request-timeout"
    case keepAliveTimeout = "keep-alive-timeout"
    case corsCheckOrigin = "cors-check-origin"
    case metricsPort = "metrics-port"
    case maxRoomsPerSocket = "max-rooms-per-socket"
    case perMessageDeflate = "per-message-deflate"
    case perMessageDeflateThreshold = "per-message-deflate-threshold"
    case parser
    case tlsCert = "tls-cert"
    case recovery
    case tlsKey = "tls-key"

    /// `--port`.
    var flag: String { "--" + self.rawValue }

    /// `SOCKETIO_PORT`.
    var environmentVariable: String {
        "SOCKETIO_" + String(self.rawValue.uppercased().map { $0 == "-" ? "_" : $0 })
    }

    /// The default as the help shows it.
    var defaultDescription: String {
        switch self {
        case .host: return "127.0.0.1"
        case .port: return "3000"
        case .nodeID: return "6 random characters"
        case .advertise: return "none"
        case .redis: return "none: one node on the in-memory adapter"
        case .redisCluster: return "none"
        case .adapter: return "classic"
        case .keyPrefix: return "socket.io"
        case .corsOrigin: return "none: no CORS headers"
        case .pingInterval: return "25000"
        case .pingTimeout: return "20000"
        case .maxHTTPBufferSize: return "1000000"
        case .connectTimeout: return "45000"
        case .logLevel: return "info"
        case .threads: return "one per core"
        case .clientScript: return "none: the page loads socket.io 4.8.1 from cdn.socket.io"
        case .benchHandlers: return "off"
        case .shutdownTimeout: return "10s"
        case .shutdownDelay: return "0s"
        case .maxConnections: return "the open-files limit minus 256"
        case .headersTimeout: return "60s"
        case .requestTimeout: return "300s"
        case .keepAliveTimeout: return "5s"
        case .corsCheckOrigin: return "on"
        case .metricsPort: return "none: /metrics on --port"
        case .maxRoomsPerSocket: return "1000"
        case .perMessageDeflate: return "off"
        case .perMessageDeflateThreshold: return "1024"
        case .parser: return "default"
        case .tlsCert: return "none: plain HTTP"
        case .recovery: return "off"
        case .tlsKey: return "none"
        }
    }

    /// Help text: what the setting does, then its environment variable and default.
    func help(_ abstract: String) -> String {
        "\(abstract) (env \(self.environmentVariable); default \(self.defaultDescription))"
    }
}
