import SocketIO
import SocketIOProtocol

extension SocketIORemoteSocket {
    /// A socket as a fetchSockets answer carries it: `{id, handshake, rooms, data}`.
    var wireValue: SocketIOValue {
        [
            "id": .string(self.id),
            "handshake": self.handshake.value,
            "rooms": .array(self.rooms.sorted().map(SocketIOValue.string)),
            "data": self.data,
        ]
    }

    /// A socket read from a fetchSockets answer; nil unless it has a string id, its handshake (when
    /// present) is an object and its rooms (when present) are room names.
    package init?(wire value: SocketIOValue, namespace: SocketIONamespace?) {
        guard case .string(let id)? = value["id"] else { return nil }
        let handshake = value["handshake"] ?? .object([:])
        guard case .object = handshake else { return nil }
        guard let rooms = try? RedisInboundFields.rooms(value["rooms"], "rooms", required: false, .invalidResponse) else { return nil }
        self.init(
            id: id,
            handshake: SocketIOHandshake(value: handshake),
            rooms: rooms,
            data: value["data"] ?? .null,
            namespace: namespace
        )
    }
}
