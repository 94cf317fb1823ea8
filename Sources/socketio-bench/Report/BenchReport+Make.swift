import Foundation

extension BenchReport {
    /// A report stamped with the command line, the start time and the machine.
    static func make(
        scenario: String, startedAt: Date, threads: Int, targets: [String], serverPIDs: [Int32],
        parameters: [String: String], runs: [RunResult], setupFailures: Int = 0, setupErrorSamples: [String] = []
    ) -> BenchReport {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        let errors = runs.reduce(setupFailures) { $0 + $1.errors }
        let samples = setupErrorSamples + runs.flatMap(\.errorSamples)
        return BenchReport(
            scenario: scenario,
            command: CommandLine.arguments.map(Self.shellQuoted).joined(separator: " "),
            startedAt: formatter.string(from: startedAt),
            machine: .current(benchThreads: threads),
            targets: targets,
            serverPIDs: serverPIDs,
            parameters: parameters,
            runs: runs,
            errors: errors,
            errorSamples: Array(samples.prefix(10))
        )
    }

    /// `word` as a POSIX shell would need it.
    static func shellQuoted(_ word: String) -> String {
        let safe = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=,@+"
        let plain = !word.isEmpty && word.allSatisfy { safe.contains($0) }
        return plain ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
