import SocketIO
import SocketIOProtocol

/// The handlers `socketio-bench` drives, installed on `/` with `--bench-handlers`:
/// - `echo` (...args, ack): acknowledges with the same arguments;
/// - `join` (room, ack): joins `room`, then acknowledges (no arguments);
/// - `broadcast` (...args, ack): emits `broadcast` with the same arguments to every client of `/` on
///   every node (the sender too), then acknowledges (no arguments);
/// - `to-room` (room, ...args, ack): emits `to-room` with the arguments after the room to the room's
///   members on every node (the sender too when it is a member), then acknowledges (no arguments).
///
/// Malformed calls (a missing or non-string room) are ignored, without an acknowledgement.
enum BenchHandlers {
    static func install(on io: SocketIOServer) {
        let main = io.sockets
        main.onConnection { socket in
            socket.on("echo") { event in
                event.ack?.send(event.arguments)
            }
            socket.on("join") { event in
                guard let room = event[0]?.stringValue else { return }
                socket.join(room)
                event.ack?()
            }
            socket.on("broadcast") { event in
                main.all.emit("broadcast", arguments: event.arguments)
                event.ack?()
            }
            socket.on("to-room") { event in
                guard let room = event[0]?.stringValue else { return }
                main.to(room).emit("to-room", arguments: Array(event.arguments.dropFirst()))
                event.ack?()
            }
        }
    }
}
