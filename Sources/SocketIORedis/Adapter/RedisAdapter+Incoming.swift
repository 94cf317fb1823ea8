import NIOConcurrencyHelpers
import NIOCore
import SocketIO
import SocketIOProtocol

extension RedisAdapter {
    /// A broadcast published by another node (or an emitter) on `P#N#…`.
    func onBroadcastMessage(_ message: RedisPubSubMessage) {
        guard message.channel.hasPrefix(self.channel), message.channel.hasSuffix("#") else { return }
        let room = String(message.channel.dropFirst(self.channel.count).dropLast())
        if !room.isEmpty && !self.local.hasRoom(room) { return }
        guard let decoded = RedisWireCodec.decode(message.payload), let parts = decoded.arrayValue, parts.count >= 3 else {
            self.logger.debug("ignoring malformed broadcast", metadata: ["channel": "\(message.channel)"])
            return
        }
        if parts[0].stringValue == self.uid { return }
        guard let packet = SocketIOPacket(wire: parts[1]), packet.namespace == self.namespaceName else { return }
        var options = SocketIOBroadcastOptions(wire: parts[2])
        options.flags.local = true
        self.local.broadcast(packet, options: options)
    }

    /// A request or a response on the request/response channels.
    func onRequestOrResponse(_ message: RedisPubSubMessage) {
        guard let value = RedisWireCodec.decode(message.payload) else {
            self.logger.debug("ignoring malformed request", metadata: ["channel": "\(message.channel)"])
            return
        }
        if message.channel.hasPrefix(self.responseChannel) {
            self.onResponse(value)
        } else if message.channel == self.requestChannel {
            self.onRequest(value)
        }
    }

    private func onRequest(_ request: SocketIOValue) {
        guard let typeNumber = request["type"]?.intValue, let type = RedisRequestType(rawValue: typeNumber) else { return }
        let requestID = request["requestId"]?.stringValue
        let fromSelf = request["uid"]?.stringValue == self.uid
        switch type {
        case .sockets:
            guard let requestID, !self.requests.contains(requestID) else { return }
            let rooms = Set((request["rooms"]?.arrayValue ?? []).compactMap(\.roomName))
            let ids = self.local.localSockets(SocketIOBroadcastOptions(rooms: rooms)).map { SocketIOValue.string($0.id) }
            self.publishResponse(["requestId": .string(requestID), "sockets": .array(ids)])

        case .allRooms:
            guard let requestID, !fromSelf, !self.requests.contains(requestID) else { return }
            self.publishResponse(["requestId": .string(requestID), "rooms": .array(self.local.localRooms.sorted().map(SocketIOValue.string))])

        case .remoteJoin, .remoteLeave, .remoteDisconnect:
            guard !fromSelf else { return }
            self.applyRemoteOperation(type, request: request)

        case .remoteFetch:
            guard let requestID, !fromSelf, !self.requests.contains(requestID) else { return }
            let options = SocketIOBroadcastOptions(wire: request["opts"])
            let local = self.local
            Task {
                let sockets = (try? await local.fetchSockets(options)) ?? []
                self.publishResponse(["requestId": .string(requestID), "sockets": .array(sockets.map(\.wireValue))])
            }

        case .serverSideEmit:
            guard !fromSelf, let data = request["data"]?.arrayValue else { return }
            guard let requestID else {
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
            guard let requestID, !fromSelf, self.ackRequests.withLockedValue({ $0[requestID] == nil }),
                var packet = SocketIOPacket(wire: request["packet"]), let namespace = self.namespace
            else { return }
            packet.namespace = self.namespaceName
            packet.ackID = namespace.localAckID()
            var options = SocketIOBroadcastOptions(wire: request["opts"])
            options.flags.local = true
            self.local.broadcastWithAck(packet, options: options, sink: RemoteAckForwarder(adapter: self, requestID: requestID))

        case .broadcastClientCount, .broadcastAck:
            break
        }
    }

    private func applyRemoteOperation(_ type: RedisRequestType, request: SocketIOValue) {
        if let opts = request["opts"] {
            var options = SocketIOBroadcastOptions(wire: opts)
            options.flags.local = true
            let rooms = Set((request["rooms"]?.arrayValue ?? []).compactMap(\.roomName))
            switch type {
            case .remoteJoin: self.local.addSockets(options, rooms: rooms)
            case .remoteLeave: self.local.delSockets(options, rooms: rooms)
            default: self.local.disconnectSockets(options, close: request["close"]?.boolValue ?? false)
            }
            return
        }
        // The legacy form names one socket: {sid, room, requestId}.
        guard let sid = request["sid"]?.stringValue, let socket = self.namespace?.localSocket(id: sid) else { return }
        switch type {
        case .remoteJoin: if let room = request["room"]?.roomName { socket.join(room) }
        case .remoteLeave: if let room = request["room"]?.roomName { socket.leave(room) }
        default: socket.disconnect(close: request["close"]?.boolValue ?? false)
        }
        if let requestID = request["requestId"]?.stringValue {
            self.publishResponse(["requestId": .string(requestID)])
        }
    }

    private func onResponse(_ response: SocketIOValue) {
        guard let requestID = response["requestId"]?.stringValue else { return }
        if let collector = self.ackRequests.withLockedValue({ $0[requestID] }) {
            switch response["type"]?.intValue.flatMap(RedisRequestType.init(rawValue:)) {
            case .broadcastClientCount: collector.nodeReported(clientCount: response["clientCount"]?.intValue ?? 0)
            case .broadcastAck: collector.received(response["packet"] ?? .null)
            default: break
            }
            return
        }
        switch self.requests.kind(of: requestID) {
        case .fetchSockets: self.requests.answer(requestID, values: response["sockets"]?.arrayValue ?? [])
        case .allRooms: self.requests.answer(requestID, values: response["rooms"]?.arrayValue ?? [])
        case .serverSideEmit: self.requests.answer(requestID, values: [response["data"] ?? .null])
        case nil: break
        }
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
