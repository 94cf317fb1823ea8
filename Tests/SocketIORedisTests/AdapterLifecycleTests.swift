import Foundation
import NIOConcurrencyHelpers
import NIOCore
import SocketIO
import SocketIOProtocol
import SocketIOTestSupport
import Testing

@testable import SocketIORedis

/// Namespaces and subscriptions over an adapter's life: every namespace has its own channels, a
/// namespace is subscribed once, room channels come and go with their rooms, and closing an adapter
/// ends its pending requests.
@Suite(.serialized)
struct AdapterLifecycleTests {
    @Test(arguments: AdapterMode.allCases)
    func namespacesAreIsolatedAcrossNodes(mode: AdapterMode) async throws {
        let configure: @Sendable (SocketIOServer, Int) -> Void = { io, _ in _ = io.of("/admin") }
        try await withCluster(mode, configure: configure) { cluster in
            for node in cluster.nodes { try await TestCluster.waitUntilSubscribed(node.io.of("/admin").adapter) }
            let root = try await cluster.connectGrid(perNode: 1).map { $0[0] }
            var admins: [TestSocketIOClient] = []
            for node in cluster.nodes.indices {
                admins.append(try await TestSocketIOClient.connect(port: cluster.nodes[node].port, namespace: "/admin", label: "admin\(node)"))
            }
            defer { for admin in admins { admin.close() } }

            cluster.nodes[0].io.of("/admin").emit("for-admins", 1)
            for admin in admins {
                #expect(try await admin.waitForEvent("for-admins").arguments == [1], "\(admin.label)")
            }
            try await cluster.barrier()
            for client in root { #expect(client.receivedEvents("for-admins").isEmpty, "\(client.label) is in /") }

            let sockets = try await cluster.nodes[2].io.of("/admin").fetchSockets()
            #expect(Set(sockets.map(\.id)) == Set(admins.map(\.socketID)))
            cluster.nodes[1].io.emit("for-root")
            try await cluster.barrier()
            cluster.expectDelivered("for-root", exactlyTo: root)
            for admin in admins { try await admin.expectNoEvent("for-root", within: .milliseconds(100)) }
        }
    }

    /// `io.of(name)` called concurrently (two clients connecting to a new dynamic namespace on two
    /// event loops, or application code) must create one namespace with one adapter. A second adapter,
    /// made for a duplicate namespace that is then dropped, subscribes the same channels on the same
    /// driver (replacing the live adapter's handlers, one per channel) and is never closed.
    @Test(arguments: [AdapterMode.classic, .shardedStatic])
    func concurrentNamespaceCreationMakesOneAdapter(mode: AdapterMode) async throws {
        let created = NIOLockedValueBox<[String: Int]>([:])
        let received = NIOLockedValueBox<Set<String>>([])
        try await withCluster(mode, nodes: 2, onAdapterCreated: { node, namespace in
            if node == 0 { created.withLockedValue { $0[namespace.name, default: 0] += 1 } }
        }) { cluster in
            let io = cluster.nodes[0].io
            let names = (0..<40).map { "/race\($0)" }
            for name in names {
                // Callers on their own threads, released together, as concurrent CONNECTs on different
                // event loops would be.
                try await Self.onThreads(4) { _ = io.of(name) }
                io.of(name).onServerSideEmit { packet, _ in
                    if packet.first == "ping" { received.withLockedValue { _ = $0.insert(name) } }
                }
                try await TestCluster.waitUntilSubscribed(io.of(name).adapter)
                try await TestCluster.waitUntilSubscribed(cluster.nodes[1].io.of(name).adapter)
            }
            let duplicates = created.withLockedValue { $0.filter { $0.value > 1 } }
            #expect(duplicates.isEmpty, "namespaces whose adapter was made more than once: \(duplicates.keys.sorted())")

            // Whatever happened, every namespace on node 0 must still hear the other node.
            for name in names { cluster.nodes[1].io.of(name).serverSideEmit("ping") }
            _ = try? await TestWait.until("every namespace on node 0 hears node 1", timeout: .seconds(2)) {
                received.withLockedValue { $0.count } == names.count
            }
            let missing = Set(names).subtracting(received.withLockedValue { $0 })
            #expect(missing.isEmpty, "namespaces on node 0 deaf to the cluster: \(missing.sorted())")
        }
    }

    /// Runs `body` on `count` new threads released at the same moment; returns when all are done.
    static func onThreads(_ count: Int, _ body: @escaping @Sendable () -> Void) async throws {
        let gate = StartGate(parties: count)
        let finished = NIOLockedValueBox(0)
        for _ in 0..<count {
            let thread = Thread {
                gate.arriveAndWait()
                body()
                finished.withLockedValue { $0 += 1 }
            }
            thread.start()
        }
        try await TestWait.until("\(count) threads done") { finished.withLockedValue { $0 } == count }
    }

    @Test(arguments: [AdapterMode.shardedDynamic, .shardedDynamicPrivate])
    func roomChannelsFollowTheirRooms(mode: AdapterMode) async throws {
        try await withCluster(mode) { cluster in
            let clients = try await cluster.connectGrid(perNode: 1).map { $0[0] }
            let channel = "socket.io#/#lobby#"
            try await cluster.join(clients[0], "lobby")
            try await cluster.join(clients[2], "lobby")
            #expect(cluster.broker.subscriberCount(of: channel, sharded: true) == 2)
            _ = try await clients[0].emitWithAck("leave", "lobby")
            try await TestWait.until("one subscription left") { cluster.broker.subscriberCount(of: channel, sharded: true) == 1 }
            clients[2].leaveNamespace()
            try await TestWait.until("no subscription left") { cluster.broker.subscriberCount(of: channel, sharded: true) == 0 }
        }
    }

    /// A room that appears and disappears at once (join then leave in a row) must not leave its
    /// channel subscribed: the unsubscribe must not overtake the subscribe.
    @Test(arguments: [AdapterMode.shardedDynamic, .shardedDynamicPrivate])
    func roomJoinedAndLeftAtOnceLeavesNoSubscription(mode: AdapterMode) async throws {
        try await withCluster(mode) { cluster in
            let client = try await cluster.connect(to: 0, name: "n0a")
            let io = cluster.nodes[0].io
            let rooms = (0..<5).map { "flash\($0)" }
            // Under load the adapter's subscribe task runs after the join/leave calls return: keep the
            // other cooperative threads busy for a moment so that it does here too.
            let busy = await CooperativePoolLoad.start(for: .milliseconds(150))
            for room in rooms {
                io.in(client.socketID).socketsJoin(room)
                io.in(client.socketID).socketsLeave(room)
            }
            await busy.finish()
            #expect(cluster.nodes[0].adapter.localRooms == [client.socketID])
            try await TestWait.never(for: .milliseconds(300)) {
                let leaked = rooms.filter { cluster.broker.subscriberCount(of: "socket.io#/#\($0)#", sharded: true) > 0 }
                return leaked.isEmpty ? nil : "room channels still subscribed without a room: \(leaked)"
            }
        }
    }

    @Test(arguments: AdapterMode.allCases)
    func closingAnAdapterFailsItsPendingRequests(mode: AdapterMode) async throws {
        try await withCluster(mode, requestTimeout: .seconds(10)) { cluster in
            try await cluster.addSilentNode()
            let adapter = cluster.nodes[0].adapter
            let start = ContinuousClock.now
            let io = cluster.nodes[0].io
            let fetch = Task { try await io.fetchSockets() }
            try await TestWait.until("the request is pending") {
                if let classic = adapter as? RedisAdapter { return classic.requests.count == 1 }
                return (adapter as? ShardedRedisAdapter)?.requests.count == 1
            }
            adapter.close()
            await #expect(throws: SocketIOError.requestTimeout) { _ = try await fetch.value }
            #expect(ContinuousClock.now - start < .seconds(5), "failed at close, not at the 10 s timeout")
        }
    }

    @Test(arguments: AdapterMode.allCases)
    func fetchSocketsCarriesBinaryData(mode: AdapterMode) async throws {
        try await withCluster(mode) { cluster in
            let client = try await cluster.connect(to: 2, name: "n2a")
            let avatar = SocketIOValue.binary(ByteBuffer(bytes: [0x89, 0x50, 0x4e, 0x47]))
            let socket = try #require(cluster.nodes[2].io.sockets.localSocket(id: client.socketID))
            socket.data = ["avatar": avatar]
            let fetched = try await cluster.nodes[0].io.fetchSockets()
            #expect(fetched.map(\.id) == [client.socketID])
            #expect(fetched.first?.data == ["avatar": avatar])
        }
    }
}

/// Holds up to `parties` callers until all of them arrived (or 100 ms passed), so they continue at
/// the same moment on different threads.
final class StartGate: Sendable {
    private let parties: Int
    private let arrived = NIOLockedValueBox(0)

    init(parties: Int) {
        self.parties = parties
    }

    func arriveAndWait() {
        self.arrived.withLockedValue { $0 += 1 }
        let deadline = ContinuousClock.now.advanced(by: .milliseconds(100))
        while self.arrived.withLockedValue({ $0 }) < self.parties, ContinuousClock.now < deadline {}
    }
}

/// Spins on every cooperative thread but the caller's, simulating a loaded process: tasks spawned in
/// the meantime only run once the caller suspends.
struct CooperativePoolLoad {
    private let spinners: [Task<Void, Never>]

    static func start(for duration: Duration) async -> CooperativePoolLoad {
        let running = NIOLockedValueBox(0)
        let count = max(1, System.coreCount - 1)
        let spinners = (0..<count).map { _ in
            Task.detached {
                running.withLockedValue { $0 += 1 }
                let deadline = ContinuousClock.now.advanced(by: duration)
                while ContinuousClock.now < deadline {}
            }
        }
        _ = try? await TestWait.until("spinners running", timeout: .seconds(2)) { running.withLockedValue { $0 } == count }
        return CooperativePoolLoad(spinners: spinners)
    }

    func finish() async {
        for spinner in self.spinners { await spinner.value }
    }
}
