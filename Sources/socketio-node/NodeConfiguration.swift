import ArgumentParser
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import EngineIO
import Logging
import NIOCore
import SocketIOProtocol
import SocketIO
import SocketIOCluster

/// Everything the node runs with, resolved from flags, `SOCKETIO_*` variables and defaults (in that
/// order) and checked. Defaults equal the reference server's.
struct NodeConfiguration: Sendable {
    var host: String
    var port: Int
    var nodeID: String
    /// Where other nodes reach this one; nil when not given.
    var advertise: (host: String, port: Int)?
    /// nil: a single node on the in-memory adapter.
    var redis: RedisEndpoint?
    var adapterMode: RedisAdapterMode
    var keyPrefix: String
    /// Empty: no CORS headers. `*` allows any origin.
    var corsOrigins: [String]
    /// Refuse requests from origins outside `corsOrigins` (when it is not empty).
    var corsCheckOrigin: Bool
    var pingInterval: TimeAmount
    var pingTimeout: TimeAmount
    var maxHTTPBufferSize: Int
    /// WebSocket permessage-deflate; nil: off (the reference's default).
    var perMessageDeflate: EnginePerMessageDeflate?
    var connectTimeout: TimeAmount
    var logLevel: Logger.Level
    /// Event loop threads.
    var threads: Int
    var clientScriptPath: String?
    /// `--tls-cert` and `--tls-key`: PEM files; both or neither.
    var tlsCertificatePath: String?
    var tlsKeyPath: String?
    /// `--recovery`: connection state recovery's maxDisconnectionDuration; nil turns it off.
    var recovery: TimeAmount?
    var benchHandlers: Bool
    var shutdownTimeout: TimeAmount
    var shutdownDelay: TimeAmount
    /// Rooms a socket may be in besides its own.
    var maxRoomsPerSocket: Int
    /// How packets are written and read.
    var parser: SocketIOParser
    /// Where `/metrics` is served instead of `port`; nil: on `port`.
    var metricsPort: Int?
    /// The connection cap and the HTTP deadlines.
    var httpLimits: EngineHTTPLimits
    /// Settings that were accepted but do nothing, to log at startup.
    var warnings: [String] = []

    /// Resolves `options`, falling back to `environment`, then to the defaults.
    init(options: NodeOptions, environment: [String: String]) throws {
        let reader = SettingReader(environment: environment)
        self.host = try reader.read(.host, flag: options.host, default: "127.0.0.1", SettingParser.host)
        self.port = try reader.read(.port, flag: options.port, default: 3000, SettingParser.port)
        self.nodeID = try reader.read(.nodeID, flag: options.nodeID, default: Self.randomNodeID(), SettingParser.nodeID)
        self.advertise = try reader.read(.advertise, flag: options.advertise, default: nil) { try SettingParser.hostAndPort($0) }
        self.redis = try reader.read(.redis, flag: options.redis, default: nil) { try RedisEndpoint.parse($0) }
        let seeds = try reader.read(.redisCluster, flag: options.redisCluster.isEmpty ? nil : options.redisCluster.joined(separator: ","), default: nil) {
            try RedisEndpoint.parse("redis-cluster://" + $0)
        }
        if let seeds {
            guard self.redis == nil else { throw ValidationError("give --redis or --redis-cluster, not both") }
            self.redis = seeds
        }
        self.adapterMode = try reader.read(.adapter, flag: options.adapter, default: .classic, SettingParser.adapterMode)
        self.keyPrefix = try reader.read(.keyPrefix, flag: options.keyPrefix, default: "socket.io", SettingParser.keyPrefix)
        if options.corsOrigin.isEmpty {
            self.corsOrigins = try reader.read(.corsOrigin, flag: nil, default: [], SettingParser.origins)
        } else {
            self.corsOrigins = try options.corsOrigin.map { origin in
                try reader.read(.corsOrigin, flag: origin, default: origin, SettingParser.origin)
            }
        }
        self.corsCheckOrigin = try reader.read(
            .corsCheckOrigin,
            flag: options.corsCheckOrigin.map { $0 ? "true" : "false" },
            default: true,
            SettingParser.boolean
        )
        self.pingInterval = try reader.read(.pingInterval, flag: options.pingInterval, default: .milliseconds(25_000), SettingParser.milliseconds)
        self.pingTimeout = try reader.read(.pingTimeout, flag: options.pingTimeout, default: .milliseconds(20_000), SettingParser.milliseconds)
        self.maxHTTPBufferSize = try reader.read(.maxHTTPBufferSize, flag: options.maxHTTPBufferSize, default: 1_000_000) {
            try SettingParser.integer($0, in: 1...1_073_741_824)
        }
        let deflate = try reader.read(
            .perMessageDeflate,
            flag: options.perMessageDeflate.map { $0 ? "true" : "false" },
            default: false,
            SettingParser.boolean
        )
        let deflateThreshold = try reader.read(.perMessageDeflateThreshold, flag: options.perMessageDeflateThreshold, default: 1024) {
            try SettingParser.integer($0, in: 0...1_073_741_824)
        }
        self.perMessageDeflate = deflate ? EnginePerMessageDeflate(threshold: deflateThreshold) : nil
        self.connectTimeout = try reader.read(
            .connectTimeout,
            flag: options.connectTimeout,
            default: .milliseconds(45_000),
            SettingParser.milliseconds
        )
        self.logLevel = try reader.read(.logLevel, flag: options.logLevel, default: .info, SettingParser.logLevel)
        self.threads = try reader.read(.threads, flag: options.threads, default: System.coreCount) {
            try SettingParser.integer($0, in: 1...1024)
        }
        self.clientScriptPath = try reader.read(.clientScript, flag: options.clientScript, default: nil) { try SettingParser.path($0) }
        self.tlsCertificatePath = try reader.read(.tlsCert, flag: options.tlsCert, default: nil) { try SettingParser.path($0) }
        self.tlsKeyPath = try reader.read(.tlsKey, flag: options.tlsKey, default: nil) { try SettingParser.path($0) }
        self.recovery = try reader.read(.recovery, flag: options.recovery, default: nil) { try SettingParser.duration($0) }
        if (self.tlsCertificatePath == nil) != (self.tlsKeyPath == nil) {
            throw ValidationError("--tls-cert and --tls-key go together")
        }
        self.benchHandlers = try reader.read(
            .benchHandlers,
            flag: options.benchHandlers.map { $0 ? "true" : "false" },
            default: false,
            SettingParser.boolean
        )
        self.shutdownTimeout = try reader.read(.shutdownTimeout, flag: options.shutdownTimeout, default: .seconds(10)) {
            try SettingParser.duration($0)
        }
        self.shutdownDelay = try reader.read(.shutdownDelay, flag: options.shutdownDelay, default: .zero) {
            try SettingParser.duration($0, allowZero: true)
        }
        self.maxRoomsPerSocket = try reader.read(.maxRoomsPerSocket, flag: options.maxRoomsPerSocket, default: 1000) {
            try SettingParser.integer($0, in: 1...1_000_000)
        }
        self.parser = try reader.read(.parser, flag: options.parser, default: .default, SettingParser.parser)
        self.metricsPort = try reader.read(.metricsPort, flag: options.metricsPort, default: nil) { try SettingParser.port($0) }
        if let metricsPort = self.metricsPort, metricsPort == self.port {
            throw ValidationError("--metrics-port (\(metricsPort)) must differ from --port")
        }
        self.httpLimits = EngineHTTPLimits(
            headersTimeout: try reader.read(.headersTimeout, flag: options.headersTimeout, default: .seconds(60)) { try SettingParser.duration($0) },
            requestTimeout: try reader.read(.requestTimeout, flag: options.requestTimeout, default: .seconds(300)) { try SettingParser.duration($0) },
            keepAliveTimeout: try reader.read(.keepAliveTimeout, flag: options.keepAliveTimeout, default: .seconds(5)) { try SettingParser.duration($0) },
            maxConnections: try reader.read(.maxConnections, flag: options.maxConnections, default: Self.defaultMaxConnections()) {
                try SettingParser.integer($0, in: 1...10_000_000)
            }
        )
        guard self.shutdownDelay < self.shutdownTimeout else {
            throw ValidationError("--shutdown-delay (\(Self.format(self.shutdownDelay))) must be shorter than --shutdown-timeout (\(Self.format(self.shutdownTimeout)))")
        }
        if self.redis == nil {
            let redisOnly = [(NodeSetting.adapter, options.adapter), (.keyPrefix, options.keyPrefix)]
            for (setting, flag) in redisOnly where reader.raw(setting, flag: flag) != nil {
                self.warnings.append("\(setting.flag) has no effect without --redis (one node on the in-memory adapter)")
            }
        } else if self.tlsCertificatePath != nil {
            self.warnings.append(
                "--tls-cert with --redis: nodes forward other nodes' polling requests in plain HTTP to their advertised address, "
                    + "which a TLS port refuses; behind a balancer that routes by sid, or with TLS ended at the balancer, nothing is forwarded"
            )
        }
    }

    /// The address other nodes forward this node's sessions to: `--advertise`, else `host:port` (with
    /// the machine's host name when listening on every interface).
    var advertisedAddress: String {
        if let advertise = self.advertise { return "\(advertise.host):\(advertise.port)" }
        let host = ["0.0.0.0", "::", "[::]"].contains(self.host) ? Self.machineHostName() : self.host
        return "\(host):\(self.port)"
    }

    /// The Socket.IO server options these settings make, with `adapterFactory` for every namespace,
    /// session ids that carry this node's routing tag, and `forwarder` for other nodes' sessions.
    func serverConfiguration(adapterFactory: @escaping SocketIOAdapterFactory, forwarder: (any EngineRequestForwarder)? = nil) -> SocketIOServerConfiguration {
        var engine = EngineServerConfiguration(path: "/socket.io/")
        let tag = NodeRoutingTag(nodeID: self.nodeID).value
        engine.sessionIDGenerator = { SessionIDGenerator.make(prefix: tag) }
        engine.forwarder = forwarder
        engine.timing.pingInterval = self.pingInterval
        engine.timing.pingTimeout = self.pingTimeout
        engine.maxHTTPBufferSize = self.maxHTTPBufferSize
        engine.perMessageDeflate = self.perMessageDeflate
        let recovery = self.recovery.map { SocketIOConnectionStateRecovery(maxDisconnectionDuration: $0) }
        engine.httpLimits = self.httpLimits
        if !self.corsOrigins.isEmpty {
            engine.cors = EngineCORSPolicy(
                origins: self.corsOrigins.contains("*") ? .any : .list(self.corsOrigins),
                refusesOtherOrigins: self.corsCheckOrigin
            )
        }
        var configuration = SocketIOServerConfiguration(
            engine: engine,
            connectTimeout: self.connectTimeout,
            parser: self.parser,
            adapterFactory: adapterFactory,
            // Dynamic namespaces an application adds leave no namespace (or Redis subscription) behind.
            cleanupEmptyChildNamespaces: .seconds(5),
            maxRoomsPerSocket: self.maxRoomsPerSocket
        )
        configuration.connectionStateRecovery = recovery
        return configuration
    }

    /// The machine's host name (what other containers of a compose network reach it by).
    static func machineHostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The process's open-files limit less 256 descriptors for Redis, forwarding, logs and the
    /// listener, so the cap refuses a connection cleanly before `accept` fails; at least 1.
    static func defaultMaxConnections() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 10_000 }
        let soft = min(UInt64(limit.rlim_cur), 1_048_576)
        return Int(clamping: max(soft, 257) - 256)
    }

    /// 6 lowercase letters and digits.
    static func randomNodeID() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<6).map { _ in alphabet.randomElement(using: &generator)! })
    }

    /// `10s`, `250ms`.
    static func format(_ amount: TimeAmount) -> String {
        let milliseconds = amount.nanoseconds / 1_000_000
        return milliseconds % 1000 == 0 ? "\(milliseconds / 1000)s" : "\(milliseconds)ms"
    }
}
