import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SocketIO
import SocketIOProtocol
import SocketIOTestSupport
import Testing

@testable import SocketIORedis

/// The adapter protocols a cluster test runs with.
enum AdapterMode: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case classic
    case shardedStatic = "sharded-static"
    case shardedDynamic = "sharded-dynamic"
    case shardedDynamicPrivate = "sharded-dynamic-private"

    /// The sharded modes only.
    static let sharded: [AdapterMode] = [.shardedStatic, .shardedDynamic, .shardedDynamicPrivate]

    /// The adapter configuration's mode.
    var redisMode: RedisAdapterConfiguration.Mode {
        switch self {
        case .classic: return .classic
        case .shardedStatic: return .sharded(.static)
        case .shardedDynamic: return .sharded(.dynamic)
        case .shardedDynamicPrivate: return .sharded(.dynamicPrivate)
        }
    }

    var isSharded: Bool { self != .classic }

    /// The channel whose subscriber count is the node count: the request channel (classic) or the
    /// main shard channel (sharded).
    func nodeCountChannel(namespace: String = "/", prefix: String = "socket.io") -> (name: String, kind: RedisSubscriptionKind) {
        self.isSharded ? ("\(prefix)#\(namespace)#", .sharded) : ("\(prefix)-request#\(namespace)#", .channel)
    }

    var testDescription: String { self.rawValue }
}

/// One Socket.IO server of a ``TestCluster``.
struct ClusterNode: Sendable {
    /// Its position in the cluster.
    let index: Int
    /// The server.
    let io: SocketIOServer
    /// Its connection to the shared broker.
    let driver: InMemoryPubSubDriver
    /// The listening channel.
    let listener: any Channel
    /// The port it listens on (127.0.0.1).
    let port: Int

    /// The adapter of `/`.
    var adapter: any LocalMembershipForwarding { self.io.sockets.adapter as! any LocalMembershipForwarding }

    /// The adapter of a namespace.
    func adapter(of namespace: String) -> any LocalMembershipForwarding {
        self.io.of(namespace).adapter as! any LocalMembershipForwarding
    }
}

/// N Socket.IO servers in this process sharing one ``InMemoryPubSubBroker``, each with a Redis adapter
/// in the given mode, listening on 127.0.0.1 with the test handlers installed on `/`:
///
/// - `__ready` acks (the connect helper uses it to know the connection handler ran);
/// - `join` / `leave` with room names, acked once applied;
/// - `broadcast` `[event, ...args]`: `socket.broadcast.emit(event, args)`;
/// - `to` `[room, event, ...args]`: `socket.to(room).emit(event, args)`.
///
/// Every socket's `data` is `{"node": <index>, "name": <auth.name>}`.
final class TestCluster: Sendable {
    let mode: AdapterMode
    let broker: InMemoryPubSubBroker
    let nodes: [ClusterNode]
    private let clients = NIOLockedValueBox<[TestSocketIOClient]>([])
    private let extraDrivers = NIOLockedValueBox<[InMemoryPubSubDriver]>([])
    private let barrierCounter = NIOLockedValueBox(0)
    private let barrierDriver: InMemoryPubSubDriver

    private init(mode: AdapterMode, broker: InMemoryPubSubBroker, nodes: [ClusterNode]) {
        self.mode = mode
        self.broker = broker
        self.nodes = nodes
        self.barrierDriver = broker.makeDriver()
        self.extraDrivers.withLockedValue { $0.append(self.barrierDriver) }
    }

    /// Starts `nodeCount` servers and waits until every adapter of `/` is subscribed.
    static func start(
        mode: AdapterMode,
        nodeCount: Int = 3,
        requestTimeout: TimeAmount = .seconds(5),
        onAdapterCreated: @escaping @Sendable (_ node: Int, SocketIONamespace) -> Void = { _, _ in },
        configure: @Sendable (SocketIOServer, Int) -> Void = { _, _ in }
    ) async throws -> TestCluster {
        let broker = InMemoryPubSubBroker()
        var nodes: [ClusterNode] = []
        do {
            for index in 0..<nodeCount {
                let driver = broker.makeDriver()
                let adapterConfiguration = RedisAdapterConfiguration(requestTimeout: requestTimeout, mode: mode.redisMode)
                var configuration = SocketIOServerConfiguration(ackTimeout: .seconds(10))
                let factory = RedisAdapterFactory.make(driver: driver, configuration: adapterConfiguration)
                configuration.adapterFactory = { namespace in
                    onAdapterCreated(index, namespace)
                    return factory(namespace)
                }
                let io = SocketIOServer(configuration: configuration)
                Self.installHandlers(on: io, index: index)
                configure(io, index)
                let listener = try await io.listen(host: "127.0.0.1", port: 0)
                let port = listener.localAddress?.port ?? 0
                nodes.append(ClusterNode(index: index, io: io, driver: driver, listener: listener, port: port))
                try await Self.waitUntilSubscribed(io.sockets.adapter)
            }
        } catch {
            for node in nodes { await Self.stop(node) }
            throw error
        }
        return TestCluster(mode: mode, broker: broker, nodes: nodes)
    }

    /// Waits for a namespace's adapter subscriptions.
    static func waitUntilSubscribed(_ adapter: any SocketIOAdapter) async throws {
        if let classic = adapter as? RedisAdapter {
            try await classic.waitUntilSubscribed()
        } else if let sharded = adapter as? ShardedRedisAdapter {
            try await sharded.waitUntilSubscribed()
        }
    }

    private static func installHandlers(on io: SocketIOServer, index: Int) {
        io.onConnection { socket in
            socket.data = ["node": .int(index), "name": socket.handshake.auth["name"] ?? .null]
            socket.on("__ready") { event in event.ack?.send(["ready"]) }
            socket.on("join") { event in
                event.socket.join(Set(event.arguments.compactMap(\.stringValue)))
                event.ack?.send(["joined"])
            }
            socket.on("leave") { event in
                for room in event.arguments.compactMap(\.stringValue) { event.socket.leave(room) }
                event.ack?.send(["left"])
            }
            socket.on("broadcast") { event in
                guard let name = event[0]?.stringValue else { return }
                event.socket.broadcast.emit(name, arguments: Array(event.arguments.dropFirst()))
                event.ack?.send(["sent"])
            }
            socket.on("to") { event in
                guard let room = event[0]?.stringValue, let name = event[1]?.stringValue else { return }
                event.socket.to(room).emit(name, arguments: Array(event.arguments.dropFirst(2)))
                event.ack?.send(["sent"])
            }
        }
    }

    // MARK: Clients

    /// Connects a client named `name` to node `node` (auth `{"name": name}`), and makes sure the
    /// server's connection handler has run.
    func connect(to node: Int, name: String, namespace: String = "/") async throws -> TestSocketIOClient {
        let client = try await TestSocketIOClient.connect(
            port: self.nodes[node].port, namespace: namespace, auth: ["name": .string(name)], label: name
        )
        self.clients.withLockedValue { $0.append(client) }
        if namespace == "/" { _ = try await client.emitWithAck("__ready") }
        try await self.settle(namespace: namespace)
        return client
    }

    /// Connects `perNode` clients to every node, named `n<node><letter>` (`n0a`, `n0b`, `n1a`, …).
    func connectGrid(perNode: Int) async throws -> [[TestSocketIOClient]] {
        var grid: [[TestSocketIOClient]] = []
        for node in self.nodes.indices {
            var row: [TestSocketIOClient] = []
            for position in 0..<perNode {
                let letter = String(UnicodeScalar(UInt8(ascii: "a") + UInt8(position)))
                row.append(try await self.connect(to: node, name: "n\(node)\(letter)"))
            }
            grid.append(row)
        }
        return grid
    }

    /// Every client connected through this cluster and not disconnected.
    var connectedClients: [TestSocketIOClient] {
        self.clients.withLockedValue { $0 }.filter { !$0.isDisconnected }
    }

    /// Makes `client` join `rooms` (acked by the server), then waits for the room channels.
    func join(_ client: TestSocketIOClient, _ rooms: String...) async throws {
        _ = try await client.emitWithAck("join", arguments: rooms.map(SocketIOValue.string))
        try await self.settle()
    }

    // MARK: Synchronisation

    /// Sharded dynamic modes subscribe a room's channel asynchronously when the room appears on a
    /// node: waits until every node with a room that has its own channel (not a socket id in `dynamic`,
    /// any room in `dynamic-private`) is subscribed to that channel, and no node without the room
    /// still is. Nothing to wait for in the other modes.
    func settle(namespace: String = "/", timeout: Duration = .seconds(5)) async throws {
        guard self.mode == .shardedDynamic || self.mode == .shardedDynamicPrivate else { return }
        try await TestWait.until("room channel subscriptions in \(self.mode)", timeout: timeout) {
            var expected: [String: Int] = [:]
            for node in self.nodes {
                let adapter = node.adapter(of: namespace)
                for room in adapter.localRooms where self.mode == .shardedDynamicPrivate || !adapter.local.isSocketID(room) {
                    expected[room, default: 0] += 1
                }
            }
            return expected.allSatisfy { room, count in
                self.broker.subscriberCount(of: "socket.io#\(namespace)#\(room)#", sharded: true) == count
            }
        }
    }

    /// Publishes a numbered `__barrier` event to every socket straight on the broker (as an emitter or a
    /// foreign node would) and waits until every connected client has it. Every node receives it from
    /// the broker after anything published before it, and after anything a node delivered locally
    /// before it, so everything broadcast earlier has been delivered once this returns.
    func barrier(timeout: Duration = .seconds(5)) async throws {
        let number = self.barrierCounter.withLockedValue { value -> Int in
            value += 1
            return value
        }
        if self.mode.isSharded {
            let envelope: SocketIOValue = [
                "uid": "barrier000000000", "nsp": "/", "type": 3,
                "data": ["packet": ["type": 2, "data": ["__barrier", .int(number)]], "opts": ["rooms": [], "except": [], "flags": [:]]],
            ]
            self.barrierDriver.publish(RedisWireCodec.json(envelope), to: "socket.io#/#", sharded: true)
        } else {
            let message: SocketIOValue = [
                "emitter", ["type": 2, "data": ["__barrier", .int(number)], "nsp": "/"], ["rooms": [], "flags": [:], "except": []],
            ]
            self.barrierDriver.publish(RedisWireCodec.messagePack(message), to: "socket.io#/#", sharded: false)
        }
        for client in self.connectedClients {
            let event = try await client.waitForEvent("__barrier", timeout: timeout)
            #expect(event.arguments == [.int(number)], "\(client.label) got barrier \(event.arguments), expected \(number)")
        }
    }

    /// Asserts that no client except `receivers` has an unread `event`, and that each receiver has exactly
    /// one. Call after a ``barrier(timeout:)``.
    func expectDelivered(
        _ event: String,
        exactlyTo receivers: [TestSocketIOClient],
        arguments: [SocketIOValue]? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let receiverSet = Set(receivers.map(ObjectIdentifier.init))
        for client in self.clients.withLockedValue({ $0 }) {
            let unread = client.unreadEvents(event)
            if receiverSet.contains(ObjectIdentifier(client)) {
                #expect(unread.count == 1, "\(client.label) should have '\(event)' once, has \(unread)", sourceLocation: sourceLocation)
                if let arguments, let first = unread.first {
                    #expect(first.arguments == arguments, "\(client.label): arguments of '\(event)'", sourceLocation: sourceLocation)
                }
            } else {
                #expect(unread.isEmpty, "\(client.label) should not have '\(event)', has \(unread)", sourceLocation: sourceLocation)
            }
        }
    }

    // MARK: Raw broker access

    /// A driver on the shared broker that is not a Socket.IO node (taps, emitters, fake Node peers);
    /// closed at shutdown.
    func rawDriver() -> InMemoryPubSubDriver {
        let driver = self.broker.makeDriver()
        self.extraDrivers.withLockedValue { $0.append(driver) }
        return driver
    }

    /// Adds a subscriber that counts as a node (it raises the node count) but never answers anything.
    func addSilentNode(namespace: String = "/") async throws {
        let channel = self.mode.nodeCountChannel(namespace: namespace)
        try await self.rawDriver().subscribe(channel.name, kind: channel.kind, timeout: .seconds(1)) { _ in }
    }

    /// Subscribes a recorder to `name`.
    func tap(_ name: String, kind: RedisSubscriptionKind) async throws -> MessageTap {
        let tap = MessageTap()
        try await self.rawDriver().subscribe(name, kind: kind, timeout: .seconds(1)) { tap.record($0) }
        return tap
    }

    // MARK: Teardown

    /// Closes every client, server, listener and driver.
    func shutdown() async {
        for client in self.clients.withLockedValue({ $0 }) { await client.closeAndWait() }
        for node in self.nodes { await Self.stop(node) }
        for driver in self.extraDrivers.withLockedValue({ $0 }) { await driver.close(timeout: .seconds(1)) }
    }

    private static func stop(_ node: ClusterNode) async {
        node.io.close()
        try? await node.listener.close()
        await node.driver.close(timeout: .seconds(1))
    }
}

/// Runs `body` with a started cluster and always shuts it down.
func withCluster(
    _ mode: AdapterMode,
    nodes: Int = 3,
    requestTimeout: TimeAmount = .seconds(5),
    onAdapterCreated: @escaping @Sendable (_ node: Int, SocketIONamespace) -> Void = { _, _ in },
    configure: @Sendable (SocketIOServer, Int) -> Void = { _, _ in },
    _ body: (TestCluster) async throws -> Void
) async throws {
    let cluster = try await TestCluster.start(
        mode: mode, nodeCount: nodes, requestTimeout: requestTimeout, onAdapterCreated: onAdapterCreated, configure: configure
    )
    do {
        try await body(cluster)
    } catch {
        await cluster.shutdown()
        throw error
    }
    await cluster.shutdown()
}

/// Records the messages of raw broker subscriptions.
final class MessageTap: Sendable {
    private let messages = NIOLockedValueBox<[RedisPubSubMessage]>([])

    func record(_ message: RedisPubSubMessage) {
        self.messages.withLockedValue { $0.append(message) }
    }

    /// Everything recorded so far.
    var all: [RedisPubSubMessage] { self.messages.withLockedValue { $0 } }

    /// Waits until `count` messages matching `filter` were recorded and returns them.
    func wait(
        for count: Int = 1,
        timeout: Duration = .seconds(5),
        where filter: @escaping @Sendable (RedisPubSubMessage) -> Bool = { _ in true }
    ) async throws -> [RedisPubSubMessage] {
        try await TestWait.until("\(count) tapped message(s) (have \(self.all.count))", timeout: timeout) {
            let matching = self.all.filter(filter)
            return matching.count >= count ? matching : nil
        }
    }

    /// The payloads decoded with the adapter codec (nil for undecodable ones).
    func decoded(where filter: (RedisPubSubMessage) -> Bool = { _ in true }) -> [SocketIOValue?] {
        self.all.filter(filter).map { RedisWireCodec.decode($0.payload) }
    }
}
