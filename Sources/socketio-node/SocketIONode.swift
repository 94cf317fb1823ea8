import ArgumentParser
import EngineIO
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import SocketIO
import SocketIOCluster
import SocketIOTLS

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A Socket.IO cluster node: the demo chat, health and metrics endpoints, and graceful shutdown.
@main
struct SocketIONode: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "socketio-node",
        abstract: "A Socket.IO v4 server node, alone or in a Redis-backed cluster.",
        discussion: """
            Serves Socket.IO at /socket.io/, the demo chat at /, /healthz, /readyz and /metrics. \
            Every option can also be set with the SOCKETIO_* environment variable shown in its help; \
            a flag on the command line wins over the variable. SIGTERM or SIGINT shuts down gracefully.
            """
    )

    @OptionGroup var options: NodeOptions

    mutating func validate() throws {
        _ = try NodeConfiguration(options: self.options, environment: ProcessInfo.processInfo.environment)
    }

    func run() async throws {
        let configuration = try NodeConfiguration(options: self.options, environment: ProcessInfo.processInfo.environment)
        if self.options.printRoutingTag {
            print(NodeRoutingTag(nodeID: configuration.nodeID).value)
            return
        }
        LoggingSetup.bootstrap(level: configuration.logLevel, nodeID: configuration.nodeID)
        let logger = Logger(label: "socketio-node")
        for warning in configuration.warnings { logger.warning("\(warning)") }
        let clientScript = try configuration.clientScriptPath.map(Self.loadClientScript)
        let registry = MetricsRoutes.bootstrap()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: configuration.threads)

        let cluster = try await makeClusterAdapter(configuration: configuration, group: group, logger: logger)
        let readiness = NodeReadiness(redisState: cluster.redis?.state, redisLinks: cluster.redis?.links)
        let routes = NodeRoutesBox()
        var serverConfiguration = configuration.serverConfiguration(adapterFactory: cluster.factory, forwarder: cluster.forwarder)
        if let certificate = configuration.tlsCertificatePath, let key = configuration.tlsKeyPath {
            do {
                serverConfiguration.engine.tls = try EngineTLS.pemFiles(certificateChain: certificate, privateKey: key)
            } catch {
                throw NodeStartupError.tls("\(error)")
            }
        }
        let io = SocketIOServer(
            configuration: serverConfiguration,
            eventLoopGroup: group,
            fallback: { request in routes.respond(to: request) }
        )
        let collector = NodeMetricsCollector(
            io: io,
            readiness: readiness,
            redis: cluster.redis,
            nodeID: configuration.nodeID,
            adapterKind: cluster.kind
        )
        routes.set(
            NodeRoutes(
                demo: DemoPage(nodeID: configuration.nodeID, clientScript: clientScript),
                health: HealthRoutes(readiness: readiness, nodeID: configuration.nodeID),
                metrics: MetricsRoutes(registry: registry),
                collector: collector,
                metricsOnOwnPort: configuration.metricsPort != nil
            )
        )
        if let metricsPort = configuration.metricsPort {
            let listener = try await MetricsListener.bind(host: configuration.host, port: metricsPort, group: group, routes: routes)
            logger.info("metrics listening", metadata: ["address": "\(listener.localAddress.map { "\($0)" } ?? "\(metricsPort)")"])
        }
        ChatHandlers.install(on: io, nodeID: configuration.nodeID)
        if configuration.benchHandlers { BenchHandlers.install(on: io) }
        logger.info(
            "starting",
            metadata: [
                "adapter": "\(cluster.kind)",
                "redis": "\(configuration.redis.map { "\($0)" } ?? "none")",
                "advertise": "\(configuration.advertise.map { "\($0.host):\($0.port)" } ?? "none")",
                "bench_handlers": "\(configuration.benchHandlers)",
            ]
        )

        let service = NodeService(io: io, configuration: configuration, readiness: readiness, cluster: cluster, logger: logger)
        var groupConfiguration = ServiceGroupConfiguration(
            services: [service],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        groupConfiguration.maximumGracefulShutdownDuration = .nanoseconds(configuration.shutdownTimeout.nanoseconds)
        groupConfiguration.maximumCancellationDuration = .seconds(2)
        try await ServiceGroup(configuration: groupConfiguration).run()
    }

    /// The bytes of the local socket.io client, read once at startup.
    static func loadClientScript(_ path: String) throws -> ByteBuffer {
        let data: Data
        do {
            data = try Data(contentsOf: URL(filePath: path))
        } catch {
            throw ValidationError("cannot read --client-script '\(path)': \(error.localizedDescription)")
        }
        guard data.count <= 16 * 1_048_576 else {
            throw ValidationError("--client-script '\(path)' is larger than 16 MiB")
        }
        return ByteBuffer(bytes: data)
    }
}
