import Foundation

/// The machine a report was taken on: figures only compare on the same machine under the same load.
struct MachineInfo: Codable, Sendable {
    /// Online CPUs.
    var cores: Int
    /// `model name` of /proc/cpuinfo.
    var cpuModel: String
    /// Kernel release.
    var kernel: String
    /// Total memory in bytes.
    var memoryBytes: UInt64
    /// The 1, 5 and 15 minute load averages when the bench started (other work running on the cores).
    var loadAverage: [Double]
    /// The bench's event loop threads.
    var benchThreads: Int

    /// The current machine.
    static func current(benchThreads: Int) -> MachineInfo {
        let cpuinfo = (try? ProcFS.read("/proc/cpuinfo")) ?? ""
        let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { $0.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "" } ?? "unknown"
        let loads = ((try? ProcFS.read("/proc/loadavg")) ?? "").split(separator: " ").prefix(3).compactMap { Double($0) }
        let kernel = ((try? ProcFS.read("/proc/sys/kernel/osrelease")) ?? "unknown").trimmingCharacters(in: .whitespacesAndNewlines)
        return MachineInfo(
            cores: ProcessInfo.processInfo.activeProcessorCount,
            cpuModel: model,
            kernel: kernel,
            memoryBytes: ProcessInfo.processInfo.physicalMemory,
            loadAverage: loads,
            benchThreads: benchThreads
        )
    }
}
