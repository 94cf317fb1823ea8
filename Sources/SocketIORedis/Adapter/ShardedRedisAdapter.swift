import Logging
import NIOConcurrencyHelpers
import NIOCore
import SocketIO
import SocketIOProtocol

/// The sharded Redis adapter (Redis ≥ 7), wire-compatible with the reference `createShardedAdapter`.
///
/// Every message is an envelope `{uid, nsp, type, data}` (uid: 16 hex characters), JSON unless it
/// carries binary (then MessagePack), sent with SPUBLISH. Channels: the namespace's main channel
/// `P#N#`, this node's response channel `P#N#<uid>#`, and in `dynamic` mode one channel per room that
/// is not a socket id (`dynamic-private`: every room), subscribed while the room has local members. A
/// broadcast without ack to exactly one room goes to the room's channel (in `dynamic`, only when the
/// room name is not 20 characters long); everything else to the main channel. Join/leave/disconnect are
/// applied locally and published; the publisher ignores its own uid. The node count is
/// `PUBSUB SHARDNUMSUB P#N#`.
///
/// While Redis is unreachable, local delivery goes on and publishes queue in the driver (bounded, sent
/// once the other nodes have subscribed again); fetchSockets, allRooms, serverSideEmitWithAck,
/// serverCount and broadcasts with acks throw ``SocketIOClusterError/redisUnavailable`` at once, and
/// those waiting for answers when the link drops fail with it too.
public final class ShardedRedisAdapter: LocalMembershipForwarding, RedisAdapterLinkWatching {
    /// The envelope types.
    enum MessageType: Int, Sendable {
        case initialHeartbeat = 1, heartbeat, broadcast, socketsJoin, socketsLeave, disconnectSockets, fetchSockets
        case fetchSocketsResponse, serverSideEmit, serverSideEmitResponse, broadcastClientCount, broadcastAck, adapterClose
    }

    /// This node's id (16 hex characters).
    public let uid: String
    /// The local membership and delivery.
    public let local: InMemoryAdapter
    private let weakSelf: WeakShardedAdapter
    private let roomChannelChanges: AsyncStream<RoomChannelChange>.Continuation
    let driver: any RedisPubSubDriver
    let configuration: RedisAdapterConfiguration
    let subscriptionMode: RedisAdapterConfiguration.ShardedSubscriptionMode
    let logger: Logger
    weak let namespace: SocketIONamespace?
    let namespaceName: String
    package let channel: String
    package let responseChannel: String
    let requests = RedisRequestTable()
    let ackRequests = NIOLockedValueBox<[String: SocketIOAckCollector]>([:])
    let eventLoop: any EventLoop
    private let subscribed: EventLoopPromise<Void>
    private let linkObserver = NIOLockedValueBox<Int?>(nil)

    var nodeCountChannel: (name: String, sharded: Bool) { (self.channel, true) }

    /// An adapter for `namespace`; it subscribes at once (see ``waitUntilSubscribed()``).
    public init(
        namespace: SocketIONamespace,
        driver: any RedisPubSubDriver,
        configuration: RedisAdapterConfiguration,
        subscriptionMode: RedisAdapterConfiguration.ShardedSubscriptionMode,
        logger: Logger
    ) {
        self.uid = RedisIdentifiers.hex16()
        self.driver = driver
        self.configuration = configuration
        self.subscriptionMode = subscriptionMode
        self.logger = logger
        self.namespace = namespace
        self.namespaceName = namespace.name
        self.channel = "\(configuration.keyPrefix)#\(namespace.name)#"
        self.responseChannel = "\(configuration.keyPrefix)#\(namespace.name)#\(self.uid)#"
        self.eventLoop = namespace.server.eventLoopGroup.any()
        self.subscribed = self.eventLoop.makePromise(of: Void.self)
        let dynamic = subscriptionMode != .static
        let weakSelf = WeakShardedAdapter()
        self.weakSelf = weakSelf
        let observer: InMemoryAdapter.RoomObserver = { created, deleted in
            weakSelf.adapter?.roomsChanged(created: created, deleted: deleted)
        }
        self.local = InMemoryAdapter(namespace: namespace, roomObserver: dynamic ? observer : nil)
        let (changes, continuation) = AsyncStream.makeStream(of: RoomChannelChange.self)
        self.roomChannelChanges = continuation
        weakSelf.adapter = self
        Task { [driver, timeout = configuration.subscribeTimeout] in
            await Self.applyRoomChannelChanges(changes, driver: driver, timeout: timeout, adapter: weakSelf)
        }
        let timeout = configuration.subscribeTimeout
        self.subscribed.completeWithTask { [self] in
            for name in [self.channel, self.responseChannel] {
                try await self.driver.subscribe(name, kind: .sharded, timeout: timeout) { [weak self] message in
                    self?.onRawMessage(message)
                }
            }
        }
        let linkObserverID = self.startWatchingLink()
        self.linkObserver.withLockedValue { $0 = linkObserverID }
    }

    /// Returns once the main and response channels are subscribed.
    public func waitUntilSubscribed() async throws {
        try await self.subscribed.futureResult.get()
    }

    private func dynamicChannel(_ room: String) -> String { self.channel + room + "#" }

    private func usesOwnChannel(_ room: String, isSocketID: Bool) -> Bool {
        switch self.subscriptionMode {
        case .static: return false
        case .dynamic: return !isSocketID
        case .dynamicPrivate: return true
        }
    }

    fileprivate func roomsChanged(created: [(room: String, isPrivate: Bool)], deleted: [(room: String, isPrivate: Bool)]) {
        for (room, isPrivate) in created where self.usesOwnChannel(room, isSocketID: isPrivate) {
            self.roomChannelChanges.yield(.subscribe(self.dynamicChannel(room)))
        }
        for (room, isPrivate) in deleted where self.usesOwnChannel(room, isSocketID: isPrivate) {
            self.roomChannelChanges.yield(.unsubscribe(self.dynamicChannel(room)))
        }
    }

    /// A change to the per-room channel subscriptions.
    enum RoomChannelChange: Sendable {
        case subscribe(String)
        case unsubscribe(String)
    }

    /// Applies room channel changes one after the other, in the order the rooms changed, so a room
    /// created and deleted at once never leaves its channel subscribed.
    private static func applyRoomChannelChanges(
        _ changes: AsyncStream<RoomChannelChange>,
        driver: any RedisPubSubDriver,
        timeout: TimeAmount,
        adapter: WeakShardedAdapter
    ) async {
        for await change in changes {
            switch change {
            case .subscribe(let channel):
                try? await driver.subscribe(channel, kind: .sharded, timeout: timeout) { message in adapter.adapter?.onRawMessage(message) }
            case .unsubscribe(let channel):
                driver.unsubscribe(channel, kind: .sharded)
            }
        }
    }

    // MARK: Publishing

    private func publish(_ type: MessageType, _ data: SocketIOValue, channel: String? = nil) {
        let envelope: SocketIOValue = [
            "uid": .string(self.uid), "nsp": .string(self.namespaceName), "type": .int(type.rawValue), "data": data,
        ]
        self.driver.publish(RedisWireCodec.jsonUnlessBinary(envelope), to: channel ?? self.channel, sharded: true)
    }

    func publishResponse(to requester: String, _ type: MessageType, _ data: SocketIOValue) {
        self.publish(type, data, channel: "\(self.channel)\(requester)#")
    }

    public func broadcast(_ packet: SocketIOPacket, options: SocketIOBroadcastOptions) {
        if !options.flags.local {
            var channel = self.channel
            if options.rooms.count == 1, let room = options.rooms.first,
                (self.subscriptionMode == .dynamic && room.count != 20) || self.subscriptionMode == .dynamicPrivate
            {
                channel = self.dynamicChannel(room)
            }
            self.publish(.broadcast, ["packet": packet.wireValue, "opts": options.wireValue], channel: channel)
        }
        self.local.broadcast(packet, options: options)
    }

    public func broadcastWithAck(_ packet: SocketIOPacket, options: SocketIOBroadcastOptions, collector: SocketIOAckCollector) {
        guard !options.flags.local else {
            self.local.broadcastWithAck(packet, options: options, collector: collector)
            return
        }
        let requestID = RedisIdentifiers.hex16()
        self.ackRequests.withLockedValue { $0[requestID] = collector }
        var published = packet
        published.ackID = nil
        self.publish(.broadcast, ["packet": published.wireValue, "requestId": .string(requestID), "opts": options.wireValue])
        self.eventLoop.scheduleTask(in: .milliseconds(Int64(options.flags.timeout ?? 5000))) { [weak self] in
            _ = self?.ackRequests.withLockedValue { $0.removeValue(forKey: requestID) }
        }
        self.local.broadcastWithAck(packet, options: options, sink: collector)
        self.announceNodeCount(to: collector, requestID: requestID)
    }

    // MARK: Server-side operations

    public func fetchSockets(_ options: SocketIOBroadcastOptions) async throws -> [SocketIORemoteSocket] {
        let localSockets = try await self.local.fetchSockets(options)
        if options.flags.local { return localSockets }
        let others = try await self.clusterNodeCount() - 1
        if others <= 0 { return localSockets }
        let requestID = RedisIdentifiers.hex16()
        let timeout = TimeAmount.milliseconds(Int64(options.flags.timeout ?? Int(self.configuration.requestTimeout.nanoseconds / 1_000_000)))
        let answers = self.requests.start(id: requestID, kind: .fetchSockets, expected: others, timeout: timeout, on: self.eventLoop)
        self.publish(.fetchSockets, ["opts": options.wireValue, "requestId": .string(requestID)])
        self.failIfLinkDown(requestID)
        let remote = try await answers.get().compactMap { SocketIORemoteSocket(wire: $0, namespace: self.namespace) }
        return localSockets + remote
    }

    public func addSockets(_ options: SocketIOBroadcastOptions, rooms: Set<String>) {
        if !options.flags.local {
            self.publish(.socketsJoin, ["opts": options.wireValue, "rooms": .array(rooms.sorted().map(SocketIOValue.string))])
        }
        self.local.addSockets(options, rooms: rooms)
    }

    public func delSockets(_ options: SocketIOBroadcastOptions, rooms: Set<String>) {
        if !options.flags.local {
            self.publish(.socketsLeave, ["opts": options.wireValue, "rooms": .array(rooms.sorted().map(SocketIOValue.string))])
        }
        self.local.delSockets(options, rooms: rooms)
    }

    public func disconnectSockets(_ options: SocketIOBroadcastOptions, close: Bool) {
        if !options.flags.local {
            self.publish(.disconnectSockets, ["opts": options.wireValue, "close": .bool(close)])
        }
        self.local.disconnectSockets(options, close: close)
    }

    public func serverSideEmit(_ packet: [SocketIOValue]) {
        self.publish(.serverSideEmit, ["packet": .array(packet)])
    }

    public func serverSideEmitWithAck(_ packet: [SocketIOValue], timeoutMilliseconds: Int) async throws -> [SocketIOValue] {
        let others = try await self.clusterNodeCount() - 1
        guard others > 0 else { return [] }
        let requestID = RedisIdentifiers.hex16()
        let answers = self.requests.start(
            id: requestID, kind: .serverSideEmit, expected: others, timeout: .milliseconds(Int64(timeoutMilliseconds)), on: self.eventLoop
        )
        self.publish(.serverSideEmit, ["requestId": .string(requestID), "packet": .array(packet)])
        self.failIfLinkDown(requestID)
        return try await answers.get()
    }

    /// The sharded protocol has no room listing request: the rooms of this node. Throws
    /// ``SocketIOClusterError/redisUnavailable`` while Redis is unreachable, like the other cluster
    /// operations.
    public func allRooms() async throws -> Set<String> {
        guard self.driver.state == .connected else { throw SocketIOClusterError.redisUnavailable }
        return self.local.localRooms
    }

    /// The number of nodes (`PUBSUB SHARDNUMSUB` of the main channel); throws
    /// ``SocketIOClusterError/redisUnavailable`` while Redis is unreachable.
    public func serverCount() async throws -> Int {
        try await self.clusterNodeCount()
    }

    public func close() {
        if let observer = self.linkObserver.withLockedValue({ value -> Int? in defer { value = nil }; return value }) {
            self.stopWatchingLink(observer)
        }
        self.roomChannelChanges.finish()
        self.driver.unsubscribe(self.channel, kind: .sharded)
        self.driver.unsubscribe(self.responseChannel, kind: .sharded)
        for room in self.local.localRooms where self.usesOwnChannel(room, isSocketID: self.local.isSocketID(room)) {
            self.driver.unsubscribe(self.dynamicChannel(room), kind: .sharded)
        }
        self.requests.failAll()
    }

    // MARK: Receiving

    /// An envelope `{uid, nsp, type, data}` on one of this adapter's channels. Anything that is not
    /// exactly that shape is dropped and counted (``RedisInboundDropReason``).
    package func onRawMessage(_ message: RedisPubSubMessage) {
        do throws(RedisInboundDrop) {
            guard let envelope = RedisWireCodec.decode(message.payload) else { throw RedisInboundDrop(.undecodable, "neither JSON nor MessagePack") }
            guard case .object = envelope else { throw RedisInboundDrop(.malformedEnvelope, "not an object") }
            let sender = try RedisInboundFields.string(envelope["uid"], "uid", .malformedEnvelope)
            let typeNumber = try RedisInboundFields.integer(envelope["type"], "type", in: Int.min...Int.max, .malformedEnvelope)
            guard let type = MessageType(rawValue: typeNumber) else { throw RedisInboundDrop(.unknownType, "envelope type \(typeNumber)") }
            if let namespace = try RedisInboundFields.optionalString(envelope["nsp"], "nsp", .malformedEnvelope), namespace != self.namespaceName {
                throw RedisInboundDrop(.namespaceMismatch, "envelope for another namespace")
            }
            if sender == self.uid { return }
            switch type {
            case .initialHeartbeat, .heartbeat, .adapterClose:
                return
            default:
                break
            }
            guard case .object = envelope["data"] else { throw RedisInboundDrop(.malformedEnvelope, "data is not an object") }
            let data = envelope["data"] ?? .null
            if message.channel == self.responseChannel {
                try self.onResponse(type, data)
            } else {
                try self.onMessage(type, data, from: sender)
            }
        } catch {
            self.dropInbound(error, channel: message.channel)
        }
    }

    private func onMessage(_ type: MessageType, _ data: SocketIOValue, from sender: String) throws(RedisInboundDrop) {
        switch type {
        case .broadcast:
            var packet = try RedisInboundFields.broadcastPacket(data["packet"], namespace: self.namespaceName)
            let options = try RedisInboundFields.options(data["opts"])
            if let requestID = try RedisInboundFields.optionalString(data["requestId"], "requestId", .invalidRequest) {
                packet.ackID = self.namespace?.localAckID()
                self.local.broadcastWithAck(packet, options: options, sink: ShardedAckForwarder(adapter: self, requester: sender, requestID: requestID))
            } else {
                self.local.broadcast(packet, options: options)
            }
        case .socketsJoin:
            let options = try RedisInboundFields.options(data["opts"])
            self.local.addSockets(options, rooms: try RedisInboundFields.rooms(data["rooms"], "rooms", required: true, .invalidRequest))
        case .socketsLeave:
            let options = try RedisInboundFields.options(data["opts"])
            self.local.delSockets(options, rooms: try RedisInboundFields.rooms(data["rooms"], "rooms", required: true, .invalidRequest))
        case .disconnectSockets:
            let options = try RedisInboundFields.options(data["opts"])
            self.local.disconnectSockets(options, close: try RedisInboundFields.bool(data["close"], "close", default: false, .invalidRequest))
        case .fetchSockets:
            let requestID = try RedisInboundFields.string(data["requestId"], "requestId", .invalidRequest)
            let options = try RedisInboundFields.options(data["opts"])
            let local = self.local
            Task {
                let sockets = (try? await local.fetchSockets(options)) ?? []
                self.publishResponse(to: sender, .fetchSocketsResponse, [
                    "requestId": .string(requestID), "sockets": .array(sockets.map(\.wireValue)),
                ])
            }
        case .serverSideEmit:
            let packet = try RedisInboundFields.serverSideEmitArguments(data["packet"], "packet")
            guard let requestID = try RedisInboundFields.optionalString(data["requestId"], "requestId", .invalidRequest) else {
                self.namespace?.handleServerSideEmit(packet, reply: nil)
                return
            }
            let replied = NIOLockedValueBox(false)
            self.namespace?.handleServerSideEmit(packet) { [weak self] arguments in
                guard !replied.withLockedValue({ let was = $0; $0 = true; return was }) else { return }
                self?.publishResponse(to: sender, .serverSideEmitResponse, ["requestId": .string(requestID), "packet": arguments.first ?? .null])
            }
        case .fetchSocketsResponse, .serverSideEmitResponse, .broadcastClientCount, .broadcastAck:
            try self.onResponse(type, data)
        case .initialHeartbeat, .heartbeat, .adapterClose:
            break
        }
    }

    private func onResponse(_ type: MessageType, _ data: SocketIOValue) throws(RedisInboundDrop) {
        let requestID = try RedisInboundFields.string(data["requestId"], "requestId", .invalidResponse)
        switch type {
        case .broadcastClientCount:
            let count = try RedisInboundFields.integer(data["clientCount"], "clientCount", in: 0...Int(Int32.max), .invalidResponse)
            self.ackRequests.withLockedValue { $0[requestID] }?.nodeReported(clientCount: count)
        case .broadcastAck:
            self.ackRequests.withLockedValue { $0[requestID] }?.received(data["packet"] ?? .null)
        case .fetchSocketsResponse:
            guard case .array(let sockets) = data["sockets"] else { throw RedisInboundDrop(.invalidResponse, "sockets is not an array") }
            self.requests.answer(requestID, values: sockets)
        case .serverSideEmitResponse:
            self.requests.answer(requestID, values: [data["packet"] ?? .null])
        default:
            throw RedisInboundDrop(.invalidResponse, "envelope type \(type.rawValue) is not a response")
        }
    }

    /// Counts and logs a dropped message.
    private func dropInbound(_ drop: RedisInboundDrop, channel: String) {
        self.driver.statistics.countInboundDrop(drop.reason)
        self.logger.debug("dropped a malformed cluster message", metadata: [
            "channel": "\(channel)", "reason": "\(drop.reason.rawValue)", "detail": "\(drop.detail)",
        ])
    }
}

/// Reports a remote broadcast-with-ack's local client count and answers to the requesting node.
final class ShardedAckForwarder: SocketIOAckSink {
    private let adapter: ShardedRedisAdapter
    private let requester: String
    private let requestID: String
    private let reported = NIOLockedValueBox(false)

    init(adapter: ShardedRedisAdapter, requester: String, requestID: String) {
        self.adapter = adapter
        self.requester = requester
        self.requestID = requestID
    }

    func expect(_ count: Int) {
        guard count >= 0, !self.reported.withLockedValue({ let was = $0; $0 = true; return was }) else { return }
        self.adapter.publishResponse(to: self.requester, .broadcastClientCount, ["requestId": .string(self.requestID), "clientCount": .int(count)])
    }

    func received(_ response: SocketIOValue) {
        self.adapter.publishResponse(to: self.requester, .broadcastAck, ["requestId": .string(self.requestID), "packet": response])
    }
}

/// Lets closures made during initialisation reach the adapter without a retain cycle.
private final class WeakShardedAdapter: @unchecked Sendable {
    weak var adapter: ShardedRedisAdapter?
}
