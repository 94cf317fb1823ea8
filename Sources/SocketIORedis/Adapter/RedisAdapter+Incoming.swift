import NIOConcurrencyHelpers
import NIOCore
import SocketIO
import SocketIOProtocol

extension RedisAdapter {
    /// A broadcast published by another node (or an emitter) on `P#N#…`: `[uid, packet, opts]`.
    package func onBroadcastMessage(_ message: RedisPubSubMessage) {
        guard message.channel.hasPrefix(self.channel), message.channel.hasSuffix("#") else { return }
        let room = String(message.channel.dropFirst(self.channel.count).dropLast())
        if !room.isEmpty && !self.local.hasRoom(room) { return }
        do throws(RedisInboundDrop) {
            guard let decoded = RedisWireCodec.decode(message.payload) else { throw RedisInboundDrop(.undecodable, "neither JSON nor MessagePack") }
            guard case .array(let parts) = decoded, parts.count >= 3 else {
                throw RedisInboundDrop(.malformedEnvelope, "not an array [uid, packet, opts]")
            }
            let sender = try RedisInboundFields.string(parts[0], "uid", .malformedEnvelope)
            if sender == self.uid { return }
            let packet = try RedisInboundFields.broadcastPacket(parts[1], namespace: self.namespaceName)
            let options = try RedisInboundFields.options(parts[2])
            self.local.broadcast(packet, options: options)
        } catch {
            self.dropInbound(error, channel: message.channel)
        }
    }

    /// A request or a response on the request/response channels.
    package func onRequestOrResponse(_ message: RedisPubSubMessage) {
        do throws(RedisInboundDrop) {
            guard let value = RedisWireCodec.decode(message.payload) else { throw RedisInboundDrop(.undecodable, "neither JSON nor MessagePack") }
            guard case .object = value else { throw RedisInboundDrop(.malformedEnvelope, "not an object") }
            if message.channel.hasPrefix(self.responseChannel) {
                try self.onResponse(value)
            } else if message.channel == self.requestChannel {
                try self.onRequest(value)
            }
        } catch {
            self.dropInbound(error, channel: message.channel)
        }
    }

    private func onRequest(_ request: SocketIOValue) throws(RedisInboundDrop) {
        let typeNumber = try RedisInboundFields.integer(request["type"], "type", in: Int.min...Int.max, .malformedEnvelope)
        guard let type = RedisRequestType(rawValue: typeNumber) else { throw RedisInboundDrop(.unknownType, "request type \(typeNumber)") }
        let sender = try RedisInboundFields.optionalString(request["uid"], "uid", .malformedEnvelope)
        if sender == self.uid { return }
        switch type {
        case .sockets:
            let requestID = try RedisInboundFields.string(request["requestId"], "requestId", .invalidRequest)
            guard !self.requests.contains(requestID) else { return }
            let rooms = try RedisInboundFields.rooms(request["rooms"], "rooms", required: false, .invalidRequest)
            let ids = self.local.localSockets(SocketIOBroadcastOptions(rooms: rooms)).map { SocketIOValue.string($0.id) }
            self.publishResponse(["requestId": .string(requestID), "sockets": .array(ids)])

        case .allRooms:
            let requestID = try RedisInboundFields.string(request["requestId"], "requestId", .invalidRequest)
            guard !self.requests.contains(requestID) else { return }
            self.publishResponse(["requestId": .string(requestID), "rooms": .array(self.local.localRooms.sorted().map(SocketIOValue.string))])

        case .remoteJoin, .remoteLeave, .remoteDisconnect:
            try self.applyRemoteOperation(type, request: request)

        case .remoteFetch:
            let requestID = try RedisInboundFields.string(request["requestId"], "requestId", .invalidRequest)
            let options = try RedisInboundFields.options(request["opts"])
            guard !self.requests.contains(requestID) else { return }
            let local = self.local
            Task {
                let sockets = (try? await local.fetchSockets(options)) ?? []
                self.publishResponse(["requestId": .string(requestID), "sockets": .array(sockets.map(\.wireValue))])
            }

        case .serverSideEmit:
            let data = try RedisInboundFields.serverSideEmitArguments(request["data"], "data")
            guard let requestID = try RedisInboundFields.optionalString(request["requestId"], "requestId", .invalidRequest) else {
                self.namespace?.handleServerSideEmit(data, reply: nil)
                return
            }
            let replied = NIOLockedValueBox(false)
            self.namespace?.handleServerSideEmit(data) { [weak self] arguments in
                guard !replied.withLockedValue({ let was = $0; $0 = true; return was }) else { return }
                self?.publishResponse([
                    "type": .int(RedisRequestType.serverSideEmit.rawValue),
                    "requestId": .string(requestID),
                    "data": arguments.first ?? .null,
                ])
            }

        case .broadcast:
            let requestID = try RedisInboundFields.string(request["requestId"], "requestId", .invalidRequest)
            var packet = try RedisInboundFields.broadcastPacket(request["packet"], namespace: self.namespaceName)
            let options = try RedisInboundFields.options(request["opts"])
            guard self.ackRequests.withLockedValue({ $0[requestID] == nil }), let namespace = self.namespace else { return }
            packet.ackID = namespace.localAckID()
            self.local.broadcastWithAck(packet, options: options, sink: RemoteAckForwarder(adapter: self, requestID: requestID))

        case .broadcastClientCount, .broadcastAck:
            // Answers travel on the response channel; on the request channel they mean nothing.
            throw RedisInboundDrop(.invalidRequest, "response type \(typeNumber) on the request channel")
        }
    }

    /// Join, leave or disconnect, in the current form `{opts, rooms, close}` or the legacy form that
    /// names one socket `{sid, room, requestId}`. Neither form means: dropped (never "every socket").
    private func applyRemoteOperation(_ type: RedisRequestType, request: SocketIOValue) throws(RedisInboundDrop) {
        if let opts = request["opts"], opts != .null {
            let options = try RedisInboundFields.options(opts)
            switch type {
            case .remoteJoin: self.local.addSockets(options, rooms: try RedisInboundFields.rooms(request["rooms"], "rooms", required: true, .invalidRequest))
            case .remoteLeave: self.local.delSockets(options, rooms: try RedisInboundFields.rooms(request["rooms"], "rooms", required: true, .invalidRequest))
            default: self.local.disconnectSockets(options, close: try RedisInboundFields.bool(request["close"], "close", default: false, .invalidRequest))
            }
            return
        }
        let sid = try RedisInboundFields.string(request["sid"], "sid (or opts)", .invalidRequest)
        let requestID = try RedisInboundFields.optionalString(request["requestId"], "requestId", .invalidRequest)
        var room: String?
        if type != .remoteDisconnect {
            guard let name = request["room"].flatMap(RedisInboundFields.roomName) else { throw RedisInboundDrop(.invalidRequest, "room is not a room name") }
            room = name
        }
        let close = try RedisInboundFields.bool(request["close"], "close", default: false, .invalidRequest)
        guard let socket = self.namespace?.localSocket(id: sid) else { return }
        switch type {
        case .remoteJoin: if let room { socket.join(room) }
        case .remoteLeave: if let room { socket.leave(room) }
        default: socket.disconnect(close: close)
        }
        if let requestID { self.publishResponse(["requestId": .string(requestID)]) }
    }

    private func onResponse(_ response: SocketIOValue) throws(RedisInboundDrop) {
        let requestID = try RedisInboundFields.string(response["requestId"], "requestId", .invalidResponse)
        if let collector = self.ackRequests.withLockedValue({ $0[requestID] }) {
            let typeNumber = try RedisInboundFields.integer(response["type"], "type", in: Int.min...Int.max, .invalidResponse)
            switch RedisRequestType(rawValue: typeNumber) {
            case .broadcastClientCount:
                collector.nodeReported(clientCount: try RedisInboundFields.integer(response["clientCount"], "clientCount", in: 0...Int(Int32.max), .invalidResponse))
            case .broadcastAck:
                collector.received(response["packet"] ?? .null)
            default:
                throw RedisInboundDrop(.invalidResponse, "type \(typeNumber) answers no broadcast")
            }
            return
        }
        switch self.requests.kind(of: requestID) {
        case .fetchSockets: self.requests.answer(requestID, values: try Self.array(response["sockets"], "sockets"))
        case .allRooms: self.requests.answer(requestID, values: try Self.array(response["rooms"], "rooms"))
        case .serverSideEmit: self.requests.answer(requestID, values: [response["data"] ?? .null])
        case nil: break  // another node's request: the response channel is shared
        }
    }

    private static func array(_ value: SocketIOValue?, _ name: String) throws(RedisInboundDrop) -> [SocketIOValue] {
        guard case .array(let elements)? = value else { throw RedisInboundDrop(.invalidResponse, "\(name) is not an array") }
        return elements
    }

    /// Counts and logs a dropped message.
    func dropInbound(_ drop: RedisInboundDrop, channel: String) {
        self.driver.statistics.countInboundDrop(drop.reason)
        self.logger.debug("dropped a malformed cluster message", metadata: [
            "channel": "\(channel)", "reason": "\(drop.reason.rawValue)", "detail": "\(drop.detail)",
        ])
    }
}

/// Reports a remote broadcast-with-ack's local client count and answers back to the requesting node.
final class RemoteAckForwarder: SocketIOAckSink {
    private let adapter: RedisAdapter
    private let requestID: String
    private let reported = NIOLockedValueBox(false)

    init(adapter: RedisAdapter, requestID: String) {
        self.adapter = adapter
        self.requestID = requestID
    }

    func expect(_ count: Int) {
        guard count >= 0, !self.reported.withLockedValue({ let was = $0; $0 = true; return was }) else { return }
        self.adapter.publishResponse([
            "type": .int(RedisRequestType.broadcastClientCount.rawValue),
            "requestId": .string(self.requestID),
            "clientCount": .int(count),
        ])
    }

    func received(_ response: SocketIOValue) {
        self.adapter.publishResponse(
            ["type": .int(RedisRequestType.broadcastAck.rawValue), "requestId": .string(self.requestID), "packet": response],
            messagePack: true
        )
    }
}
