import ArgumentParser
import NIOCore

/// `fanout`: receivers in one room, one publisher.
struct FanoutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fanout",
        abstract: "Delivered messages/s and latency of room broadcasts to N WebSocket clients, at fixed rates and at the maximum."
    )

    @OptionGroup var common: CommonOptions
    @OptionGroup var run: RunOptions
    @OptionGroup var load: FanoutLoadOptions

    func run() async throws {
        try await FanoutScenario.run(common: self.common, run: self.run, load: self.load, cluster: nil)
    }
}

/// `cluster-fanout`: the same across nodes, through the cluster adapter.
struct ClusterFanoutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster-fanout",
        abstract: "fanout with receivers spread over several nodes (--url per node) and the publisher on one."
    )

    @OptionGroup var common: CommonOptions
    @OptionGroup var run: RunOptions
    @OptionGroup var load: FanoutLoadOptions
    @OptionGroup var cluster: ClusterOptions

    func validate() throws {
        guard self.common.urls.count >= 2 else { throw ValidationError("cluster-fanout needs --url for at least two nodes") }
        guard self.cluster.publisherNode < self.common.urls.count else { throw ValidationError("--publisher-node is not a --url index") }
    }

    func run() async throws {
        try await FanoutScenario.run(common: self.common, run: self.run, load: self.load, cluster: self.cluster)
    }
}

/// The load of the fan-out scenarios.
struct FanoutLoadOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Receiving clients.", valueName: "n"))
    var clients = 1000

    @Option(name: .customLong("payload-size"), help: ArgumentHelp("Bytes of the string argument (16 of them are the timestamp).", valueName: "bytes"))
    var payloadSize = 32

    @Option(
        name: .customLong("in-flight"),
        help: ArgumentHelp("Broadcasts in flight at the maximum rate (emitted, not yet delivered to all / acknowledged).", valueName: "n")
    )
    var inFlight = 32

    @Option(
        name: .customLong("rate"),
        help: ArgumentHelp("Broadcasts per second, or max; repeatable, one run each.", valueName: "n|max")
    )
    var rates: [String] = ["max"]

    @Option(help: ArgumentHelp("Room the receivers join.", valueName: "name"))
    var room = "bench-room"

    @Flag(help: "Broadcast to the whole namespace (`broadcast` handler) instead of the room (`to-room`).")
    var namespace = false

    @Option(
        name: .customLong("max-lag"),
        help: ArgumentHelp("Fixed rate: skip broadcasts while deliveries lag this many broadcasts behind.", valueName: "n")
    )
    var maxLag = 2000

    /// The parsed rates (nil = max).
    func parsedRates() throws -> [Double?] {
        try self.rates.map { text in
            if text == "max" { return nil }
            guard let rate = Double(text), rate > 0, rate <= 10_000_000 else {
                throw ValidationError("--rate \(text): expected a positive number or max")
            }
            return rate
        }
    }

    func validate() throws {
        guard (1...100_000).contains(self.clients) else { throw ValidationError("--clients must be 1...100000") }
        guard (16...1_000_000).contains(self.payloadSize) else { throw ValidationError("--payload-size must be 16...1000000") }
        guard (1...4096).contains(self.inFlight) else { throw ValidationError("--in-flight must be 1...4096") }
        guard self.maxLag >= 1 else { throw ValidationError("--max-lag must be positive") }
        guard !self.rates.isEmpty else { throw ValidationError("give at least one --rate") }
        _ = try self.parsedRates()
    }
}

/// Options of `cluster-fanout` only.
struct ClusterOptions: ParsableArguments {
    @Option(name: .customLong("publisher-node"), help: ArgumentHelp("Index of the --url the publisher connects to.", valueName: "i"))
    var publisherNode = 0

    @Option(
        help: ArgumentHelp("Redis host:port to count PUBLISH/SPUBLISH calls per broadcast (INFO commandstats).", valueName: "host:port")
    )
    var redis: String?

    /// Host and port of ``redis``.
    func redisAddress() throws -> (host: String, port: Int)? {
        guard let redis else { return nil }
        let target = try BenchTarget(parsing: redis.hasPrefix("redis://") ? String(redis.dropFirst(8)) : redis, defaultPath: "/")
        return (target.host, target.port)
    }
}
