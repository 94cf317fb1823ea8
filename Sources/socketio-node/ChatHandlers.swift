import SocketIO
import SocketIOProtocol

/// The demo chat on the `/chat` namespace: rooms, messages to a room or to everyone, and which node
/// handled each message, so a person watching two browsers sees broadcasts cross nodes.
///
/// Events (the demo page and `Tests/e2e/node/test_demo.py` use exactly these):
///
/// server → client
/// - `welcome` `{node, id}`: sent once the socket joined `/chat`. `node` is the node this client is
///   connected to, which is the node that delivers every message this client receives (its
///   "deliveredBy"); `id` is the socket id.
/// - `chat` `{text, room, from, senderNode}`: a message. `room` is the room name, or null when it was
///   sent to everyone; `from` is the sender's socket id; `senderNode` is the node the sender is on.
///
/// client → server (each with an optional acknowledgement)
/// - `join` `room` → `{ok: true, room}`: receive the room's messages from now on.
/// - `leave` `room` → `{ok: true, room}`.
/// - `chat` `{text, room?}` → `{ok: true, senderNode}`: sends `chat` to the room's members (the sender
///   too when it is a member), or to every client of `/chat` on every node when `room` is absent or null.
///
/// Bad input, and a join past `--max-rooms-per-socket`, are answered `{ok: false, error}` and nothing is sent. Rooms are 1 to 64 characters, texts
/// 1 to 500. Chat rooms are kept apart from the sockets' own id rooms, so joining a room named like
/// someone's socket id does not receive that socket's private traffic.
enum ChatHandlers {
    /// The namespace the demo page connects to.
    static let namespace = "/chat"
    static let maxRoomLength = 64
    static let maxTextLength = 500

    /// Installs the chat on `io`'s `/chat` namespace.
    static func install(on io: SocketIOServer, nodeID: String) {
        let chat = io.of(self.namespace)
        chat.onConnection { socket in
            socket.emit("welcome", ["node": .string(nodeID), "id": .string(socket.id)])
            socket.on("join") { event in
                guard let room = self.roomName(event[0]) else { return self.refuse(event, "room must be 1 to \(self.maxRoomLength) characters") }
                guard socket.join(self.internalRoom(room)) else { return self.refuse(event, "too many rooms") }
                event.ack?(["ok": true, "room": .string(room)])
            }
            socket.on("leave") { event in
                guard let room = self.roomName(event[0]) else { return self.refuse(event, "room must be 1 to \(self.maxRoomLength) characters") }
                socket.leave(self.internalRoom(room))
                event.ack?(["ok": true, "room": .string(room)])
            }
            socket.on("chat") { event in
                guard let text = event[0]?["text"]?.stringValue, (1...self.maxTextLength).contains(text.count) else {
                    return self.refuse(event, "text must be 1 to \(self.maxTextLength) characters")
                }
                let roomValue = event[0]?["room"] ?? .null
                var room: String?
                if !roomValue.isNull {
                    guard let name = self.roomName(roomValue) else { return self.refuse(event, "room must be 1 to \(self.maxRoomLength) characters, or null") }
                    room = name
                }
                let message: SocketIOValue = [
                    "text": .string(text),
                    "room": room.map(SocketIOValue.string) ?? .null,
                    "from": .string(socket.id),
                    "senderNode": .string(nodeID),
                ]
                let target = room.map { chat.to(self.internalRoom($0)) } ?? chat.all
                target.emit("chat", message)
                event.ack?(["ok": true, "senderNode": .string(nodeID)])
            }
        }
    }

    private static func roomName(_ value: SocketIOValue?) -> String? {
        guard let room = value?.stringValue, (1...self.maxRoomLength).contains(room.count) else { return nil }
        return room
    }

    private static func internalRoom(_ room: String) -> String { "chat:" + room }

    private static func refuse(_ event: SocketIOEvent, _ error: String) {
        event.ack?(["ok": false, "error": .string(error)])
    }
}
