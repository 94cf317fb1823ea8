import ArgumentParser
import NIOCore

/// `connect`: handshakes per second.
struct ConnectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connect",
        abstract: "Socket.IO handshakes per second (TCP connect to CONNECT answer, then Engine.IO close), per transport."
    )

    @OptionGroup var common: CommonOptions
    @OptionGroup var run: RunOptions

    @Option(name: .customLong("transport"), help: ArgumentHelp("websocket or polling; repeatable, one run each.", valueName: "name"))
    var transports: [String] = ["websocket", "polling"]

    @Option(help: ArgumentHelp("Handshakes in progress at once.", valueName: "n"))
    var concurrency = 32

    func validate() throws {
        guard (1...5000).contains(self.concurrency) else { throw ValidationError("--concurrency must be 1...5000") }
        for name in self.transports where TransportKind(rawValue: name) == nil {
            throw ValidationError("--transport \(name): expected websocket or polling")
        }
        if self.common.parser == .msgpack, self.transports.contains("polling") {
            throw ValidationError("--parser msgpack: the polling client speaks the default parser only; pass --transport websocket")
        }
    }

    func run() async throws {
        try await BenchContext.perform(self.common, sockets: self.concurrency * 2) { context in
            var runs: [RunResult] = []
            for transport in self.transports.compactMap(TransportKind.init(rawValue:)) {
                runs.append(try await self.measure(context, transport: transport))
            }
            return context.report(
                scenario: "connect",
                parameters: [
                    "concurrency": String(self.concurrency), "transports": self.transports.joined(separator: ","),
                    "duration": String(self.run.duration), "warmup": String(self.run.warmup),
                ],
                runs: runs
            )
        }
    }

    private func measure(_ context: BenchContext, transport: TransportKind) async throws -> RunResult {
        context.progress("\(transport.rawValue): \(self.concurrency) lanes, warming up \(self.run.warmup) s, measuring \(self.run.duration) s")
        let targets = context.targets
        let timeout = context.connectTimeout
        var workers: [NIOLoopBound<ConnectWorker>] = []
        for lane in 0..<self.concurrency {
            let stats = context.stats[lane % context.stats.count]
            let loop = stats.eventLoop
            let spec = ClientSpec(
                index: lane * 1_000_000, target: targets[lane % targets.count], transport: transport, eventLoop: loop,
                delegate: { nil }, parser: context.common.parser
            )
            workers.append(try await loop.submit { NIOLoopBound(ConnectWorker(stats: stats.value, spec: spec, timeout: timeout), eventLoop: loop) }.get())
        }
        for worker in workers { try await worker.eventLoop.submit { worker.value.start() }.get() }
        try await BenchContext.sleep(seconds: self.run.warmup)
        let window = try await context.measure(seconds: self.run.duration)
        for worker in workers { try await worker.eventLoop.submit { worker.value.stop() }.get() }
        // Let the last attempts finish so that the next run starts from a quiet server.
        try await BenchContext.sleep(seconds: 0.5)
        return window.result(label: transport.rawValue, operation: "handshake", serverPIDs: context.common.serverPIDs)
    }
}
