import SocketIO
import SocketIOProtocol

/// The example's chat on the main namespace `/`.
///
/// client → server (each with an optional acknowledgement)
/// - `join` `room` → `{ok: true, room}`: receive the room's messages from now on.
/// - `chat` `{room, text}` → `{ok: true}`: sends `chat` `{room, text, from}` to the room's other members.
///
/// Bad input is answered `{ok: false, error}` and nothing is sent. Rooms are 1 to 64 characters,
/// texts 1 to 500; chat rooms are kept apart from the sockets' own id rooms.
enum ChatEvents {
    static let maxRoomLength = 64
    static let maxTextLength = 500

    static func install(on io: SocketIOServer) {
        io.onConnection { socket in
            socket.on("join") { event in
                guard let room = self.roomName(event[0]) else { return self.refuse(event, "room must be 1 to \(self.maxRoomLength) characters") }
                guard socket.join(self.internalRoom(room)) else { return self.refuse(event, "too many rooms") }
                event.ack?(["ok": true, "room": .string(room)])
            }
            socket.on("chat") { event in
                guard let room = self.roomName(event[0]?["room"]) else { return self.refuse(event, "room must be 1 to \(self.maxRoomLength) characters") }
                guard let text = event[0]?["text"]?.stringValue, (1...self.maxTextLength).contains(text.count) else {
                    return self.refuse(event, "text must be 1 to \(self.maxTextLength) characters")
                }
                socket.to(self.internalRoom(room)).emit("chat", ["room": .string(room), "text": .string(text), "from": .string(socket.id)])
                event.ack?(["ok": true])
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

    /// The application's own page, served by the Hummingbird router.
    static let page = """
        <!doctype html>
        <title>Hummingbird chat</title>
        <p>This page comes from the Hummingbird router; Socket.IO answers at <code>/socket.io/</code> on the same port.
        Events: <code>join</code> a room, <code>chat</code> <code>{room, text}</code> to it.</p>
        """
}
