import ArgumentParser
import Foundation

/// `codec`: encode/decode operations per second and allocations per packet.
struct CodecCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "codec",
        abstract: "Micro-benchmarks of the Socket.IO packet codec (and the bench client's own per-message work).",
        discussion: "Allocations are malloc calls per operation, counted by glibc's mtrace() in a child process."
    )

    @Option(help: ArgumentHelp("Seconds of timing per case.", valueName: "seconds"))
    var seconds = 0.5

    @Option(help: ArgumentHelp("Only cases whose name contains this text.", valueName: "text"))
    var filter: String?

    @Option(help: ArgumentHelp("Write the JSON report to this file (- for stdout).", valueName: "path"))
    var json: String?

    @Flag(help: "No table.")
    var quiet = false

    @Flag(name: .customLong("count-allocations"), help: .hidden)
    var countAllocations = false

    func validate() throws {
        guard self.seconds > 0, self.seconds <= 60 else { throw ValidationError("--seconds must be in (0, 60]") }
    }

    func run() throws {
        let startedAt = Date()
        let cases = CodecCases.all.filter { self.filter.map($0.name.contains) ?? true }
        guard !cases.isEmpty else { throw ValidationError("no case matches --filter") }
        if self.countAllocations { return try MallocTrace.countInThisProcess(cases) }
        var runs: [RunResult] = []
        for codecCase in cases {
            runs.append(Self.measure(codecCase, seconds: self.seconds))
        }
        var parameters = ["secondsPerCase": String(self.seconds), "allocations": "malloc calls per operation (glibc mtrace, 1000 operations)"]
        switch MallocTrace.countInChild(filter: self.filter) {
        case .success(let counts):
            for index in runs.indices {
                guard let count = counts[runs[index].label] else { continue }
                runs[index].extra["allocationsPerOperation"] = MeasurementWindow.rounded(count.allocationsPerOperation, 2)
                runs[index].extra["allocatedBytesPerOperation"] = MeasurementWindow.rounded(count.bytesPerOperation, 1)
            }
        case .failure(let error):
            parameters["allocations"] = "not counted: \(error)"
        }
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
        let wall = Double(elapsed) / 1e9
        let extra = ["nanosecondsPerOperation": MeasurementWindow.rounded(Double(elapsed) / Double(operations), 1)]
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
