import NIOCore

/// The `echo` and `polling` load: every client keeps `inFlight` `echo` requests outstanding and sends the
/// next one as soon as an acknowledgement arrives. One role per event loop, shared by its clients.
final class EchoRole: BenchClientDelegate {
    private let stats: LoopStats
    private let body: ByteBuffer
    private let inFlight: Int
    private let payloadSize: Int
    private var clients: [BenchClient] = []
    private var running = false
    /// Requests sent since the role was created.
    private(set) var sent = 0

    /// A role sending `body` (`["echo","<payload of payloadSize bytes>"]`).
    init(stats: LoopStats, body: ByteBuffer, payloadSize: Int, inFlight: Int) {
        self.stats = stats
        self.body = body
        self.payloadSize = payloadSize
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
        // `43<id>["<payload>"]`: the server must send the arguments back unchanged.
        let expected = 2 + Self.digits(id) + 4 + self.payloadSize
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

    private static func digits(_ value: Int) -> Int {
        var count = 1
        var rest = value / 10
        while rest > 0 { count += 1; rest /= 10 }
        return count
    }
}
