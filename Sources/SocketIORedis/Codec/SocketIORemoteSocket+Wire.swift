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

    /// A socket read from a fetchSockets answer; nil without an id.
    init?(wire value: SocketIOValue, namespace: SocketIONamespace?) {
        guard let id = value["id"]?.stringValue else { return nil }
        self.init(
            id: id,
            handshake: SocketIOHandshake(value: value["handshake"] ?? .object([:])),
            rooms: Set((value["rooms"]?.arrayValue ?? []).compactMap(\.roomName)),
            data: value["data"] ?? .null,
            namespace: namespace
        )
    }
}
