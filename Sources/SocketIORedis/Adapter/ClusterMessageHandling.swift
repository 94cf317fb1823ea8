import Logging
import NIOConcurrencyHelpers
import NIOCore
import SocketIO
import SocketIOProtocol

/// The message types of the reference's `ClusterAdapter`, which the sharded and the streams adapters
/// speak (as decimal numbers in envelopes and stream entries).
enum ClusterMessageType: Int, Sendable, CaseIterable {
    case initialHeartbeat = 1, heartbeat, broadcast, socketsJoin, socketsLeave, disconnectSockets, fetchSockets
    case fetchSocketsResponse, serverSideEmit, serverSideEmitResponse, broadcastClientCount, broadcastAck, adapterClose
}

/// What the sharded and the streams adapters share: reading a cluster envelope `{uid, nsp, type,
/// data}` from another node (or an emitter), acting on it locally and answering requests. Only the
/// transport differs: how responses travel (``publishResponse(to:_:_:)``) and how a remote broadcast
/// gets its recovery offset (``deliverRemoteBroadcast(_:options:offset:)``).
protocol ClusterMessageHandling: LocalMembershipForwarding, RedisAdapterLinkWatching {
    /// This node's id.
    var uid: String { get }
    /// The namespace served (weak: the namespace owns its adapter).
    var namespace: SocketIONamespace? { get }
    /// The namespace's name, for the envelope checks.
    var namespaceName: String { get }
    /// The adapter's logger.
    var logger: Logger { get }
    /// Sends a response to the node `requester`.
    func publishResponse(to requester: String, _ type: ClusterMessageType, _ data: SocketIOValue)
    /// Delivers a broadcast (without acks) that another node published; `offset` is its stream entry
    /// id when it came from a stream.
    func deliverRemoteBroadcast(_ packet: SocketIOPacket, options: SocketIOBroadcastOptions, offset: String?)
    /// Sends a request every other node answers (fetchSockets, serverSideEmit, a broadcast with acks).
    func publishRequest(_ type: ClusterMessageType, _ data: SocketIOValue)
    /// Sends a membership operation (socketsJoin, socketsLeave, disconnectSockets) to every other node.
    func publishMembership(_ type: ClusterMessageType, _ data: SocketIOValue)
    /// The event loop of the adapter's timers.
    var eventLoop: any EventLoop { get }
}

// MARK: - Requests to the other nodes

extension ClusterMessageHandling {
    public func broadcastWithAck(_ packet: SocketIOPacket, options: SocketIOBroadcastOptions, collector: SocketIOAckCollector) {
        guard !options.flags.local else {
            self.local.broadcastWithAck(packet, options: options, collector: collector)
            return
        }
        let requestID = RedisIdentifiers.hex16()
        self.ackRequests.withLockedValue { $0[requestID] = collector }
        var published = packet
        published.ackID = nil
        self.publishRequest(.broadcast, ["packet": published.wireValue, "requestId": .string(requestID), "opts": options.wireValue])
        self.eventLoop.scheduleTask(in: .milliseconds(Int64(options.flags.timeout ?? 5000))) { [weak self] in
            _ = self?.ackRequests.withLockedValue { $0.removeValue(forKey: requestID) }
        }
        self.local.broadcastWithAck(packet, options: options, sink: collector)
        self.announceNodeCount(to: collector, requestID: requestID)
    }

    public func addSockets(_ options: SocketIOBroadcastOptions, rooms: Set<String>) {
        if !options.flags.local {
            self.publishMembership(.socketsJoin, ["opts": options.wireValue, "rooms": .array(rooms.sorted().map(SocketIOValue.string))])
        }
        self.local.addSockets(options, rooms: rooms)
    }

    public func delSockets(_ options: SocketIOBroadcastOptions, rooms: Set<String>) {
        if !options.flags.local {
            self.publishMembership(.socketsLeave, ["opts": options.wireValue, "rooms": .array(rooms.sorted().map(SocketIOValue.string))])
        }
        self.local.delSockets(options, rooms: rooms)
    }

    public func disconnectSockets(_ options: SocketIOBroadcastOptions, close: Bool) {
        if !options.flags.local {
            self.publishMembership(.disconnectSockets, ["opts": options.wireValue, "close": .bool(close)])
        }
        self.local.disconnectSockets(options, close: close)
    }

    public func fetchSockets(_ options: SocketIOBroadcastOptions) async throws -> [SocketIORemoteSocket] {
        let localSockets = try await self.local.fetchSockets(options)
        if options.flags.local { return localSockets }
        let others = try await self.clusterNodeCount() - 1
        if others <= 0 { return localSockets }
        let requestID = RedisIdentifiers.hex16()
        let timeout = TimeAmount.milliseconds(Int64(options.flags.timeout ?? Int(self.configuration.requestTimeout.nanoseconds / 1_000_000)))
        let answers = self.requests.start(id: requestID, kind: .fetchSockets, expected: others, timeout: timeout, on: self.eventLoop)
        self.publishRequest(.fetchSockets, ["opts": options.wireValue, "requestId": .string(requestID)])
        self.failIfLinkDown(requestID)
        let remote = try await answers.get().compactMap { SocketIORemoteSocket(wire: $0, namespace: self.namespace) }
        return localSockets + remote
    }

    public func serverSideEmit(_ packet: [SocketIOValue]) {
        self.publishRequest(.serverSideEmit, ["packet": .array(packet)])
    }

    public func serverSideEmitWithAck(_ packet: [SocketIOValue], timeoutMilliseconds: Int) async throws -> [SocketIOValue] {
        let others = try await self.clusterNodeCount() - 1
        guard others > 0 else { return [] }
        let requestID = RedisIdentifiers.hex16()
        let answers = self.requests.start(
            id: requestID, kind: .serverSideEmit, expected: others, timeout: .milliseconds(Int64(timeoutMilliseconds)), on: self.eventLoop
        )
        self.publishRequest(.serverSideEmit, ["requestId": .string(requestID), "packet": .array(packet)])
        self.failIfLinkDown(requestID)
        return try await answers.get()
    }

    /// The cluster protocol has no room listing request: the rooms of this node. Throws
    /// ``SocketIOClusterError/redisUnavailable`` while Redis is unreachable, like the other cluster
    /// operations.
    public func allRooms() async throws -> Set<String> {
        guard self.driver.state == .connected else { throw SocketIOClusterError.redisUnavailable }
        return self.local.localRooms
    }

    /// The number of nodes (the subscribers of the namespace's request channel); throws
    /// ``SocketIOClusterError/redisUnavailable`` while Redis is unreachable.
    public func serverCount() async throws -> Int {
        try await self.clusterNodeCount()
    }
}

extension ClusterMessageHandling {
    /// Checks an envelope and acts on it; `onResponseChannel` when it came on this node's own
    /// response channel. Messages of this node and heartbeats are ignored (except this node's own
    /// broadcasts without acks when `ownBroadcasts`: the streams adapter delivers those from the
    /// stream, in the stream's order); anything that is not exactly the protocol's shape throws (the
    /// caller counts the drop).
    func handleEnvelope(_ envelope: SocketIOValue, onResponseChannel: Bool, offset: String?, ownBroadcasts: Bool = false) throws(RedisInboundDrop) {
        guard case .object = envelope else { throw RedisInboundDrop(.malformedEnvelope, "not an object") }
        let sender = try RedisInboundFields.string(envelope["uid"], "uid", .malformedEnvelope)
        let typeNumber = try RedisInboundFields.integer(envelope["type"], "type", in: Int.min...Int.max, .malformedEnvelope)
        guard let type = ClusterMessageType(rawValue: typeNumber) else { throw RedisInboundDrop(.unknownType, "envelope type \(typeNumber)") }
        if let namespace = try RedisInboundFields.optionalString(envelope["nsp"], "nsp", .malformedEnvelope), namespace != self.namespaceName {
            throw RedisInboundDrop(.namespaceMismatch, "envelope for another namespace")
        }
        if sender == self.uid {
            guard ownBroadcasts, type == .broadcast, case .object = envelope["data"], envelope["data"]?["requestId"] == nil else { return }
        }
        switch type {
        case .initialHeartbeat, .heartbeat, .adapterClose:
            return
        default:
            break
        }
        guard case .object = envelope["data"] else { throw RedisInboundDrop(.malformedEnvelope, "data is not an object") }
        let data = envelope["data"] ?? .null
        if onResponseChannel {
            try self.onClusterResponse(type, data)
        } else {
            try self.onClusterMessage(type, data, from: sender, offset: offset)
        }
    }

    private func onClusterMessage(_ type: ClusterMessageType, _ data: SocketIOValue, from sender: String, offset: String?) throws(RedisInboundDrop) {
        switch type {
        case .broadcast:
            var packet = try RedisInboundFields.broadcastPacket(data["packet"], namespace: self.namespaceName)
            let options = try RedisInboundFields.options(data["opts"])
            if let requestID = try RedisInboundFields.optionalString(data["requestId"], "requestId", .invalidRequest) {
                packet.ackID = self.namespace?.localAckID()
                self.local.broadcastWithAck(packet, options: options, sink: ClusterAckForwarder(adapter: self, requester: sender, requestID: requestID))
            } else {
                self.deliverRemoteBroadcast(packet, options: options, offset: offset)
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
            try self.onClusterResponse(type, data)
        case .initialHeartbeat, .heartbeat, .adapterClose:
            break
        }
    }

    private func onClusterResponse(_ type: ClusterMessageType, _ data: SocketIOValue) throws(RedisInboundDrop) {
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
    func dropInbound(_ drop: RedisInboundDrop, source: String) {
        self.driver.statistics.countInboundDrop(drop.reason)
        self.logger.debug("dropped a malformed cluster message", metadata: [
            "source": "\(source)", "reason": "\(drop.reason.rawValue)", "detail": "\(drop.detail)",
        ])
    }
}

/// Reports a remote broadcast-with-ack's local client count and answers to the requesting node.
final class ClusterAckForwarder: SocketIOAckSink {
    private let adapter: any ClusterMessageHandling
    private let requester: String
    private let requestID: String
    private let reported = NIOLockedValueBox(false)

    init(adapter: any ClusterMessageHandling, requester: String, requestID: String) {
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
