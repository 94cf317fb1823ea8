import ArgumentParser
import NIOCore

/// `idle`: memory per idle connection.
struct IdleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "idle",
        abstract: "Open N idle WebSocket clients (answering pings) and report the server's RSS per connection."
    )

    @OptionGroup var common: CommonOptions

    @Option(help: ArgumentHelp("Idle clients.", valueName: "n"))
    var clients = 1000

    @Option(help: ArgumentHelp("Seconds to wait after the last connect before reading RSS.", valueName: "seconds"))
    var settle = 2.0

    @Option(help: ArgumentHelp("Seconds to keep the clients open after reading RSS (watch for drops).", valueName: "seconds"))
    var hold = 0.0

    func validate() throws {
        guard (1...100_000).contains(self.clients) else { throw ValidationError("--clients must be 1...100000") }
        guard (0...600).contains(self.settle), (0...3600).contains(self.hold) else {
            throw ValidationError("--settle must be 0...600 and --hold 0...3600")
        }
    }

    func run() async throws {
        let pids = self.common.serverPIDs
        guard !pids.isEmpty else { throw ValidationError("idle needs --server-pid to read the server's RSS") }
        try await BenchContext.perform(self.common, sockets: self.clients) { context in
            try await self.measure(context, pids: pids)
        }
    }

    private func measure(_ context: BenchContext, pids: [Int32]) async throws -> BenchReport {
        let roles = try await context.perLoop { stats, _ in IdleRole(stats: stats) }
        let before = try pids.reduce(0) { $0 + (try ProcFS.residentBytes(pid: $1)) }
        let start = ProcessSample.take(pids: pids)
        context.progress("opening \(self.clients) idle clients (server RSS \(before / 1024) KB)")
        let targets = context.targets
        let batch = await ClientConnector.openMany(
            count: self.clients, concurrency: context.common.connectConcurrency, timeout: context.connectTimeout
        ) { index in
            let role = roles[index % roles.count]
            return ClientSpec(
                index: index, target: targets[index % targets.count], transport: .websocket,
                eventLoop: role.eventLoop, delegate: { role.value }, maxOutstandingAcks: 1, parser: context.common.parser
            )
        }
        let end = ProcessSample.take(pids: pids)
        context.progress("\(batch.clients.count) connected in \(Double(batch.elapsed) / 1e9) s; settling \(self.settle) s")
        try await context.resetStats()
        try await BenchContext.sleep(seconds: self.settle)
        let after = try pids.reduce(0) { $0 + (try ProcFS.residentBytes(pid: $1)) }
        try await BenchContext.sleep(seconds: self.hold)
        let during = try await context.snapshot()
        for role in roles { try await role.eventLoop.submit { role.value.closeAll() }.get() }

        let connections = batch.clients.count
        let rss = RSSFigures(
            beforeBytes: before, afterBytes: after, connections: connections,
            perConnectionBytes: MeasurementWindow.rounded(Double(after - before) / Double(max(1, connections)), 1),
            totalPerConnectionBytes: MeasurementWindow.rounded(Double(after) / Double(max(1, connections)), 1)
        )
        var stats = StatsSnapshot()
        stats.operations = connections
        stats.latency = batch.latency
        stats.errors = batch.failures + during.errors
        stats.errorSamples = Array((batch.failureReasons + during.errorSamples).prefix(5))
        let window = MeasurementWindow(stats: stats, start: start, end: end)
        let result = window.result(
            label: "\(connections) idle", operation: "connection", serverPIDs: pids,
            extra: ["rssPerConnectionKB": MeasurementWindow.rounded(rss.perConnectionBytes / 1024, 3)], serverRSS: rss
        )
        return context.report(
            scenario: "idle",
            parameters: ["clients": String(self.clients), "settle": String(self.settle), "hold": String(self.hold)],
            runs: [result]
        )
    }
}
