/// Everything one `socketio-bench` invocation measured: the JSON document it writes.
struct BenchReport: Codable, Sendable {
    /// Always `socketio-bench`.
    var tool = "socketio-bench"
    /// Bumped when a field changes meaning.
    var schemaVersion = 1
    /// The subcommand (`fanout`, `cluster-fanout`, `echo`, `connect`, `idle`, `polling`, `codec`).
    var scenario: String
    /// The command line, as typed.
    var command: String
    /// UTC start time, ISO 8601.
    var startedAt: String
    /// Where it ran.
    var machine: MachineInfo
    /// Server URLs.
    var targets: [String]
    /// Server PIDs whose CPU and RSS were sampled.
    var serverPIDs: [Int32]
    /// The scenario's parameters, as text.
    var parameters: [String: String]
    /// One entry per measured run (for example one per rate, or one per transport).
    var runs: [RunResult]
    /// Errors of all runs, plus failures outside of runs (connecting, joining).
    var errors: Int
    /// The first few error messages.
    var errorSamples: [String]
}

/// One measured window.
struct RunResult: Codable, Sendable {
    /// What distinguishes this run within the report, e.g. `rate=max` or `websocket`.
    var label: String
    /// What ``operations`` counts: `delivered message`, `ack`, `handshake`, `connection`, `packet`.
    var operation: String
    /// Length of the window in seconds.
    var durationSeconds: Double
    /// Operations completed in the window.
    var operations: Int
    /// ``operations`` per second.
    var operationsPerSecond: Double
    /// Requests sent in the window (broadcasts, echo requests), when that differs from ``operations``.
    var sent: Int?
    /// Latency of the operations in the window (fan-out: publisher send to receiver read).
    var latency: LatencySummary?
    /// CPU of the servers in the window; nil without `--server-pid`.
    var serverCPU: CPUFigures?
    /// CPU of the bench process in the window.
    var benchCPU: CPUFigures
    /// Resident memory of the servers (the `idle` scenario).
    var serverRSS: RSSFigures?
    /// Failures in the window.
    var errors: Int
    /// The first few failure reasons.
    var errorSamples: [String]
    /// Remarks a reader needs (rate not reached, undelivered messages, ...).
    var notes: [String]
    /// Scenario-specific figures (target rate, publishes per broadcast, ...).
    var extra: [String: Double]
}

/// CPU time over a window.
struct CPUFigures: Codable, Sendable {
    /// user + system seconds, all threads.
    var seconds: Double
    /// ``seconds`` divided by the window: 100 = one core busy all the time.
    var percentOfOneCore: Double
    /// ``seconds`` per operation of the run, in microseconds.
    var microsecondsPerOperation: Double?
    /// Bench only: its share of the CPU used by bench plus servers, in percent.
    var shareOfMeasuredCPUPercent: Double?
    /// Servers only: seconds per PID, in the order of ``BenchReport/serverPIDs``.
    var perProcessSeconds: [Double]?
}

/// Resident memory of the servers before and after opening clients.
struct RSSFigures: Codable, Sendable {
    /// Sum of VmRSS before the clients connected, in bytes.
    var beforeBytes: Int
    /// Sum of VmRSS with every client connected, in bytes.
    var afterBytes: Int
    /// Connected clients.
    var connections: Int
    /// (after - before) / connections.
    var perConnectionBytes: Double
    /// after / connections (includes the process's baseline).
    var totalPerConnectionBytes: Double
}
