import Logging
import NIOConcurrencyHelpers
import NIOCore
import SocketIO
import SocketIOProtocol

/// The classic Redis adapter, wire-compatible with the reference `@socket.io/redis-adapter`
/// (`createAdapter`), so Swift nodes, Node.js nodes and emitters can share one Redis.
///
/// How it works, per namespace `N` with key prefix `P` and this node's 6-character `uid`:
/// - Broadcasts are delivered locally and published once (never per recipient) as MessagePack
///   `[uid, {type, data, nsp}, {rooms, except, flags}]` on `P#N#`, or `P#N#room#` when they target
///   exactly one room. Every node PSUBSCRIBEs `P#N#*`; a node drops messages for rooms it does not
///   have before decoding them, and its own messages (Redis echoes them) by uid.
/// - Requests (`P-request#N#`, JSON or MessagePack) carry the other operations: fetchSockets,
///   allRooms, socketsJoin/Leave, disconnectSockets, serverSideEmit and broadcasts with acks. The
///   number of nodes is the subscriber count of the request channel (`PUBSUB NUMSUB`); answers come back
///   on `P-response#N#` (shared) and are matched by request id in ``RedisRequestTable``.
/// - Join/leave/disconnect are applied locally at once and published; this node ignores its own echo.
///
/// While Redis is unreachable, local delivery goes on and publishes queue in the driver (bounded, sent
/// once the other nodes have subscribed again); fetchSockets, allRooms, serverSideEmitWithAck,
/// serverCount and broadcasts with acks throw ``SocketIOClusterError/redisUnavailable`` at once, and
/// those waiting for answers when the link drops fail with it too.
public final class RedisAdapter: LocalMembershipForwarding, RedisAdapterLinkWatching {
    /// This node's id in the classic protocol (6 characters of `[A-Za-z0-9]`).
    public let uid: String
    /// The local membership and delivery.
    public let local: InMemoryAdapter
    let driver: any RedisPubSubDriver
    let configuration: RedisAdapterConfiguration
    let logger: Logger
    weak let namespace: SocketIONamespace?
    let namespaceName: String
    package let channel: String
    package let requestChannel: String
    package let responseChannel: String
    package let specificResponseChannel: String
    let requests = RedisRequestTable()
    let ackRequests = NIOLockedValueBox<[String: SocketIOAckCollector]>([:])
    let eventLoop: any EventLoop
    private let subscribed: EventLoopPromise<Void>
    private let linkObserver = NIOLockedValueBox<Int?>(nil)

    var nodeCountChannel: (name: String, sharded: Bool) { (self.requestChannel, false) }

    /// An adapter for `namespace` over `driver`; it subscribes at once (see ``waitUntilSubscribed()``).
    public init(namespace: SocketIONamespace, driver: any RedisPubSubDriver, configuration: RedisAdapterConfiguration, logger: Logger) {
        self.uid = RedisIdentifiers.alphanumeric(6)
        self.local = InMemoryAdapter(namespace: namespace)
        self.driver = driver
        self.configuration = configuration
        self.logger = logger
        self.namespace = namespace
        self.namespaceName = namespace.name
        let prefix = configuration.keyPrefix
        self.channel = "\(prefix)#\(namespace.name)#"
        self.requestChannel = "\(prefix)-request#\(namespace.name)#"
        self.responseChannel = "\(prefix)-response#\(namespace.name)#"
        self.specificResponseChannel = "\(prefix)-response#\(namespace.name)#\(self.uid)#"
        self.eventLoop = namespace.server.eventLoopGroup.any()
        self.subscribed = self.eventLoop.makePromise(of: Void.self)
        self.subscribe()
        let observer = self.startWatchingLink()
        self.linkObserver.withLockedValue { $0 = observer }
    }

    /// Returns once every subscription of this adapter is confirmed by the broker.
    public func waitUntilSubscribed() async throws {
        try await self.subscribed.futureResult.get()
    }

    private func subscribe() {
        let promise = self.subscribed
        let timeout = self.configuration.subscribeTimeout
        promise.completeWithTask { [self] in
            try await self.driver.subscribe("\(self.channel)*", kind: .pattern, timeout: timeout) { [weak self] message in
                self?.onBroadcastMessage(message)
            }
            for name in [self.requestChannel, self.responseChannel, self.specificResponseChannel] {
                try await self.driver.subscribe(name, kind: .channel, timeout: timeout) { [weak self] message in
                    self?.onRequestOrResponse(message)
                }
            }
        }
        promise.futureResult.whenFailure { [logger, channel] error in
            logger.warning("redis adapter subscriptions not confirmed yet; the driver re-issues them on reconnect", metadata: [
                "channel": "\(channel)", "error": "\(error)",
            ])
        }
    }

    // MARK: Broadcasting

    public func broadcast(_ packet: SocketIOPacket, options: SocketIOBroadcastOptions) {
        if !options.flags.local {
            let message: SocketIOValue = [.string(self.uid), packet.wireValue, options.wireValue]
            var channel = self.channel
            if options.rooms.count == 1, let room = options.rooms.first { channel += room + "#" }
            self.driver.publish(RedisWireCodec.messagePack(message), to: channel, sharded: false)
        }
        self.local.broadcast(packet, options: options)
    }

    public func broadcastWithAck(_ packet: SocketIOPacket, options: SocketIOBroadcastOptions, collector: SocketIOAckCollector) {
        guard !options.flags.local else {
            self.local.broadcastWithAck(packet, options: options, collector: collector)
            return
        }
        let requestID = RedisIdentifiers.alphanumeric(6)
        self.ackRequests.withLockedValue { $0[requestID] = collector }
        var published = packet
        published.ackID = nil
        let request: SocketIOValue = [
            "uid": .string(self.uid),
            "requestId": .string(requestID),
            "type": .int(RedisRequestType.broadcast.rawValue),
            "packet": published.wireValue,
            "opts": options.wireValue,
        ]
        let timeout = TimeAmount.milliseconds(Int64(options.flags.timeout ?? 5000))
        self.eventLoop.scheduleTask(in: timeout) { [weak self] in
            _ = self?.ackRequests.withLockedValue { $0.removeValue(forKey: requestID) }
        }
        // Published even while Redis is down: the message itself is queued like any broadcast.
        self.driver.publish(RedisWireCodec.messagePack(request), to: self.requestChannel, sharded: false)
        self.local.broadcastWithAck(packet, options: options, sink: collector)
        self.announceNodeCount(to: collector, requestID: requestID)
    }

    // MARK: Server-side operations

    public func fetchSockets(_ options: SocketIOBroadcastOptions) async throws -> [SocketIORemoteSocket] {
        let localSockets = try await self.local.fetchSockets(options)
        if options.flags.local { return localSockets }
        let nodes = try await self.clusterNodeCount()
        guard nodes > 1 else { return localSockets }
        let requestID = RedisIdentifiers.alphanumeric(6)
        let answers = self.requests.start(
            id: requestID, kind: .fetchSockets, expected: nodes - 1, timeout: self.configuration.requestTimeout, on: self.eventLoop
        )
        let request: SocketIOValue = [
            "uid": .string(self.uid),
            "requestId": .string(requestID),
            "type": .int(RedisRequestType.remoteFetch.rawValue),
            "opts": Self.requestOptions(options),
        ]
        self.driver.publish(RedisWireCodec.json(request), to: self.requestChannel, sharded: false)
        self.failIfLinkDown(requestID)
        let remote = try await answers.get().compactMap { SocketIORemoteSocket(wire: $0, namespace: self.namespace) }
        return localSockets + remote
    }

    public func addSockets(_ options: SocketIOBroadcastOptions, rooms: Set<String>) {
        self.local.addSockets(options, rooms: rooms)
        guard !options.flags.local else { return }
        self.publishRequest([
            "uid": .string(self.uid),
            "type": .int(RedisRequestType.remoteJoin.rawValue),
            "opts": Self.requestOptions(options),
            "rooms": .array(rooms.sorted().map(SocketIOValue.string)),
        ])
    }

    public func delSockets(_ options: SocketIOBroadcastOptions, rooms: Set<String>) {
        self.local.delSockets(options, rooms: rooms)
        guard !options.flags.local else { return }
        self.publishRequest([
            "uid": .string(self.uid),
            "type": .int(RedisRequestType.remoteLeave.rawValue),
            "opts": Self.requestOptions(options),
            "rooms": .array(rooms.sorted().map(SocketIOValue.string)),
        ])
    }

    public func disconnectSockets(_ options: SocketIOBroadcastOptions, close: Bool) {
        self.local.disconnectSockets(options, close: close)
        guard !options.flags.local else { return }
        self.publishRequest([
            "uid": .string(self.uid),
            "type": .int(RedisRequestType.remoteDisconnect.rawValue),
            "opts": Self.requestOptions(options),
            "close": .bool(close),
        ])
    }

    public func serverSideEmit(_ packet: [SocketIOValue]) {
        self.publishRequest([
            "uid": .string(self.uid),
            "type": .int(RedisRequestType.serverSideEmit.rawValue),
            "data": .array(packet),
        ])
    }

    public func serverSideEmitWithAck(_ packet: [SocketIOValue], timeoutMilliseconds: Int) async throws -> [SocketIOValue] {
        let others = try await self.clusterNodeCount() - 1
        guard others > 0 else { return [] }
        let requestID = RedisIdentifiers.alphanumeric(6)
        let answers = self.requests.start(
            id: requestID, kind: .serverSideEmit, expected: others,
            timeout: .milliseconds(Int64(timeoutMilliseconds)), on: self.eventLoop
        )
        self.publishRequest([
            "uid": .string(self.uid),
            "requestId": .string(requestID),
            "type": .int(RedisRequestType.serverSideEmit.rawValue),
            "data": .array(packet),
        ])
        self.failIfLinkDown(requestID)
        return try await answers.get()
    }

    public func allRooms() async throws -> Set<String> {
        let localRooms = self.local.localRooms
        let nodes = try await self.clusterNodeCount()
        guard nodes > 1 else { return localRooms }
        let requestID = RedisIdentifiers.alphanumeric(6)
        let answers = self.requests.start(
            id: requestID, kind: .allRooms, expected: nodes - 1, timeout: self.configuration.requestTimeout, on: self.eventLoop
        )
        self.publishRequest([
            "uid": .string(self.uid),
            "requestId": .string(requestID),
            "type": .int(RedisRequestType.allRooms.rawValue),
        ])
        self.failIfLinkDown(requestID)
        return localRooms.union(try await answers.get().compactMap(RedisInboundFields.roomName))
    }

    /// The number of nodes (subscribers of the request channel); throws
    /// ``SocketIOClusterError/redisUnavailable`` while Redis is unreachable.
    public func serverCount() async throws -> Int {
        try await self.clusterNodeCount()
    }

    public func close() {
        if let observer = self.linkObserver.withLockedValue({ value -> Int? in defer { value = nil }; return value }) {
            self.stopWatchingLink(observer)
        }
        self.driver.unsubscribe("\(self.channel)*", kind: .pattern)
        for name in [self.requestChannel, self.responseChannel, self.specificResponseChannel] {
            self.driver.unsubscribe(name, kind: .channel)
        }
        self.requests.failAll()
    }

    // MARK: Helpers

    func publishRequest(_ request: SocketIOValue) {
        let payload = request.containsBinary ? RedisWireCodec.messagePack(request) : RedisWireCodec.json(request)
        self.driver.publish(payload, to: self.requestChannel, sharded: false)
    }

    func publishResponse(_ response: SocketIOValue, messagePack: Bool = false) {
        let payload = messagePack || response.containsBinary ? RedisWireCodec.messagePack(response) : RedisWireCodec.json(response)
        self.driver.publish(payload, to: self.responseChannel, sharded: false)
    }

    /// `{rooms, except}` as requests carry them.
    static func requestOptions(_ options: SocketIOBroadcastOptions) -> SocketIOValue {
        [
            "rooms": .array(options.rooms.sorted().map(SocketIOValue.string)),
            "except": .array(options.except.sorted().map(SocketIOValue.string)),
        ]
    }


}

/// The request types of the classic protocol.
enum RedisRequestType: Int, Sendable {
    case sockets = 0
    case allRooms = 1
    case remoteJoin = 2
    case remoteLeave = 3
    case remoteDisconnect = 4
    case remoteFetch = 5
    case serverSideEmit = 6
    case broadcast = 7
    case broadcastClientCount = 8
    case broadcastAck = 9
}
