import NIOCore
import SocketIOProtocol

/// One socket with flags for the emits made through it, as the reference's chained modifiers:
/// `socket.volatile.emit(…)`, `socket.compress(false).emit(…)`,
/// `try await socket.timeout(.seconds(5)).emitWithAck(…)`. A value: the flags apply to the emits made
/// through this value only, never to the socket's later emits.
public struct SocketIOSocketEmitter: Sendable {
    /// The socket the emits go to.
    public let socket: SocketIOSocket
    /// Whether an emit may be dropped when the client cannot take it now.
    public private(set) var isVolatile: Bool
    /// Whether the payload may be compressed (`compress(false)` keeps WebSocket permessage-deflate off for it).
    public private(set) var compresses: Bool
    /// How long an ``emitWithAck(_:_:)`` waits; nil for ``SocketIOServerConfiguration/ackTimeout``.
    public private(set) var ackTimeout: TimeAmount?

    init(socket: SocketIOSocket, volatile: Bool = false, compress: Bool = true, timeout: TimeAmount? = nil) {
        self.socket = socket
        self.isVolatile = volatile
        self.compresses = compress
        self.ackTimeout = timeout
    }

    /// May be dropped for a client that cannot take it right now (a polling client between requests,
    /// a WebSocket whose buffer is full).
    public var volatile: Self {
        var copy = self
        copy.isVolatile = true
        return copy
    }

    /// Whether the payload may be compressed.
    public func compress(_ compress: Bool) -> Self {
        var copy = self
        copy.compresses = compress
        return copy
    }

    /// How long ``emitWithAck(_:_:)`` waits for the acknowledgement.
    public func timeout(_ timeout: TimeAmount) -> Self {
        var copy = self
        copy.ackTimeout = timeout
        return copy
    }

    /// Emits an event to the socket's client; false, and nothing sent, for a reserved event name
    /// (``SocketIOSocket/reservedEventNames``).
    @discardableResult
    public func emit(_ event: String, _ arguments: SocketIOValue...) -> Bool {
        self.emit(event, arguments: arguments)
    }

    /// See ``emit(_:_:)``.
    @discardableResult
    public func emit(_ event: String, arguments: [SocketIOValue]) -> Bool {
        guard !SocketIOSocket.reservedEventNames.contains(event) else { return false }
        let packet = SocketIOPacket.event(event, arguments, namespace: self.socket.namespace.name)
        let volatile = self.isVolatile
        let compress = self.compresses
        let socket = self.socket
        if socket.pid != nil, !volatile {
            // Connection state recovery: numbered and kept like a broadcast to the socket's own room.
            socket.namespace.adapter.recordForRecovery(packet, options: SocketIOBroadcastOptions(rooms: [socket.id])) { numbered in
                socket.onEventLoop { $0.emitOnEventLoop(numbered, volatile: volatile, compress: compress) }
            }
        } else {
            socket.onEventLoop { $0.emitOnEventLoop(packet, volatile: volatile, compress: compress) }
        }
        return true
    }

    /// Emits an event and waits for the acknowledgement; answers its first argument (`.null` when the
    /// client acknowledged with none). See ``SocketIOSocket/emitWithAck(_:_:timeout:)``.
    public func emitWithAck(_ event: String, _ arguments: SocketIOValue...) async throws -> SocketIOValue {
        try await self.emitWithAck(event, arguments: arguments)
    }

    /// See ``emitWithAck(_:_:)``.
    public func emitWithAck(_ event: String, arguments: [SocketIOValue]) async throws -> SocketIOValue {
        try await self.emitWithAckArguments(event, arguments: arguments).first ?? .null
    }

    /// Emits an event and waits for the acknowledgement; answers all of its arguments.
    public func emitWithAckArguments(_ event: String, _ arguments: SocketIOValue...) async throws -> [SocketIOValue] {
        try await self.emitWithAckArguments(event, arguments: arguments)
    }

    /// See ``emitWithAckArguments(_:_:)``.
    public func emitWithAckArguments(_ event: String, arguments: [SocketIOValue]) async throws -> [SocketIOValue] {
        guard !SocketIOSocket.reservedEventNames.contains(event) else { throw SocketIOError.reservedEventName(event) }
        let socket = self.socket
        let promise = socket.eventLoop.makePromise(of: [SocketIOValue].self)
        let ackID = socket.namespace.nextAckID()
        let timeout = self.ackTimeout ?? socket.namespace.server.configuration.ackTimeout
        let packet = SocketIOPacket.event(event, arguments, namespace: socket.namespace.name, ackID: ackID)
        let volatile = self.isVolatile
        let compress = self.compresses
        socket.onEventLoop { socket in
            guard socket.expectAckOnEventLoop(ackID, promise: promise, timeout: timeout) else { return }
            socket.emitOnEventLoop(packet, volatile: volatile, compress: compress)
        }
        return try await promise.futureResult.get()
    }
}
