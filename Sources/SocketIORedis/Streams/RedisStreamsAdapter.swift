import Logging
import NIOConcurrencyHelpers
import NIOCore
import SocketIO
import SocketIOProtocol

/// The Redis streams adapter of one namespace, wire-compatible with the reference streams adapter:
/// broadcasts and membership operations are appended to a Redis stream (`XADD <stream> MAXLEN ~ N *
/// uid … nsp … type … data …`) that every node reads (``RedisStreamsHub``), so a Redis outage or a
/// node's pause loses nothing that reached the stream; requests that wait for answers (fetchSockets,
/// serverSideEmit, broadcasts with acks) are MessagePack envelopes PUBLISHed on `P#N#`, answered on
/// `P#N#<uid>#`; the node count is that channel's subscriber count.
///
/// With connection state recovery on, every broadcast is delivered once Redis stored it, carrying its
/// entry id as the offset; a disconnected socket's session is kept under `sio:session:<pid>` for
/// `maxDisconnectionDuration`, and a client that comes back to any node gets its session and every
/// broadcast it missed, read from the stream. Past the reference, each connected socket's session is
/// also kept in Redis while it lives (written at connect, after room changes, refreshed periodically),
/// so the clients of a node that dies can recover on another.
///
/// While Redis is unreachable, broadcasts are refused (``SocketIOAdapter/acceptsBroadcasts`` is false,
/// ``SocketIOBroadcastOperator/emitConfirmed(_:_:)`` throws) rather than delivered to this node only.
public final class RedisStreamsAdapter: ClusterMessageHandling {
    /// This node's id (16 hex characters).
    public let uid: String
    /// The local membership and delivery (it does not number packets itself).
    public let local: InMemoryAdapter
    let hub: RedisStreamsHub
    let driver: any RedisPubSubDriver
    let commands: any RedisCommandSending
    let configuration: RedisAdapterConfiguration
    let streams: RedisStreamsConfiguration
    let logger: Logger
    weak let namespace: SocketIONamespace?
    let namespaceName: String
    /// `P#N#`: requests, and the channel whose subscribers are the nodes.
    package let channel: String
    /// `P#N#<uid>#`: answers to this node.
    package let responseChannel: String
    let requests = RedisRequestTable()
    let ackRequests = NIOLockedValueBox<[String: SocketIOAckCollector]>([:])
    let eventLoop: any EventLoop
    /// Connection state recovery, when the server has it on.
    let recovery: SocketIOConnectionStateRecovery?
    let sessions: RedisLiveSessions
    /// Deliveries in stream order and pending recoveries, behind the delivery lock.
    let recent = NIOLockedValueBox(RedisRecentBroadcasts())
    private let subscribed: EventLoopPromise<Void>
    private let linkObserver = NIOLockedValueBox<Int?>(nil)

    var nodeCountChannel: (name: String, sharded: Bool) { (self.channel, self.streams.useShardedPubSub) }
    private var pubSubKind: RedisSubscriptionKind { self.streams.useShardedPubSub ? .sharded : .channel }

    init(namespace: SocketIONamespace, hub: RedisStreamsHub) {
        self.uid = RedisIdentifiers.hex16()
        self.hub = hub
        self.driver = hub.driver
        self.commands = hub.driver
        self.configuration = hub.configuration
        self.streams = hub.streams
        self.logger = hub.logger
        self.namespace = namespace
        self.namespaceName = namespace.name
        self.channel = "\(hub.configuration.keyPrefix)#\(namespace.name)#"
        self.responseChannel = "\(hub.configuration.keyPrefix)#\(namespace.name)#\(self.uid)#"
        self.eventLoop = namespace.server.eventLoopGroup.any()
        self.recovery = namespace.server.configuration.connectionStateRecovery
        self.local = InMemoryAdapter(namespace: namespace, keepsRecoveryState: false)
        self.sessions = RedisLiveSessions()
        self.subscribed = self.eventLoop.makePromise(of: Void.self)
        let timeout = hub.configuration.subscribeTimeout
        let kind = self.pubSubKind
        self.subscribed.completeWithTask { [self] in
            await self.hub.waitUntilPositioned(timeout: timeout)
            for name in [self.responseChannel, self.channel] {
                try await self.driver.subscribe(name, kind: kind, timeout: timeout) { [weak self] message in
                    self?.onPubSubMessage(message)
                }
            }
        }
        let linkObserverID = self.startWatchingLink()
        self.linkObserver.withLockedValue { $0 = linkObserverID }
        if self.recovery != nil { self.startSessionWriter() }
    }

    /// Returns once the request and response channels are subscribed.
    public func waitUntilSubscribed() async throws {
        try await self.subscribed.futureResult.get()
    }

    // MARK: Publishing

    /// Appends a cluster message to the stream; the future holds the entry id.
    func append(_ type: ClusterMessageType, _ data: SocketIOValue) -> EventLoopFuture<String> {
        let stream = self.streams.streamName
        let arguments = ["XADD", stream, "MAXLEN", "~", String(self.streams.maxLength), "*"]
            + RedisStreamCodec.fields(uid: self.uid, namespace: self.namespaceName, type: type, data: data)
        self.driver.statistics.published.wrappingIncrement(ordering: .relaxed)
        return self.commands.submit(arguments, key: stream, timeout: self.streams.commandTimeout).flatMapThrowing { reply in
            guard let id = reply.string, RedisStreamCodec.isEntryID(id) else { throw RedisDriverError.unexpectedReply("XADD answered \(reply)") }
            return id
        }
    }

    /// Publishes an envelope (MessagePack) on a channel.
    private func publishEnvelope(_ type: ClusterMessageType, _ data: SocketIOValue, channel: String) {
        let envelope: SocketIOValue = [
            "uid": .string(self.uid), "nsp": .string(self.namespaceName), "type": .int(type.rawValue), "data": data,
        ]
        self.driver.publish(RedisWireCodec.messagePack(envelope), to: channel, sharded: self.streams.useShardedPubSub)
    }

    func publishRequest(_ type: ClusterMessageType, _ data: SocketIOValue) {
        self.publishEnvelope(type, data, channel: self.channel)
    }

    func publishResponse(to requester: String, _ type: ClusterMessageType, _ data: SocketIOValue) {
        self.publishEnvelope(type, data, channel: "\(self.channel)\(requester)#")
    }

    /// Membership operations go through the stream, like broadcasts (a node that was away reads them).
    func publishMembership(_ type: ClusterMessageType, _ data: SocketIOValue) {
        self.append(type, data).whenFailure { [weak self] error in self?.refused("membership operation", error) }
    }

    /// Counts and logs something Redis did not store.
    private func refused(_ what: String, _ error: any Error) {
        self.driver.statistics.dropped.wrappingIncrement(ordering: .relaxed)
        self.logger.debug("redis did not store a \(what)", metadata: ["namespace": "\(self.namespaceName)", "error": "\(error)"])
    }

    // MARK: Broadcasting

    public var acceptsBroadcasts: Bool { self.driver.state == .connected && self.hub.lastReadID != nil }

    /// A local broadcast goes out at once. Otherwise the broadcast is appended to the stream: with
    /// recovery on it is delivered here when the reader reads it back, with its entry id as the
    /// offset, so every node delivers in the stream's order and a client's last offset covers
    /// everything before it; with recovery off it is delivered here at once. Refused (counted in
    /// `dropped`) while Redis is unreachable.
    public func broadcast(_ packet: SocketIOPacket, options: SocketIOBroadcastOptions) {
        self.broadcastDurably(packet, options: options).whenFailure { [weak self] error in self?.refused("broadcast", error) }
    }

    public func broadcastConfirmed(_ packet: SocketIOPacket, options: SocketIOBroadcastOptions) async throws {
        do {
            try await self.broadcastDurably(packet, options: options).get()
        } catch {
            throw SocketIOClusterError.redisUnavailable
        }
    }

    private func broadcastDurably(_ packet: SocketIOPacket, options: SocketIOBroadcastOptions) -> EventLoopFuture<Void> {
        if options.flags.local {
            self.local.broadcast(packet, options: options)
            return self.eventLoop.makeSucceededVoidFuture()
        }
        guard self.acceptsBroadcasts else { return self.eventLoop.makeFailedFuture(SocketIOClusterError.redisUnavailable) }
        let stored = self.append(.broadcast, ["packet": packet.wireValue, "opts": options.wireValue])
        if self.recovery == nil {
            self.local.broadcast(packet, options: options)
        }
        return stored.map { _ in }
    }

    /// Whether recovery numbers this packet: an event without ack id, not volatile, recovery on.
    private func numbers(_ packet: SocketIOPacket, options: SocketIOBroadcastOptions) -> Bool {
        self.recovery != nil && !options.flags.volatile && packet.ackID == nil && (packet.type == .event || packet.type == .binaryEvent)
    }

    private static func appendingOffset(_ offset: String, to packet: SocketIOPacket) -> SocketIOPacket {
        guard case .array(var arguments)? = packet.payload else { return packet }
        arguments.append(.string(offset))
        var numbered = packet
        numbered.payload = .array(arguments)
        return numbered
    }

    /// A `socket.emit` with recovery on is stored like a broadcast to the socket's own room and
    /// delivered, numbered, when the reader reads it back (in the stream's order); when Redis could
    /// not store it, it is sent as it is (the client's offset stays where it was, so a later recovery
    /// neither repeats nor skips anything).
    public func recordForRecovery(_ packet: SocketIOPacket, options: SocketIOBroadcastOptions, then deliver: @escaping @Sendable (SocketIOPacket) -> Void) {
        guard self.numbers(packet, options: options), self.acceptsBroadcasts else {
            deliver(packet)
            return
        }
        self.append(.broadcast, ["packet": packet.wireValue, "opts": options.wireValue]).whenFailure { _ in deliver(packet) }
    }

    /// The synchronous form cannot wait for Redis: the packet goes out unnumbered.
    public func recordForRecovery(_ packet: SocketIOPacket, options: SocketIOBroadcastOptions) -> SocketIOPacket { packet }

    /// A broadcast read from the stream (or, without offset, from a channel). Numbered ones are
    /// delivered under the delivery lock and remembered, so a recovering socket's join and a delivery
    /// never interleave (see ``RedisRecentBroadcasts``).
    func deliverRemoteBroadcast(_ packet: SocketIOPacket, options: SocketIOBroadcastOptions, offset: String?) {
        guard let offset, self.numbers(packet, options: options), let id = RedisStreamCodec.order(offset) else {
            self.local.broadcast(packet, options: options)
            return
        }
        let numbered = Self.appendingOffset(offset, to: packet)
        self.recent.withLockedValue { recent in
            if case .array(let arguments)? = numbered.payload {
                recent.record(id: id, arguments: arguments, options: options)
            }
            self.local.broadcast(numbered, options: options)
        }
    }

    // MARK: Receiving

    /// An entry of the stream (from the hub's reader).
    func onStreamEntry(_ entry: RedisStreamEntry) {
        do throws(RedisInboundDrop) {
            let envelope = try RedisStreamCodec.envelope(of: entry)
            try self.handleEnvelope(envelope, onResponseChannel: false, offset: entry.id, ownBroadcasts: self.recovery != nil)
        } catch {
            self.dropInbound(error, source: self.streams.streamName)
        }
    }

    /// A request or a response on the pub/sub channels.
    private func onPubSubMessage(_ message: RedisPubSubMessage) {
        self.driver.statistics.received.wrappingIncrement(ordering: .relaxed)
        do throws(RedisInboundDrop) {
            guard let envelope = RedisWireCodec.decode(message.payload) else { throw RedisInboundDrop(.undecodable, "neither JSON nor MessagePack") }
            try self.handleEnvelope(envelope, onResponseChannel: message.channel == self.responseChannel, offset: nil)
        } catch {
            self.dropInbound(error, source: message.channel)
        }
    }

    // MARK: Lifecycle

    public func close() {
        if let observer = self.linkObserver.withLockedValue({ value -> Int? in defer { value = nil }; return value }) {
            self.stopWatchingLink(observer)
        }
        self.sessions.stop()
        self.hub.unregister(self)
        self.driver.unsubscribe(self.channel, kind: self.pubSubKind)
        self.driver.unsubscribe(self.responseChannel, kind: self.pubSubKind)
        self.requests.failAll()
    }
}
