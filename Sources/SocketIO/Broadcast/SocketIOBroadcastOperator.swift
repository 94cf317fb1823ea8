import NIOCore
import SocketIOProtocol

/// Selects sockets of a namespace (rooms, exceptions, flags) and acts on them on every node:
/// `io.to("room").except("muted").emit("news", …)`.
public struct SocketIOBroadcastOperator: Sendable {
    let namespace: SocketIONamespace
    /// The selection and flags.
    public private(set) var options: SocketIOBroadcastOptions
    private var ackTimeout: TimeAmount?

    init(namespace: SocketIONamespace, options: SocketIOBroadcastOptions = SocketIOBroadcastOptions()) {
        self.namespace = namespace
        self.options = options
    }

    /// Also targets sockets in `rooms`.
    public func to(_ rooms: String...) -> Self { self.to(Set(rooms)) }

    /// Also targets sockets in `rooms`.
    public func to(_ rooms: Set<String>) -> Self {
        var copy = self
        copy.options.rooms.formUnion(rooms)
        return copy
    }

    /// Same as ``to(_:)-(String...)``.
    public func `in`(_ rooms: String...) -> Self { self.to(Set(rooms)) }

    /// Same as ``to(_:)-(Set<String>)``.
    public func `in`(_ rooms: Set<String>) -> Self { self.to(rooms) }

    /// Skips sockets in `rooms`.
    public func except(_ rooms: String...) -> Self { self.except(Set(rooms)) }

    /// Skips sockets in `rooms`.
    public func except(_ rooms: Set<String>) -> Self {
        var copy = self
        copy.options.except.formUnion(rooms)
        return copy
    }

    /// This node only.
    public var local: Self {
        var copy = self
        copy.options.flags.local = true
        return copy
    }

    /// May be dropped for clients that cannot take it right now.
    public var volatile: Self {
        var copy = self
        copy.options.flags.volatile = true
        return copy
    }

    /// Whether the payload may be compressed.
    public func compress(_ compress: Bool) -> Self {
        var copy = self
        copy.options.flags.compress = compress
        return copy
    }

    /// How long ``emitWithAck(_:arguments:)`` waits for acknowledgements.
    public func timeout(_ timeout: TimeAmount) -> Self {
        var copy = self
        copy.ackTimeout = timeout
        copy.options.flags.timeout = Int(timeout.nanoseconds / 1_000_000)
        return copy
    }

    /// Emits an event to the selected sockets; encoded once for all of them. False, and nothing sent,
    /// for a reserved event name (``SocketIOSocket/reservedEventNames``; the reference throws).
    @discardableResult
    public func emit(_ event: String, _ arguments: SocketIOValue...) -> Bool {
        self.emit(event, arguments: arguments)
    }

    /// See ``emit(_:_:)``.
    @discardableResult
    public func emit(_ event: String, arguments: [SocketIOValue]) -> Bool {
        guard !SocketIOSocket.reservedEventNames.contains(event) else { return false }
        let adapter: any SocketIOAdapter = self.namespace.adapter
        // An adapter that stores broadcasts before delivering them (Redis streams) refuses them
        // while its broker is unreachable: nobody gets the event and the caller learns it here.
        guard adapter.acceptsBroadcasts else { return false }
        let packet = SocketIOPacket.event(event, arguments, namespace: self.namespace.name)
        self.namespace.server.statistics.broadcasts.wrappingIncrement(ordering: .relaxed)
        adapter.broadcast(packet, options: self.options)
        return true
    }

    /// Emits an event to the selected clients and returns once the cluster has accepted it: with the
    /// Redis streams adapter, once Redis appended it to the stream (so every node delivers it, and a
    /// client that recovers later still gets it); with other adapters at once. Throws
    /// ``SocketIOError/reservedEventName(_:)`` for a reserved name, and
    /// ``SocketIOClusterError/redisUnavailable`` when the broker refused it (then nobody got it).
    public func emitConfirmed(_ event: String, _ arguments: SocketIOValue...) async throws {
        try await self.emitConfirmed(event, arguments: arguments)
    }

    /// See ``emitConfirmed(_:_:)``.
    public func emitConfirmed(_ event: String, arguments: [SocketIOValue]) async throws {
        guard !SocketIOSocket.reservedEventNames.contains(event) else { throw SocketIOError.reservedEventName(event) }
        let packet = SocketIOPacket.event(event, arguments, namespace: self.namespace.name)
        self.namespace.server.statistics.broadcasts.wrappingIncrement(ordering: .relaxed)
        try await self.namespace.adapter.broadcastConfirmed(packet, options: self.options)
    }

    /// Emits an event that every selected client acknowledges; returns one answer per client (its first
    /// acknowledgement argument). Throws ``SocketIOError/ackTimeout(partial:)`` with the answers that
    /// arrived when some are missing after the timeout; in a cluster whose broker is unreachable,
    /// ``SocketIOClusterError/redisUnavailable`` (local clients still get the event).
    public func emitWithAck(_ event: String, _ arguments: SocketIOValue...) async throws -> [SocketIOValue] {
        try await self.emitWithAck(event, arguments: arguments)
    }

    /// See ``emitWithAck(_:_:)``.
    public func emitWithAck(_ event: String, arguments: [SocketIOValue]) async throws -> [SocketIOValue] {
        guard !SocketIOSocket.reservedEventNames.contains(event) else { throw SocketIOError.reservedEventName(event) }
        let timeout = self.ackTimeout ?? self.namespace.server.configuration.ackTimeout
        var options = self.options
        options.flags.timeout = Int(timeout.nanoseconds / 1_000_000)
        let packet = SocketIOPacket.event(event, arguments, namespace: self.namespace.name, ackID: self.namespace.nextAckID())
        let collector = SocketIOAckCollector(nodeCountPending: true)
        self.namespace.server.statistics.broadcasts.wrappingIncrement(ordering: .relaxed)
        self.namespace.adapter.broadcastWithAck(packet, options: options, collector: collector)
        return try await collector.wait(timeout: timeout, on: self.namespace.server.eventLoopGroup.any())
    }

    /// Snapshots of the selected sockets on every node. In a cluster, throws
    /// ``SocketIOClusterError/redisUnavailable`` while the broker is unreachable (never this node's
    /// sockets alone) and ``SocketIOError/requestTimeout`` when a node does not answer in time.
    public func fetchSockets() async throws -> [SocketIORemoteSocket] {
        try await self.namespace.adapter.fetchSockets(self.options)
    }

    /// Makes the selected sockets join `rooms`.
    public func socketsJoin(_ rooms: String...) { self.socketsJoin(Set(rooms)) }

    /// Makes the selected sockets join `rooms`.
    public func socketsJoin(_ rooms: Set<String>) {
        self.namespace.adapter.addSockets(self.options, rooms: rooms)
    }

    /// Makes the selected sockets leave `rooms`.
    public func socketsLeave(_ rooms: String...) { self.socketsLeave(Set(rooms)) }

    /// Makes the selected sockets leave `rooms`.
    public func socketsLeave(_ rooms: Set<String>) {
        self.namespace.adapter.delSockets(self.options, rooms: rooms)
    }

    /// Disconnects the selected sockets; `close` also closes their connections.
    public func disconnectSockets(close: Bool = false) {
        self.namespace.adapter.disconnectSockets(self.options, close: close)
    }
}
