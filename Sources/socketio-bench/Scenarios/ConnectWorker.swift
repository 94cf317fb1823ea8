import NIOCore

/// One lane of the `connect` scenario: opens a client, waits for the Socket.IO CONNECT answer, records the
/// time since the TCP connect started, says goodbye (Engine.IO close) and starts over. Lives on one loop.
final class ConnectWorker {
    private let stats: LoopStats
    private let spec: ClientSpec
    private let timeout: TimeAmount
    private var running = false
    private var started: UInt64 = 0
    private var sequence = 0

    /// A worker opening clients like `spec` (its delegate is ignored).
    init(stats: LoopStats, spec: ClientSpec, timeout: TimeAmount) {
        var spec = spec
        spec.delegate = { nil }
        spec.singlePollingLink = true
        self.stats = stats
        self.spec = spec
        self.timeout = timeout
    }

    /// Starts the open/close cycle.
    func start() {
        guard !self.running else { return }
        self.running = true
        self.next()
    }

    /// Lets the current attempt finish and starts no other.
    func stop() {
        self.running = false
    }

    private func next() {
        guard self.running else { return }
        var spec = self.spec
        spec.index = self.spec.index &+ self.sequence
        self.sequence += 1
        self.started = Clock.now()
        let loop = self.spec.eventLoop
        ClientConnector.open(spec, timeout: self.timeout).assumeIsolated().whenComplete { result in
            switch result {
            case .success(let handle):
                self.stats.record(latency: Clock.now() &- self.started)
                handle.box.value?.close()
                self.next()
            case .failure(let error):
                self.stats.recordError("\(error)")
                // Back off a little so that a refusing server does not turn the bench into a busy loop.
                loop.assumeIsolated().scheduleTask(in: .milliseconds(10)) { self.next() }
            }
        }
    }
}
