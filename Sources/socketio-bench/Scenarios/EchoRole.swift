import NIOCore

/// The `echo` and `polling` load: every client keeps `inFlight` `echo` requests outstanding and sends the
/// next one as soon as an acknowledgement arrives. One role per event loop, shared by its clients.
final class EchoRole: BenchClientDelegate {
    private let stats: LoopStats
    private let body: ByteBuffer
    private let bodies: EventBodies
    private let inFlight: Int
    private var clients: [BenchClient] = []
    private var running = false
    /// Requests sent since the role was created.
    private(set) var sent = 0

    /// A role sending `bodies.echo()` (`["echo","<payload>"]` in the server's packet format).
    init(stats: LoopStats, bodies: EventBodies, inFlight: Int) {
        self.stats = stats
        self.body = bodies.echo()
        self.bodies = bodies
        self.inFlight = inFlight
    }

    /// Starts the request loops of every connected client.
    func start() {
        self.running = true
        for client in self.clients {
            for _ in 0..<self.inFlight { self.send(on: client) }
        }
    }

    /// Stops sending new requests (outstanding ones still complete).
    func stop() {
        self.running = false
    }

    /// Closes every client of this loop.
    func closeAll() {
        self.running = false
        for client in self.clients { client.close() }
        self.clients = []
    }

    @inline(__always)
    private func send(on client: BenchClient) {
        let body = self.body
        if client.emit(ackSentAt: Clock.now(), body: { buffer in
            var body = body
            buffer.writeBuffer(&body)
        }) != nil {
            self.sent += 1
        }
    }

    func clientDidConnect(_ client: BenchClient) {
        self.clients.append(client)
    }

    func client(_ client: BenchClient, didReceiveAck id: Int, latency: UInt64?, length: Int) {
        guard let latency else { return self.stats.recordError("acknowledgement for an id never sent: \(id)") }
        // The server must send the arguments back unchanged.
        let expected = self.bodies.echoAckLength(id: id)
        if length != expected {
            self.stats.recordError("ack \(id) has \(length) bytes, expected \(expected)")
        }
        self.stats.record(latency: latency)
        if self.running { self.send(on: client) }
    }

    func client(_ client: BenchClient, didFail reason: String) {
        self.stats.recordError("client \(client.index): \(reason)")
        self.clients.removeAll { $0 === client }
    }
}
