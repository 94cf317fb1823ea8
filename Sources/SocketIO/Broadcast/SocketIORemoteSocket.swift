import SocketIOProtocol

/// A socket as `fetchSockets` sees it: a snapshot of its id, handshake, rooms and data, on this node
/// or another one, with operations that reach it wherever it lives.
public struct SocketIORemoteSocket: Sendable {
    /// The socket id.
    public let id: String
    /// The handshake of its connection.
    public let handshake: SocketIOHandshake
    /// Its rooms when fetched.
    public let rooms: Set<String>
    /// Its `data` when fetched.
    public let data: SocketIOValue
    weak let namespace: SocketIONamespace?

    /// A snapshot.
    public init(id: String, handshake: SocketIOHandshake, rooms: Set<String>, data: SocketIOValue, namespace: SocketIONamespace?) {
        self.id = id
        self.handshake = handshake
        self.rooms = rooms
        self.data = data
        self.namespace = namespace
    }

    /// Emits an event to this socket.
    public func emit(_ event: String, _ arguments: SocketIOValue...) {
        self.namespace?.to(self.id).emit(event, arguments: arguments)
    }

    /// Makes the socket join rooms.
    public func join(_ rooms: String...) {
        self.namespace?.in(self.id).socketsJoin(Set(rooms))
    }

    /// Makes the socket leave rooms.
    public func leave(_ rooms: String...) {
        self.namespace?.in(self.id).socketsLeave(Set(rooms))
    }

    /// Disconnects the socket; `close` also closes its connection.
    public func disconnect(close: Bool = false) {
        self.namespace?.in(self.id).disconnectSockets(close: close)
    }
}
