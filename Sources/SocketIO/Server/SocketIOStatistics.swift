import Atomics

/// Counters of a Socket.IO server for metrics (gauges such as sockets and rooms are read from the
/// namespaces at scrape time).
public final class SocketIOStatistics: Sendable {
    /// Broadcasts started on this node (`io.emit`, `to(…).emit`, `socket.broadcast.emit`, with or without acks).
    public let broadcasts = ManagedAtomic<Int>(0)
    /// Sockets that joined a namespace.
    public let connections = ManagedAtomic<Int>(0)
    /// Namespace connections refused (middleware or unknown namespace).
    public let connectErrors = ManagedAtomic<Int>(0)

    /// Joins refused because the socket was already in `maxRoomsPerSocket` rooms.
    public let roomJoinsRefused = ManagedAtomic<Int>(0)
    /// Events not handed to a socket's asynchronous listeners because too many already waited.
    public let asyncEventsRefused = ManagedAtomic<Int>(0)
    /// Empty child namespaces of dynamic parents removed (`cleanupEmptyChildNamespaces`).
    public let childNamespacesRemoved = ManagedAtomic<Int>(0)

    /// Fresh counters.
    public init() {}
}
