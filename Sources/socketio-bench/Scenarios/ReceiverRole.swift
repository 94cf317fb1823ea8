import NIOCore

/// A fan-out receiver: joins the room, then counts `to-room` / `broadcast` deliveries and their latency
/// (receive time minus the publisher's timestamp). One role per event loop, shared by its clients.
final class ReceiverRole: BenchClientDelegate {
    private let stats: LoopStats
    private let joinBody: ByteBuffer
    private var clients: [BenchClient] = []
    /// Join acknowledgements received.
    private(set) var joined = 0

    /// A role whose clients join with `joinBody` (`["join","<room>"]`).
    init(stats: LoopStats, joinBody: ByteBuffer) {
        self.stats = stats
        self.joinBody = joinBody
    }

    /// Asks every client of the loop to join the room.
    func joinAll() {
        let body = self.joinBody
        for client in self.clients {
            client.emit(ackSentAt: Clock.now()) { buffer in
                var body = body
                buffer.writeBuffer(&body)
            }
        }
    }

    /// Closes every client of this loop.
    func closeAll() {
        for client in self.clients { client.close() }
        self.clients = []
    }

    func clientDidConnect(_ client: BenchClient) {
        self.clients.append(client)
    }

    @inline(__always)
    func client(_ client: BenchClient, didReceiveDeliveryStamped timestamp: UInt64?) {
        guard let timestamp else { return self.stats.record(latency: nil) }
        let now = Clock.sinceEpoch()
        self.stats.record(latency: now >= timestamp ? now &- timestamp : 0)
    }

    func client(_ client: BenchClient, didReceiveAck id: Int, latency: UInt64?, length: Int) {
        self.joined += 1
    }

    @inline(__always)
    func clientDidFinishRead(_ client: BenchClient) {
        self.stats.publish()
    }

    func client(_ client: BenchClient, didFail reason: String) {
        self.stats.recordError("receiver \(client.index): \(reason)")
        self.clients.removeAll { $0 === client }
    }
}
