import SocketIO

/// Cluster adapters keep membership in an ``InMemoryAdapter`` and forward the local calls to it.
public protocol LocalMembershipForwarding: SocketIOAdapter {
    /// The local membership and delivery.
    var local: InMemoryAdapter { get }
}

extension LocalMembershipForwarding {
    /// Adds a local socket to rooms.
    public func addAll(_ socket: SocketIOSocket, rooms: Set<String>) { self.local.addAll(socket, rooms: rooms) }
    /// Removes a local socket from a room.
    public func del(_ socketID: String, room: String) { self.local.del(socketID, room: room) }
    /// Removes a local socket from every room.
    public func delAll(_ socketID: String) { self.local.delAll(socketID) }
    /// The rooms of a local socket.
    public func rooms(of socketID: String) -> Set<String>? { self.local.rooms(of: socketID) }
    /// The local sockets options select.
    public func localSockets(_ options: SocketIOBroadcastOptions) -> [SocketIOSocket] { self.local.localSockets(options) }
    /// The rooms with local members.
    public var localRooms: Set<String> { self.local.localRooms }
}
