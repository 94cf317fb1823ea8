import ArgumentParser
import Foundation

/// `codec`: encode/decode operations per second and allocations per packet.
struct CodecCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "codec",
        abstract: "Micro-benchmarks of the Socket.IO packet codec (and the bench client's own per-message work).",
        discussion: "Allocations are Swift heap objects per operation, counted through the runtime's swift_allocObject hook."
    )

    @Option(help: ArgumentHelp("Seconds of timing per case.", valueName: "seconds"))
    var seconds = 0.5

    @Option(help: ArgumentHelp("Only cases whose name contains this text.", valueName: "text"))
    var filter: String?

    @Option(help: ArgumentHelp("Write the JSON report to this file (- for stdout).", valueName: "path"))
    var json: String?

    @Flag(help: "No table.")
    var quiet = false

    func validate() throws {
        guard self.seconds > 0, self.seconds <= 60 else { throw ValidationError("--seconds must be in (0, 60]") }
    }

    func run() throws {
        let startedAt = Date()
        let cases = CodecCases.all.filter { self.filter.map($0.name.contains) ?? true }
        guard !cases.isEmpty else { throw ValidationError("no case matches --filter") }
        var runs: [RunResult] = []
        for codecCase in cases {
            runs.append(Self.measure(codecCase, seconds: self.seconds))
        }
        var parameters = ["secondsPerCase": String(self.seconds)]
        if !AllocationCounter.isAvailable { parameters["allocations"] = "unavailable (statically linked Swift runtime?)" }
        let report = BenchReport.make(
            scenario: "codec", startedAt: startedAt, threads: 1, targets: [], serverPIDs: [], parameters: parameters, runs: runs
        )
        try ReportWriter.emit(report, jsonPath: self.json, quiet: self.quiet)
    }

    /// Times `codecCase` for about `seconds` and counts its allocations over 1,000 operations.
    static func measure(_ codecCase: CodecCase, seconds: Double) -> RunResult {
        let operation = codecCase.prepare()
        for _ in 0..<1000 { operation() }
        var batch = 1000
        var operations = 0
        let budget = UInt64(seconds * 1e9)
        let cpuStart = ProcFS.selfCPUNanoseconds()
        let start = Clock.now()
        var elapsed: UInt64 = 0
        while elapsed < budget {
            for _ in 0..<batch { operation() }
            operations += batch
            elapsed = Clock.now() &- start
            if elapsed < budget / 20 { batch *= 2 }
        }
        let cpu = ProcFS.selfCPUNanoseconds() &- cpuStart
        let counted = AllocationCounter.measure { for _ in 0..<1000 { operation() } }
        let wall = Double(elapsed) / 1e9
        var extra = ["nanosecondsPerOperation": MeasurementWindow.rounded(Double(elapsed) / Double(operations), 1)]
        if let counted {
            extra["allocationsPerOperation"] = MeasurementWindow.rounded(Double(counted.allocations) / 1000, 2)
            extra["allocatedObjectBytesPerOperation"] = MeasurementWindow.rounded(Double(counted.bytes) / 1000, 1)
        }
        return RunResult(
            label: codecCase.name,
            operation: "operation",
            durationSeconds: MeasurementWindow.rounded(wall, 3),
            operations: operations,
            operationsPerSecond: MeasurementWindow.rounded(Double(operations) / wall, 0),
            sent: nil,
            latency: nil,
            serverCPU: nil,
            benchCPU: CPUFigures(
                seconds: MeasurementWindow.rounded(Double(cpu) / 1e9, 4),
                percentOfOneCore: MeasurementWindow.rounded(Double(cpu) / Double(max(elapsed, 1)) * 100, 1),
                microsecondsPerOperation: nil, shareOfMeasuredCPUPercent: nil, perProcessSeconds: nil
            ),
            serverRSS: nil,
            errors: 0,
            errorSamples: [],
            notes: [codecCase.detail],
            extra: extra
        )
    }
}
