import Foundation

/// The human-readable form of a report: one line per run, figures aligned.
enum ReportTable {
    /// The table of `report`, ending with a newline.
    static func render(_ report: BenchReport) -> String {
        if report.scenario == "codec" { return Self.renderCodec(report) }
        let loads = report.machine.loadAverage.map { String(format: "%.2f", $0) }.joined(separator: " ")
        var text = "socketio-bench \(report.scenario) · \(report.targets.joined(separator: ", ")) · "
        text += "\(report.machine.cores) cores, load \(loads), bench threads \(report.machine.benchThreads)\n"
        let parameters = report.parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        if !parameters.isEmpty { text += "  \(parameters)\n" }

        let header = [
            "run", "op", "ops/s", "ops", "p50 µs", "p99 µs", "p99.9 µs", "max µs",
            "srv µs/op", "srv %core", "bench %core", "bench share", "errors",
        ]
        var rows = [header]
        for run in report.runs {
            rows.append([
                run.label,
                run.operation,
                Self.count(run.operationsPerSecond),
                Self.count(Double(run.operations)),
                Self.micro(run.latency?.p50Microseconds),
                Self.micro(run.latency?.p99Microseconds),
                Self.micro(run.latency?.p999Microseconds),
                Self.micro(run.latency?.maxMicroseconds),
                run.serverCPU?.microsecondsPerOperation.map { String(format: "%.2f", $0) } ?? "-",
                run.serverCPU.map { String(format: "%.0f%%", $0.percentOfOneCore) } ?? "-",
                String(format: "%.0f%%", run.benchCPU.percentOfOneCore),
                run.benchCPU.shareOfMeasuredCPUPercent.map { String(format: "%.0f%%", $0) } ?? "-",
                String(run.errors),
            ])
        }
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            let cells = row.enumerated().map { column, cell in
                let pad = String(repeating: " ", count: widths[column] - cell.count)
                return column < 2 ? cell + pad : pad + cell
            }
            text += "  " + cells.joined(separator: "  ") + "\n"
        }
        for run in report.runs {
            if let rss = run.serverRSS {
                text += String(
                    format: "  %@: server RSS %.1f MB -> %.1f MB for %d connections: %.2f KB each (%.2f KB each incl. baseline)\n",
                    run.label, Double(rss.beforeBytes) / 1_048_576, Double(rss.afterBytes) / 1_048_576, rss.connections,
                    rss.perConnectionBytes / 1024, rss.totalPerConnectionBytes / 1024
                )
            }
            let extras = run.extra.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.number($0.value))" }
            if !extras.isEmpty { text += "  \(run.label): \(extras.joined(separator: " "))\n" }
            for note in run.notes { text += "  \(run.label): note: \(note)\n" }
            for sample in run.errorSamples { text += "  \(run.label): error: \(sample)\n" }
        }
        if report.errors > 0 {
            text += "  \(report.errors) error(s)"
            if let first = report.errorSamples.first { text += "; first: \(first)" }
            text += "\n"
        }
        return text
    }

    /// `codec`: one line per case with ns/op and allocations.
    private static func renderCodec(_ report: BenchReport) -> String {
        var text = "socketio-bench codec · \(report.machine.cpuModel) · load \(report.machine.loadAverage.map { String(format: "%.2f", $0) }.joined(separator: " "))\n"
        var rows = [["case", "ops/s", "ns/op", "allocs/op", "bytes/op"]]
        for run in report.runs {
            rows.append([
                run.label,
                Self.count(run.operationsPerSecond),
                run.extra["nanosecondsPerOperation"].map { String(format: "%.1f", $0) } ?? "-",
                run.extra["allocationsPerOperation"].map { String(format: "%.2f", $0) } ?? "-",
                run.extra["allocatedBytesPerOperation"].map { String(format: "%.0f", $0) } ?? "-",
            ])
        }
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            let cells = row.enumerated().map { column, cell in
                let pad = String(repeating: " ", count: widths[column] - cell.count)
                return column == 0 ? cell + pad : pad + cell
            }
            text += "  " + cells.joined(separator: "  ") + "\n"
        }
        return text
    }

    private static func count(_ value: Double) -> String {
        switch value {
        case 10_000_000...: return String(format: "%.1fM", value / 1_000_000)
        case 100_000...: return String(format: "%.0fk", value / 1000)
        case 10_000...: return String(format: "%.1fk", value / 1000)
        default: return String(format: value < 100 ? "%.1f" : "%.0f", value)
        }
    }

    private static func micro(_ value: Double?) -> String {
        guard let value else { return "-" }
        return value < 100 ? String(format: "%.1f", value) : String(format: "%.0f", value)
    }

    private static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(format: "%.3f", value)
    }
}
