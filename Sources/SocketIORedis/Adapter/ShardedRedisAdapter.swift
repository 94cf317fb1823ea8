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
public final class ShardedRedisAdapter: ClusterMessageHandling {
    /// The envelope types.
    typealias MessageType = ClusterMessageType

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

    func publishResponse(to requester: String, _ type: ClusterMessageType, _ data: SocketIOValue) {
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

    /// Requests go to the namespace's main channel.
    func publishRequest(_ type: ClusterMessageType, _ data: SocketIOValue) {
        self.publish(type, data)
    }

    /// Membership operations go to the namespace's main channel too.
    func publishMembership(_ type: ClusterMessageType, _ data: SocketIOValue) {
        self.publish(type, data)
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
            try self.handleEnvelope(envelope, onResponseChannel: message.channel == self.responseChannel, offset: nil)
        } catch {
            self.dropInbound(error, source: message.channel)
        }
    }

    func deliverRemoteBroadcast(_ packet: SocketIOPacket, options: SocketIOBroadcastOptions, offset: String?) {
        self.local.broadcast(packet, options: options)
    }
}

/// Lets closures made during initialisation reach the adapter without a retain cycle.
private final class WeakShardedAdapter: @unchecked Sendable {
    weak var adapter: ShardedRedisAdapter?
}
