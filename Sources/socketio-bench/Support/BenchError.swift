/// Errors that end a scenario or a connection, with wording meant for the person running the bench.
enum BenchError: Error, CustomStringConvertible {
    /// A client did not get connected to `/`.
    case connectionFailed(String)
    /// A connection attempt took longer than the connect timeout.
    case connectTimeout(seconds: Double)
    /// The command line asks for something impossible.
    case invalidOption(String)
    /// Too few clients connected for the scenario to mean anything.
    case notEnoughClients(connected: Int, wanted: Int, firstError: String?)
    /// A /proc file could not be read.
    case procfs(String)
    /// The scenario could not be run.
    case scenario(String)

    var description: String {
        switch self {
        case .connectionFailed(let reason): return "connection failed: \(reason)"
        case .connectTimeout(let seconds): return "not connected within \(seconds) s"
        case .invalidOption(let text): return text
        case .notEnoughClients(let connected, let wanted, let firstError):
            return "only \(connected) of \(wanted) clients connected" + (firstError.map { " (first error: \($0))" } ?? "")
        case .procfs(let text): return text
        case .scenario(let text): return text
        }
    }
}
