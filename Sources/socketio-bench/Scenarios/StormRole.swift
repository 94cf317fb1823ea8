import NIOCore

/// The clients of one loop in the `storm` scenario: keeps them while they are up, drops them all at
/// once and opens each again at once, recording when every reconnect got its CONNECT answer.
final class StormRole: BenchClientDelegate {
    private let stats: LoopStats
    private let eventLoop: any EventLoop
    private var clients: [BenchClient] = []
    /// Failures of clients outside a storm (dropped by the server while idle).
    private(set) var idleFailures = 0
    /// Reconnects per ``bucketNanoseconds`` since the storm began.
    private(set) var buckets: [Int] = []
    /// Time from the storm's start to the last reconnect, in nanoseconds.
    private(set) var lastConnected: UInt64 = 0
    private var storming = false
    private var outstanding = 0
    private var finished: EventLoopPromise<Void>?

    /// The width of one throughput bucket: 100 ms.
    static let bucketNanoseconds: UInt64 = 100_000_000

    init(stats: LoopStats, eventLoop: any EventLoop) {
        self.stats = stats
        self.eventLoop = eventLoop
    }

    func clientDidConnect(_ client: BenchClient) {
        self.clients.append(client)
    }

    func client(_ client: BenchClient, didFail reason: String) {
        if !self.storming {
            self.idleFailures += 1
            self.stats.recordError("client \(client.index) failed before the storm: \(reason)")
        }
        self.clients.removeAll { $0 === client }
    }

    /// The clients up now.
    var connectedCount: Int { self.clients.count }

    /// Drops every client of this loop, then opens a new client for each from `specs` (one per dropped
    /// client, in order) at once. The future completes when every reconnect succeeded or failed; one
    /// not connected within `timeout` fails.
    func storm(specs: @escaping (Int) -> ClientSpec, startedAt: UInt64, timeout: TimeAmount, maxBuckets: Int) -> EventLoopFuture<Void> {
        let dropped = self.clients
        self.clients = []
        self.storming = true
        self.buckets = []
        self.lastConnected = 0
        let finished = self.eventLoop.makePromise(of: Void.self)
        for client in dropped { client.drop() }
        self.outstanding = dropped.count
        guard self.outstanding > 0 else {
            finished.succeed()
            return finished.futureResult
        }
        self.finished = finished
        for position in dropped.indices {
            ClientConnector.open(specs(position), timeout: timeout).assumeIsolated().whenComplete { result in
                switch result {
                case .success:
                    let elapsed = Clock.now() &- startedAt
                    self.stats.record(latency: elapsed)
                    self.lastConnected = max(self.lastConnected, elapsed)
                    let bucket = min(Int(elapsed / Self.bucketNanoseconds), maxBuckets - 1)
                    if self.buckets.count <= bucket { self.buckets.append(contentsOf: repeatElement(0, count: bucket + 1 - self.buckets.count)) }
                    self.buckets[bucket] += 1
                case .failure(let error):
                    self.stats.recordError("reconnect: \(error)")
                }
                self.outstanding -= 1
                if self.outstanding == 0 {
                    self.storming = false
                    self.finished?.succeed()
                    self.finished = nil
                }
            }
        }
        return finished.futureResult
    }

    /// Closes every client of this loop.
    func closeAll() {
        for client in self.clients { client.close() }
        self.clients = []
    }
}
