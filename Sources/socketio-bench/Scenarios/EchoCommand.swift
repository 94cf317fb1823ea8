import ArgumentParser
import NIOCore

/// `echo`: request/acknowledgement round trips over WebSocket.
struct EchoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "echo",
        abstract: "Request/ack round trips per second and their latency (WebSocket clients, `echo` handler)."
    )

    @OptionGroup var common: CommonOptions
    @OptionGroup var run: RunOptions
    @OptionGroup var load: EchoLoadOptions

    func run() async throws {
        try await EchoScenario.run(common: self.common, run: self.run, load: self.load, transport: .websocket)
    }
}

/// `polling`: the same round trips, over HTTP long-polling only.
struct PollingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "polling",
        abstract: "Request/ack throughput of polling-only clients (a long GET plus POSTs, two connections each)."
    )

    @OptionGroup var common: CommonOptions
    @OptionGroup var run: RunOptions
    @OptionGroup var load: EchoLoadOptions

    func validate() throws {
        guard self.common.parser == .default else {
            throw ValidationError("--parser msgpack: the polling client speaks the default parser only; use echo (WebSocket)")
        }
    }

    func run() async throws {
        try await EchoScenario.run(common: self.common, run: self.run, load: self.load, transport: .polling)
    }
}

/// The load of `echo` and `polling`.
struct EchoLoadOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Clients.", valueName: "n"))
    var clients = 50

    @Option(name: .customLong("in-flight"), help: ArgumentHelp("Requests outstanding per client.", valueName: "n"))
    var inFlight = 1

    @Option(name: .customLong("payload-size"), help: ArgumentHelp("Bytes of the string argument.", valueName: "bytes"))
    var payloadSize = 32

    func validate() throws {
        guard (1...100_000).contains(self.clients) else { throw ValidationError("--clients must be 1...100000") }
        guard (1...1024).contains(self.inFlight) else { throw ValidationError("--in-flight must be 1...1024") }
        guard (0...1_000_000).contains(self.payloadSize) else { throw ValidationError("--payload-size must be 0...1000000") }
    }
}

enum EchoScenario {
    static func run(common: CommonOptions, run: RunOptions, load: EchoLoadOptions, transport: TransportKind) async throws {
        try await BenchContext.perform(common, sockets: load.clients * (transport == .polling ? 2 : 1)) { context in
            try await Self.measure(context, run: run, load: load, transport: transport)
        }
    }

    private static func measure(_ context: BenchContext, run: RunOptions, load: EchoLoadOptions, transport: TransportKind) async throws -> BenchReport {
        let parser = context.common.parser
        let bodies = EventBodies(style: context.common.handlers, payloadSize: load.payloadSize, parser: parser)
        let inFlight = load.inFlight
        let roles = try await context.perLoop { stats, _ in
            EchoRole(stats: stats, bodies: bodies, inFlight: inFlight)
        }
        context.progress("opening \(load.clients) \(transport.rawValue) clients")
        let targets = context.targets
        let batch = await ClientConnector.openMany(
            count: load.clients, concurrency: context.common.connectConcurrency, timeout: context.connectTimeout
        ) { index in
            let role = roles[index % roles.count]
            return ClientSpec(
                index: index, target: targets[index % targets.count], transport: transport,
                eventLoop: role.eventLoop, delegate: { role.value }, maxOutstandingAcks: inFlight, parser: parser
            )
        }
        guard !batch.clients.isEmpty else {
            throw BenchError.notEnoughClients(connected: 0, wanted: load.clients, firstError: batch.failureReasons.first)
        }
        context.progress("\(batch.clients.count) connected; warming up \(run.warmup) s, measuring \(run.duration) s")
        for role in roles { try await role.eventLoop.submit { role.value.start() }.get() }
        try await BenchContext.sleep(seconds: run.warmup)
        let window = try await context.measure(seconds: run.duration)
        for role in roles { try await role.eventLoop.submit { role.value.stop() }.get() }
        try await BenchContext.sleep(seconds: 0.2)
        for role in roles { try await role.eventLoop.submit { role.value.closeAll() }.get() }

        var notes: [String] = []
        if batch.failures > 0 { notes.append("\(batch.failures) of \(load.clients) clients failed to connect") }
        let result = window.result(
            label: transport.rawValue, operation: "ack", serverPIDs: context.common.serverPIDs, notes: notes,
            extra: ["clients": Double(batch.clients.count), "connectSeconds": MeasurementWindow.rounded(Double(batch.elapsed) / 1e9, 3)]
        )
        return context.report(
            scenario: transport == .polling ? "polling" : "echo",
            parameters: [
                "clients": String(load.clients), "inFlight": String(load.inFlight),
                "payloadSize": String(load.payloadSize), "transport": transport.rawValue,
                "handlers": context.common.handlers.rawValue, "parser": parser.rawValue,
                "duration": String(run.duration), "warmup": String(run.warmup),
            ],
            runs: [result],
            setupFailures: batch.failures,
            setupErrorSamples: batch.failureReasons
        )
    }
}
