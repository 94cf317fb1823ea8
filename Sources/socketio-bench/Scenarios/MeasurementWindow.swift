/// One measured stretch of time: the loops' counters and the CPU of servers and bench over it.
struct MeasurementWindow: Sendable {
    /// Counters summed over loops.
    var stats: StatsSnapshot
    /// Samples at both ends.
    var start: ProcessSample
    var end: ProcessSample

    /// Wall seconds between the samples.
    var seconds: Double { Double(self.end.time &- self.start.time) / 1e9 }

    /// The run as reported.
    func result(
        label: String, operation: String, serverPIDs: [Int32], sent: Int? = nil, notes: [String] = [],
        extra: [String: Double] = [:], serverRSS: RSSFigures? = nil
    ) -> RunResult {
        let seconds = max(self.seconds, 1e-9)
        let operations = self.stats.operations
        let perServer = zip(self.end.serverCPU, self.start.serverCPU).map { Double($0 &- $1) / 1e9 }
        let serverSeconds = perServer.reduce(0, +)
        let benchSeconds = Double(self.end.benchCPU &- self.start.benchCPU) / 1e9
        var notes = notes
        var extra = extra
        if !serverPIDs.isEmpty, operations > 0, self.end.serverWrittenBytes > 0 {
            // Socket bytes the servers wrote and read (frames and their headers) per operation.
            extra["serverWrittenBytesPerOp"] = Self.rounded(Double(self.end.serverWrittenBytes &- self.start.serverWrittenBytes) / Double(operations), 1)
            extra["serverReadBytesPerOp"] = Self.rounded(Double(self.end.serverReadBytes &- self.start.serverReadBytes) / Double(operations), 1)
        }
        var serverCPU: CPUFigures?
        if !serverPIDs.isEmpty {
            serverCPU = CPUFigures(
                seconds: Self.rounded(serverSeconds, 4),
                percentOfOneCore: Self.rounded(serverSeconds / seconds * 100, 1),
                microsecondsPerOperation: operations > 0 ? Self.rounded(serverSeconds * 1e6 / Double(operations), 3) : nil,
                shareOfMeasuredCPUPercent: nil,
                perProcessSeconds: perServer.map { Self.rounded($0, 4) }
            )
            if serverSeconds * Double(ProcFS.ticksPerSecond) < 50 {
                notes.append("server CPU below 50 clock ticks: µs/op is coarse (resolution \(1000 / ProcFS.ticksPerSecond) ms)")
            }
        }
        let benchCPU = CPUFigures(
            seconds: Self.rounded(benchSeconds, 4),
            percentOfOneCore: Self.rounded(benchSeconds / seconds * 100, 1),
            microsecondsPerOperation: operations > 0 ? Self.rounded(benchSeconds * 1e6 / Double(operations), 3) : nil,
            shareOfMeasuredCPUPercent: serverPIDs.isEmpty || serverSeconds + benchSeconds <= 0
                ? nil : Self.rounded(benchSeconds / (serverSeconds + benchSeconds) * 100, 1),
            perProcessSeconds: nil
        )
        var errors = self.stats.errors
        var errorSamples = self.stats.errorSamples
        if operations == 0 {
            errors += 1
            errorSamples.append(
                "no \(operation) completed in \(Self.rounded(seconds, 2)) s (does the server have the bench handlers? socketio-fixture needs --handlers fixture)"
            )
        }
        return RunResult(
            label: label,
            operation: operation,
            durationSeconds: Self.rounded(seconds, 3),
            operations: operations,
            operationsPerSecond: Self.rounded(Double(operations) / seconds, 1),
            sent: sent,
            latency: LatencySummary(self.stats.latency),
            serverCPU: serverCPU,
            benchCPU: benchCPU,
            serverRSS: serverRSS,
            errors: errors,
            errorSamples: errorSamples,
            notes: notes,
            extra: extra
        )
    }

    static func rounded(_ value: Double, _ digits: Int) -> Double {
        guard value.isFinite else { return 0 }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        return (value * scale).rounded() / scale
    }
}

extension BenchContext {
    /// Resets the counters, waits `seconds`, and returns what happened meanwhile.
    func measure(seconds: Double) async throws -> MeasurementWindow {
        try await self.resetStats()
        let start = ProcessSample.take(pids: self.common.serverPIDs)
        try await BenchContext.sleep(seconds: seconds)
        let stats = try await self.snapshot()
        let end = ProcessSample.take(pids: self.common.serverPIDs)
        return MeasurementWindow(stats: stats, start: start, end: end)
    }
}
