import SocketIOProtocol

/// Where a namespace keeps room membership and how its broadcasts and server-side operations reach
/// every node. ``InMemoryAdapter`` serves one node; a cluster adapter (Redis) does the same locally
/// and also publishes to the other nodes.
///
/// Membership calls happen on any event loop and must not block. Calls that need other nodes'
/// answers are `async` and, in a cluster, throw ``SocketIOClusterError`` when the broker is
/// unreachable.
public protocol SocketIOAdapter: AnyObject, Sendable {
    /// Adds a local socket to rooms.
    func addAll(_ socket: SocketIOSocket, rooms: Set<String>)
    /// Removes a local socket from one room.
    func del(_ socketID: String, room: String)
    /// Removes a local socket from every room (it left the namespace).
    func delAll(_ socketID: String)
    /// The rooms of a local socket, nil when the socket is unknown.
    func rooms(of socketID: String) -> Set<String>?
    /// The local sockets that options select.
    func localSockets(_ options: SocketIOBroadcastOptions) -> [SocketIOSocket]
    /// The rooms that have local members.
    var localRooms: Set<String> { get }

    /// Sends a packet to the sockets selected by `options`, on every node unless `flags.local`.
    func broadcast(_ packet: SocketIOPacket, options: SocketIOBroadcastOptions)
    /// Sends a packet that asks for acknowledgements; `collector` learns how many clients got it and
    /// receives their answers. `packet.ackID` is already set. The adapter must tell the collector how
    /// many other nodes will report (``SocketIOAckCollector/nodeCountKnown(otherNodes:)``), 0 for one node.
    func broadcastWithAck(_ packet: SocketIOPacket, options: SocketIOBroadcastOptions, collector: SocketIOAckCollector)
    /// Snapshots of the sockets selected by `options`, on every node.
    func fetchSockets(_ options: SocketIOBroadcastOptions) async throws -> [SocketIORemoteSocket]
    /// Makes the selected sockets join `rooms`, on every node.
    func addSockets(_ options: SocketIOBroadcastOptions, rooms: Set<String>)
    /// Makes the selected sockets leave `rooms`, on every node.
    func delSockets(_ options: SocketIOBroadcastOptions, rooms: Set<String>)
    /// Disconnects the selected sockets, on every node; `close` also closes their connections.
    func disconnectSockets(_ options: SocketIOBroadcastOptions, close: Bool)
    /// Emits `[event, ...args]` to the other nodes' server-side handlers.
    func serverSideEmit(_ packet: [SocketIOValue])
    /// Like ``serverSideEmit(_:)``, waiting up to `timeoutMilliseconds` for every other node's answer.
    func serverSideEmitWithAck(_ packet: [SocketIOValue], timeoutMilliseconds: Int) async throws -> [SocketIOValue]
    /// The names of every room with members, on every node.
    func allRooms() async throws -> Set<String>
    /// The number of nodes serving this namespace. A cluster adapter throws
    /// ``SocketIOClusterError/redisUnavailable`` when its broker cannot say.
    func serverCount() async throws -> Int
    /// Stops the adapter (unsubscribes, fails pending requests).
    func close()

    // Connection state recovery (``SocketIOServerConfiguration/connectionStateRecovery``).

    /// Numbers and keeps an event sent to one socket outside a broadcast (`socket.emit`) and returns it
    /// with its offset appended; an adapter that cannot recover returns it unchanged.
    func recordForRecovery(_ packet: SocketIOPacket, options: SocketIOBroadcastOptions) -> SocketIOPacket
    /// Keeps a disconnected socket's session for `maxDisconnectionDuration`.
    func persistSession(_ session: SocketIOSessionSnapshot)
    /// The session `pid` and the events after `offset` its rooms select; nil for a fresh session.
    func restoreSession(pid: String, offset: String) async throws -> SocketIORecoveredSession?
    /// Like ``recordForRecovery(_:options:)`` for an adapter whose offsets come from its broker (the
    /// Redis streams adapter numbers an event once Redis has stored it): `deliver` receives the packet
    /// to send, numbered or, when the broker could not store it, as it was.
    func recordForRecovery(_ packet: SocketIOPacket, options: SocketIOBroadcastOptions, then deliver: @escaping @Sendable (SocketIOPacket) -> Void)
    /// The events a recovered socket must still get after its missed events: those this node
    /// delivered to its rooms between the end of ``restoreSession(pid:offset:)``'s read and the
    /// moment the socket joined them (asked once, right after the join).
    func eventsSinceRestore(of socketID: String) -> [[SocketIOValue]]

    // Durable broadcasts.

    /// Whether a broadcast would be accepted now. An adapter that stores broadcasts before it delivers
    /// them (the Redis streams adapter) refuses them while its broker is unreachable.
    var acceptsBroadcasts: Bool { get }
    /// Broadcasts like ``broadcast(_:options:)`` and returns once the cluster has accepted the packet
    /// (for the Redis streams adapter: Redis appended it to the stream); throws
    /// ``SocketIOClusterError`` when it was refused, and then nobody received it.
    func broadcastConfirmed(_ packet: SocketIOPacket, options: SocketIOBroadcastOptions) async throws
}

extension SocketIOAdapter {
    /// An adapter without recovery sends events as they are.
    public func recordForRecovery(_ packet: SocketIOPacket, options: SocketIOBroadcastOptions) -> SocketIOPacket { packet }
    /// An adapter without recovery keeps nothing.
    public func persistSession(_ session: SocketIOSessionSnapshot) {}
    /// An adapter without recovery never finds a session.
    public func restoreSession(pid: String, offset: String) async throws -> SocketIORecoveredSession? { nil }
    /// Numbers the packet at once (``recordForRecovery(_:options:)``) and hands it on.
    public func recordForRecovery(_ packet: SocketIOPacket, options: SocketIOBroadcastOptions, then deliver: @escaping @Sendable (SocketIOPacket) -> Void) {
        deliver(self.recordForRecovery(packet, options: options))
    }
    /// An adapter whose restore and delivery cannot interleave has nothing to add.
    public func eventsSinceRestore(of socketID: String) -> [[SocketIOValue]] { [] }
    /// Adapters that deliver at once always accept.
    public var acceptsBroadcasts: Bool { true }
    /// Broadcasts; accepted at once.
    public func broadcastConfirmed(_ packet: SocketIOPacket, options: SocketIOBroadcastOptions) async throws {
        self.broadcast(packet, options: options)
    }
}

/// Makes the adapter of a namespace when the namespace is created.
public typealias SocketIOAdapterFactory = @Sendable (SocketIONamespace) -> any SocketIOAdapter
