/// Keeps idle clients; counts the ones the server drops.
final class IdleRole: BenchClientDelegate {
    private let stats: LoopStats
    private var clients: [BenchClient] = []

    init(stats: LoopStats) {
        self.stats = stats
    }

    func clientDidConnect(_ client: BenchClient) {
        self.clients.append(client)
    }

    func client(_ client: BenchClient, didFail reason: String) {
        self.stats.recordError("idle client \(client.index): \(reason)")
    }

    /// Closes every client of this loop.
    func closeAll() {
        for client in self.clients { client.close() }
        self.clients = []
    }
}
