import ArgumentParser
import NIOCore

/// `storm`: a reconnect storm. N clients connected to one node all lose their connections at once and
/// reconnect at once to the same URL.
struct StormCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "storm",
        abstract: "Reconnect storm: N connected clients drop their connections at once and all reconnect at once, per transport.",
        discussion: """
            Each client's TCP connection(s) are closed with nothing sent first (the server sees its \
            transport close, as after a network drop or a balancer restart), and a new client opens at \
            once for each: TCP connect, Engine.IO handshake, Socket.IO CONNECT to /. Reported: seconds \
            until every client is connected again, handshakes per second in the busiest 100 ms and over \
            the whole storm, the server's CPU per reconnect (with --server-pid; it includes closing the \
            dropped sessions), and reconnects that failed or did not finish within --timeout.
            """
    )

    @OptionGroup var common: CommonOptions

    @Option(help: ArgumentHelp("Clients connected before the storm.", valueName: "n"))
    var clients = 5000

    @Option(name: .customLong("transport"), help: ArgumentHelp("websocket or polling; repeatable, one storm each.", valueName: "name"))
    var transports: [String] = ["websocket"]

    @Option(help: ArgumentHelp("Seconds the storm may take; a client not connected again by then counts as an error.", valueName: "seconds"))
    var timeout = 60.0

    @Option(help: ArgumentHelp("Seconds to wait between opening the clients and the storm.", valueName: "seconds"))
    var settle = 1.0

    func validate() throws {
        guard (1...20_000).contains(self.clients) else { throw ValidationError("--clients must be 1...20000") }
        guard self.timeout > 0, self.timeout <= 600 else { throw ValidationError("--timeout must be in (0, 600]") }
        guard (0...60).contains(self.settle) else { throw ValidationError("--settle must be 0...60") }
        for name in self.transports where TransportKind(rawValue: name) == nil {
            throw ValidationError("--transport \(name): expected websocket or polling")
        }
        if self.common.parser == .msgpack, self.transports.contains("polling") {
            throw ValidationError("--parser msgpack: the polling client speaks the default parser only; pass --transport websocket")
        }
    }

    func run() async throws {
        // A polling client holds two connections (a long GET and a POST link).
        let linksPerClient = self.transports.contains("polling") ? 2 : 1
        try await BenchContext.perform(self.common, sockets: self.clients * linksPerClient) { context in
            var runs: [RunResult] = []
            for transport in self.transports.compactMap(TransportKind.init(rawValue:)) {
                runs.append(try await self.storm(context, transport: transport))
            }
            return context.report(
                scenario: "storm",
                parameters: [
                    "clients": String(self.clients), "transports": self.transports.joined(separator: ","),
                    "timeout": String(self.timeout), "settle": String(self.settle),
                ],
                runs: runs
            )
        }
    }

    private func storm(_ context: BenchContext, transport: TransportKind) async throws -> RunResult {
        let loops = context.loops
        let roles = try await context.perLoop { stats, loopIndex in StormRole(stats: stats, eventLoop: loops[loopIndex]) }
        let targets = context.targets
        let parser = context.common.parser
        let count = self.clients
        @Sendable func spec(_ index: Int) -> ClientSpec {
            let role = roles[index % roles.count]
            return ClientSpec(
                index: index, target: targets[index % targets.count], transport: transport,
                eventLoop: role.eventLoop, delegate: { role.value }, maxOutstandingAcks: 1, parser: parser
            )
        }
        context.progress("\(transport.rawValue): opening \(count) clients")
        let batch = await ClientConnector.openMany(
            count: count, concurrency: context.common.connectConcurrency, timeout: context.connectTimeout, spec: spec
        )
        guard !batch.clients.isEmpty else {
            throw BenchError.notEnoughClients(connected: 0, wanted: count, firstError: batch.failureReasons.first)
        }
        try await BenchContext.sleep(seconds: self.settle)
        var connected = 0
        for role in roles { connected += try await role.eventLoop.submit { role.value.connectedCount }.get() }
        context.progress("\(connected) connected; dropping them all and reconnecting (timeout \(self.timeout) s)")

        try await context.resetStats()
        let timeout = TimeAmount.nanoseconds(Int64(self.timeout * 1e9))
        let maxBuckets = Int(self.timeout * 10) + 1
        let start = ProcessSample.take(pids: context.common.serverPIDs)
        let startedAt = start.time
        var storms: [EventLoopFuture<Void>] = []
        for (loopIndex, role) in roles.enumerated() {
            let roleCount = roles.count
            storms.append(
                try await role.eventLoop.submit {
                    // Reconnects get indices past the first clients', each on the same loop as the one it replaces.
                    role.value.storm(
                        specs: { position in spec(count + (position * roleCount) + loopIndex) },
                        startedAt: startedAt, timeout: timeout, maxBuckets: maxBuckets
                    )
                }.get()
            )
        }
        for storm in storms { try await storm.get() }
        let end = ProcessSample.take(pids: context.common.serverPIDs)

        var stats = try await context.snapshot()
        var buckets = [Int](repeating: 0, count: maxBuckets)
        var lastConnected: UInt64 = 0
        var idleFailures = 0
        var reconnected = 0
        for role in roles {
            let figures = try await role.eventLoop.submit { (role.value.buckets, role.value.lastConnected, role.value.idleFailures, role.value.connectedCount) }.get()
            for (index, value) in figures.0.enumerated() { buckets[index] += value }
            lastConnected = max(lastConnected, figures.1)
            idleFailures += figures.2
            reconnected += figures.3
        }
        for role in roles { try await role.eventLoop.submit { role.value.closeAll() }.get() }
        try await BenchContext.sleep(seconds: 0.5)

        stats.errors += batch.failures
        var notes: [String] = []
        if batch.failures > 0 { notes.append("\(batch.failures) of \(count) clients failed to connect before the storm") }
        if idleFailures > 0 { notes.append("\(idleFailures) clients failed while idle before the storm") }
        notes.append("server CPU per reconnect includes closing the dropped sessions")
        let seconds = Double(lastConnected) / 1e9
        let window = MeasurementWindow(stats: stats, start: start, end: end)
        return window.result(
            label: transport.rawValue, operation: "reconnect", serverPIDs: context.common.serverPIDs, notes: notes,
            extra: [
                "clients": Double(connected),
                "reconnected": Double(reconnected),
                "allConnectedSeconds": MeasurementWindow.rounded(seconds, 3),
                "peakHandshakesPerSecond": Double((buckets.max() ?? 0) * 10),
                "meanHandshakesPerSecond": seconds > 0 ? MeasurementWindow.rounded(Double(stats.operations) / seconds, 1) : 0,
            ]
        )
    }
}
