import NIOConcurrencyHelpers
import NIOCore
import SocketIO
import SocketIOProtocol
import SocketIOTestSupport
import Testing

@testable import SocketIORedis

/// A subscriber that counts as a node but never answers (a raw subscription to the request channel in
/// classic mode, to the main shard channel in sharded mode): requests waiting for every node must end
/// with a timeout error after the configured timeout, not hang.
@Suite(.serialized)
struct AdapterTimeoutTests {
    static let requestTimeout: TimeAmount = .milliseconds(400)

    /// Runs `body` with a three-node cluster plus one silent node, one client per real node that
    /// answers `ask` with its name, and every node answering server-side `ask`.
    static func withSilentNode(_ mode: AdapterMode, _ body: (TestCluster, [TestSocketIOClient]) async throws -> Void) async throws {
        let configure: @Sendable (SocketIOServer, Int) -> Void = { io, index in
            io.sockets.onServerSideEmit { packet, reply in
                if packet.first == "ask" { reply?([.string("answer-\(index)")]) }
            }
        }
        try await withCluster(mode, requestTimeout: Self.requestTimeout, configure: configure) { cluster in
            let clients = try await cluster.connectGrid(perNode: 1).map { $0[0] }
            AdapterAckTests.answerWithName(clients)
            try await cluster.addSilentNode()
            let count = try await cluster.nodes[0].adapter.serverCount()
            #expect(count == 4)
            try await body(cluster, clients)
        }
    }

    /// Runs `operation`, expecting it to throw after about `timeout`; returns the error.
    static func expectTimeout<T>(
        after timeout: Duration,
        _ operation: () async throws -> T,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async -> SocketIOError? {
        let start = ContinuousClock.now
        do {
            let value = try await operation()
            Issue.record("expected a timeout error, got \(value)", sourceLocation: sourceLocation)
            return nil
        } catch {
            let elapsed = ContinuousClock.now - start
            #expect(elapsed >= timeout * 0.8, "failed too early (\(elapsed))", sourceLocation: sourceLocation)
            #expect(elapsed < timeout + .seconds(2), "failed too late (\(elapsed))", sourceLocation: sourceLocation)
            guard let error = error as? SocketIOError else {
                Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
                return nil
            }
            return error
        }
    }

    @Test(arguments: AdapterMode.allCases)
    func fetchSocketsTimesOut(mode: AdapterMode) async throws {
        try await Self.withSilentNode(mode) { cluster, _ in
            let error = await Self.expectTimeout(after: .milliseconds(400)) {
                try await cluster.nodes[0].io.fetchSockets()
            }
            #expect(error == .requestTimeout)
        }
    }

    @Test(arguments: AdapterMode.allCases)
    func serverSideEmitWithAckTimesOutWithTheAnswersItGot(mode: AdapterMode) async throws {
        try await Self.withSilentNode(mode) { cluster, _ in
            let error = await Self.expectTimeout(after: .milliseconds(300)) {
                try await cluster.nodes[1].io.sockets.serverSideEmitWithAck("ask", timeout: .milliseconds(300))
            }
            guard case .ackTimeout(let partial) = error else {
                Issue.record("expected ackTimeout(partial:), got \(String(describing: error))")
                return
            }
            #expect(partial.compactMap(\.stringValue).sorted() == ["answer-0", "answer-2"])
        }
    }

    @Test(arguments: AdapterMode.allCases)
    func broadcastWithAckTimesOutWithTheAcksItGot(mode: AdapterMode) async throws {
        try await Self.withSilentNode(mode) { cluster, clients in
            let error = await Self.expectTimeout(after: .milliseconds(500)) {
                try await cluster.nodes[0].io.timeout(.milliseconds(500)).emitWithAck("ask")
            }
            guard case .ackTimeout(let partial) = error else {
                Issue.record("expected ackTimeout(partial:), got \(String(describing: error))")
                return
            }
            #expect(partial.compactMap(\.stringValue).sorted() == clients.map(\.label).sorted())
        }
    }

    /// Every request has a deadline, however short: a zero timeout must end the request at once, not
    /// leave it waiting forever for the silent node.
    @Test(arguments: [AdapterMode.classic, .shardedStatic])
    func zeroTimeoutRequestsStillEnd(mode: AdapterMode) async throws {
        try await Self.withSilentNode(mode) { cluster, _ in
            let namespace = cluster.nodes[0].io.sockets
            let finished = NIOLockedValueBox(0)
            let count = 500
            for _ in 0..<count {
                Task {
                    _ = try? await namespace.serverSideEmitWithAck("ask", timeout: .zero)
                    finished.withLockedValue { $0 += 1 }
                }
            }
            _ = try? await TestWait.until("all \(count) requests end", timeout: .seconds(2)) {
                finished.withLockedValue { $0 } == count
            }
            let pending = count - finished.withLockedValue { $0 }
            #expect(pending == 0, "\(pending) of \(count) zero-timeout requests never ended")
        }
    }

    @Test
    func allRoomsTimesOutInClassicMode() async throws {
        try await Self.withSilentNode(.classic) { cluster, _ in
            let error = await Self.expectTimeout(after: .milliseconds(400)) {
                try await cluster.nodes[2].adapter.allRooms()
            }
            #expect(error == .requestTimeout)
        }
    }

    /// After a timed-out request the adapter keeps working (the late request state is gone).
    @Test(arguments: AdapterMode.allCases)
    func requestsWorkAgainOnceTheSilentNodeIsGone(mode: AdapterMode) async throws {
        let configure: @Sendable (SocketIOServer, Int) -> Void = { _, _ in }
        try await withCluster(mode, requestTimeout: Self.requestTimeout, configure: configure) { cluster in
            let clients = try await cluster.connectGrid(perNode: 1).map { $0[0] }
            let silent = cluster.rawDriver()
            let channel = mode.nodeCountChannel()
            try await silent.subscribe(channel.name, kind: channel.kind, timeout: .seconds(1)) { _ in }
            await #expect(throws: SocketIOError.requestTimeout) { try await cluster.nodes[0].io.fetchSockets() }
            silent.unsubscribe(channel.name, kind: channel.kind)
            let sockets = try await cluster.nodes[0].io.fetchSockets()
            #expect(Set(sockets.map(\.id)) == Set(clients.map(\.socketID)))
        }
    }
}
