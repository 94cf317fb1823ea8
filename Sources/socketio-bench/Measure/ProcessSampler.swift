#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation

/// CPU time and resident memory of processes, read from /proc (Linux only).
enum ProcFS {
    /// Clock ticks per second of /proc/PID/stat's utime and stime.
    static let ticksPerSecond = UInt64(max(1, sysconf(Int32(_SC_CLK_TCK))))

    /// user + system CPU of every thread of `pid` (living and exited), in nanoseconds; /proc/PID/stat
    /// counts in clock ticks, so the resolution is 1/``ticksPerSecond`` s.
    static func cpuNanoseconds(pid: Int32) throws -> UInt64 {
        let text = try Self.read("/proc/\(pid)/stat")
        // The command name (field 2) is in parentheses and may hold spaces: split after the last ')'.
        guard let close = text.lastIndex(of: ")") else { throw BenchError.procfs("/proc/\(pid)/stat: unexpected format") }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state); utime is field 14, stime field 15.
        guard fields.count > 12, let user = UInt64(fields[11]), let system = UInt64(fields[12]) else {
            throw BenchError.procfs("/proc/\(pid)/stat: unexpected format")
        }
        return (user + system) * 1_000_000_000 / Self.ticksPerSecond
    }

    /// Resident set size of `pid` in bytes (VmRSS of /proc/PID/status).
    static func residentBytes(pid: Int32) throws -> Int {
        let text = try Self.read("/proc/\(pid)/status")
        for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            if parts.count >= 2, let kilobytes = Int(parts[1]) { return kilobytes * 1024 }
        }
        throw BenchError.procfs("/proc/\(pid)/status has no VmRSS (is \(pid) a kernel thread or gone?)")
    }

    /// This process's user + system CPU in nanoseconds (microsecond resolution).
    static func selfCPUNanoseconds() -> UInt64 {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func nanos(_ time: timeval) -> UInt64 { UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_usec) * 1000 }
        return nanos(usage.ru_utime) + nanos(usage.ru_stime)
    }

    /// Bytes `pid` has read and written through system calls (rchar and wchar of /proc/PID/io): for a
    /// server, its socket traffic (plus the little file I/O it does).
    static func ioBytes(pid: Int32) throws -> (read: UInt64, written: UInt64) {
        let text = try Self.read("/proc/\(pid)/io")
        var read: UInt64?
        var written: UInt64?
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count == 2 else { continue }
            if parts[0] == "rchar:" { read = UInt64(parts[1]) }
            if parts[0] == "wchar:" { written = UInt64(parts[1]) }
        }
        guard let read, let written else { throw BenchError.procfs("/proc/\(pid)/io: unexpected format") }
        return (read, written)
    }

    /// True when `pid` names a live process we can read.
    static func exists(pid: Int32) -> Bool {
        access("/proc/\(pid)/stat", R_OK) == 0
    }

    static func read(_ path: String) throws -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw BenchError.procfs("cannot read \(path): \(error.localizedDescription)")
        }
    }
}

/// CPU (and optionally RSS) of the measured servers and of the bench itself at one instant.
struct ProcessSample: Sendable {
    /// Monotonic time of the sample.
    var time: UInt64
    /// CPU nanoseconds per server PID, in the order given.
    var serverCPU: [UInt64]
    /// The bench's own CPU nanoseconds.
    var benchCPU: UInt64
    /// Bytes read and written by all servers together (0 when /proc/PID/io is unreadable).
    var serverReadBytes: UInt64 = 0
    var serverWrittenBytes: UInt64 = 0

    /// Samples `pids` now; a PID that vanished counts as zero (and is reported by the caller).
    static func take(pids: [Int32]) -> ProcessSample {
        var read: UInt64 = 0
        var written: UInt64 = 0
        for pid in pids {
            guard let io = try? ProcFS.ioBytes(pid: pid) else { continue }
            read &+= io.read
            written &+= io.written
        }
        return ProcessSample(
            time: Clock.now(),
            serverCPU: pids.map { (try? ProcFS.cpuNanoseconds(pid: $0)) ?? 0 },
            benchCPU: ProcFS.selfCPUNanoseconds(),
            serverReadBytes: read,
            serverWrittenBytes: written
        )
    }
}
