import Atomics
import Metrics

/// Counters of a Socket.IO server for metrics (gauges such as sockets and rooms are read from the
/// namespaces at scrape time).
public final class SocketIOStatistics: Sendable {
    /// How long each client took to acknowledge a server-side `emitWithAck` (single or broadcast),
    /// recorded as it arrives; `socketio_ack_latency_seconds`. Made with the server, so bootstrap the
    /// metrics backend before creating the server.
    let ackLatency = Metrics.Timer(label: "socketio_ack_latency_seconds", preferredDisplayUnit: .milliseconds)
    /// Local recipients of each broadcast, recorded as it is delivered; `socketio_broadcast_fanout`.
    let broadcastFanout = Recorder(label: "socketio_broadcast_fanout")
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
