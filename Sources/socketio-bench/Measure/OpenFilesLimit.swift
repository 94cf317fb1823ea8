#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The open-files limit of the bench process: every client is one or two sockets.
enum OpenFilesLimit {
    /// Raises the soft limit to the hard limit and returns the soft limit now in force.
    @discardableResult
    static func raise() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return limit.rlim_cur >= rlim_t(Int.max) ? Int.max : Int(limit.rlim_cur)
    }

    /// Throws unless `sockets` more descriptors (plus a margin for the process itself) fit.
    static func ensureRoom(for sockets: Int) throws {
        let limit = Self.raise()
        let margin = 64
        guard sockets + margin <= limit else {
            throw BenchError.invalidOption(
                "\(sockets) sockets need \(sockets + margin) open files but the limit is \(limit) (ulimit -n); "
                    + "use fewer clients or raise the hard limit"
            )
        }
    }
}
