import Histogram
import NIOCore
import NIOHTTP1
import NIOPosix
import SocketIOProtocol

/// The transports a client can use.
enum TransportKind: String, Sendable, CaseIterable {
    /// A session that starts directly on WebSocket (`transport=websocket`).
    case websocket
    /// HTTP long-polling only.
    case polling
}

/// A client connected to `/`, seen from async code.
struct ClientHandle: Sendable {
    /// The loop the client lives on.
    let eventLoop: any EventLoop
    /// The client; touch only on ``eventLoop``.
    let box: NIOLoopBoundBox<BenchClient?>
}

/// What a client is opened with.
struct ClientSpec: Sendable {
    /// The client's number within the scenario.
    var index: Int
    /// Where it connects.
    var target: BenchTarget
    /// How.
    var transport: TransportKind
    /// The loop it lives on.
    var eventLoop: any EventLoop
    /// Makes its delegate; runs on ``eventLoop``.
    var delegate: @Sendable () -> (any BenchClientDelegate)?
    /// Requests it may have in flight.
    var maxOutstandingAcks = 64
    /// Polling: one shared keep-alive connection instead of one for GET and one for POST.
    var singlePollingLink = false
    /// The packet format the server uses.
    var parser: SocketIOParser = .default
}

/// Opens clients: one at a time as futures, or many in bounded parallel batches.
enum ClientConnector {
    /// Opens one client; the future succeeds once the server acknowledged the CONNECT to `/`.
    static func open(_ spec: ClientSpec, timeout: TimeAmount) -> EventLoopFuture<ClientHandle> {
        let loop = spec.eventLoop
        let connected = loop.makePromise(of: Void.self)
        let box = NIOLoopBoundBox<BenchClient?>.makeEmptyBox(valueType: BenchClient.self, eventLoop: loop)
        let seed = UInt64(spec.index) &* 0x9E37_79B9_7F4A_7C15 ^ Clock.now()
        let deadline = loop.scheduleTask(in: timeout) {
            guard let client = box.value else { return }
            client.transportFailed("not connected within \(timeout.nanoseconds / 1_000_000) ms")
            client.transport?.close()
        }
        connected.futureResult.whenComplete { _ in deadline.cancel() }

        @Sendable func makeClient() -> BenchClient {
            let client = BenchClient(
                index: spec.index, delegate: spec.delegate(), maxOutstandingAcks: spec.maxOutstandingAcks, parser: spec.parser
            )
            client.connectPromise = connected
            box.value = client
            return client
        }
        @Sendable func failBeforeClient(_ error: any Error) {
            loop.execute {
                if let client = box.value {
                    client.transportFailed("\(error)")
                } else {
                    connected.fail(BenchError.connectionFailed("\(error)"))
                }
            }
        }

        switch spec.transport {
        case .websocket:
            Self.bootstrap(loop, timeout: timeout)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let handler = WebSocketClientHandler(client: makeClient(), target: spec.target, seed: seed)
                        try channel.pipeline.syncOperations.addHandler(handler)
                    }
                }
                .connect(host: spec.target.host, port: spec.target.port)
                .whenFailure(failBeforeClient)
        case .polling:
            let linkCount = spec.singlePollingLink ? 1 : 2
            let links = (0..<linkCount).map { _ in Self.openHTTPLink(spec.target, on: loop, timeout: timeout) }
            EventLoopFuture.whenAllSucceed(links, on: loop).whenComplete { result in
                switch result {
                case .success(let bound):
                    let session = PollingSession(client: makeClient(), target: spec.target, links: bound.map(\.value))
                    session.start()
                case .failure(let error):
                    for link in links { link.whenSuccess { $0.value.close() } }
                    failBeforeClient(error)
                }
            }
        }
        return connected.futureResult.map { ClientHandle(eventLoop: loop, box: box) }
    }

    private static func bootstrap(_ loop: any EventLoop, timeout: TimeAmount) -> ClientBootstrap {
        ClientBootstrap(group: loop)
            .connectTimeout(timeout)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
    }

    private static func openHTTPLink(
        _ target: BenchTarget, on loop: any EventLoop, timeout: TimeAmount
    ) -> EventLoopFuture<NIOLoopBound<HTTPLinkHandler>> {
        Self.bootstrap(loop, timeout: timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(HTTPLinkHandler(hostHeader: target.hostHeader))
                }
            }
            .connect(host: target.host, port: target.port)
            .flatMapThrowing { channel in
                let handler = try channel.pipeline.syncOperations.handler(type: HTTPLinkHandler.self)
                return NIOLoopBound(handler, eventLoop: loop)
            }
    }

    /// The outcome of opening many clients.
    struct Batch: Sendable {
        /// The connected clients, in index order (failed ones left out).
        var clients: [ClientHandle]
        /// Why others failed (at most ``maxReasons`` kept), and how many failed in all.
        var failureReasons: [String]
        var failures: Int
        /// Time from starting the attempt to the CONNECT answer, in nanoseconds.
        var latency: Histogram<UInt64>
        /// Wall time of the whole batch, in nanoseconds.
        var elapsed: UInt64

        static let maxReasons = 5
    }

    /// Opens `count` clients with at most `concurrency` attempts in flight.
    static func openMany(
        count: Int, concurrency: Int, timeout: TimeAmount, spec: @escaping @Sendable (Int) -> ClientSpec
    ) async -> Batch {
        let started = Clock.now()
        var batch = Batch(clients: [], failureReasons: [], failures: 0, latency: LatencyHistogram.make(), elapsed: 0)
        var slots = [ClientHandle?](repeating: nil, count: count)
        await withTaskGroup(of: (Int, Result<ClientHandle, any Error>, UInt64).self) { group in
            var next = 0
            func addNext() {
                guard next < count else { return }
                let index = next
                next += 1
                group.addTask {
                    let start = Clock.now()
                    do {
                        let handle = try await Self.open(spec(index), timeout: timeout).get()
                        return (index, .success(handle), Clock.now() &- start)
                    } catch {
                        return (index, .failure(error), Clock.now() &- start)
                    }
                }
            }
            for _ in 0..<max(1, concurrency) { addNext() }
            for await (index, result, latency) in group {
                switch result {
                case .success(let handle):
                    slots[index] = handle
                    LatencyHistogram.record(latency, in: &batch.latency)
                case .failure(let error):
                    batch.failures += 1
                    if batch.failureReasons.count < Batch.maxReasons { batch.failureReasons.append("\(error)") }
                }
                addNext()
            }
        }
        batch.clients = slots.compactMap { $0 }
        batch.elapsed = Clock.now() &- started
        return batch
    }
}
