import SocketIO
import SocketIOProtocol

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
    /// Numbers a `socket.emit` for recovery on this node (sessions are kept per node: a client that
    /// comes back to this node recovers; on another node it gets a fresh session, as with the
    /// reference's Redis adapters, which cannot recover at all).
    public func recordForRecovery(_ packet: SocketIOPacket, options: SocketIOBroadcastOptions) -> SocketIOPacket {
        self.local.recordForRecovery(packet, options: options)
    }
    /// Keeps a disconnected session on this node.
    public func persistSession(_ session: SocketIOSessionSnapshot) { self.local.persistSession(session) }
    /// A session kept on this node.
    public func restoreSession(pid: String, offset: String) async throws -> SocketIORecoveredSession? {
        try await self.local.restoreSession(pid: pid, offset: offset)
    }
}
