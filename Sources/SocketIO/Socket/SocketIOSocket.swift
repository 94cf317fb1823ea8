import Atomics
import EngineIO
import NIOConcurrencyHelpers
import NIOCore
import SocketIOProtocol

/// One client's membership of one namespace.
///
/// A socket lives on the event loop of its connection: handlers run there, and registering handlers
/// (`on`, `onDisconnect`, `use`) belongs there — typically inside the namespace's connection
/// handler; called from another thread, a registration is carried to the loop and takes effect a
/// moment later. Emitting, joining, leaving and disconnecting work from any thread.
public final class SocketIOSocket: @unchecked Sendable {
    /// The socket id: 20 random URL-safe characters, independent of the Engine.IO session id.
    public let id: String
    /// The namespace the socket belongs to.
    public let namespace: SocketIONamespace
    /// The handshake of its connection, with the CONNECT packet's `auth`.
    public let handshake: SocketIOHandshake
    /// Whether this socket took up a disconnected session again (connection state recovery): its id,
    /// rooms and `data` are the earlier socket's, and the events it missed were sent before its CONNECT.
    public let recovered: Bool
    /// The private session id a client presents to recover (with connection state recovery on).
    package let pid: String?
    let client: SocketIOClientConnection
    private let dataBox = NIOLockedValueBox<SocketIOValue>(.null)
    /// Set, from the socket's loop, just before the socket's rooms are dropped when it leaves its
    /// namespace; read by the adapter under its lock so a late `join` cannot register it again.
    private let leftNamespace = ManagedAtomic<Bool>(false)

    // Event-loop confined.
    /// Named event handlers: a short list searched in order, smaller per socket than a dictionary for
    /// the handful of events a socket usually handles.
    private var handlers: [(event: String, once: Bool, handler: (SocketIOEvent) -> Void)] = []
    private var anyHandlers: [(SocketIOEvent) -> Void] = []
    private var anyOutgoingHandlers: [(String, [SocketIOValue]) -> Void] = []
    private var middlewares: [(SocketIOEvent) throws -> Void] = []
    private var errorHandlers: [(any Error) -> Void] = []
    private var disconnectingHandlers: [(SocketIODisconnectReason, String?) -> Void] = []
    private var disconnectHandlers: [(SocketIODisconnectReason, String?) -> Void] = []
    private var pendingAcks: [Int: PendingAck] = [:]
    private(set) var connectedOnEventLoop = false
    /// Asynchronous listeners and middlewares (`SocketIOSocket+AsyncHandlers.swift`), run in order by
    /// ``asyncQueue``; sinks of ``events(bufferSize:)`` streams. Event-loop confined.
    var asyncHandlers: [(event: String, handler: AsyncListener)] = []
    var asyncMiddlewares: [AsyncMiddleware] = []
    var eventSinks: [EventSink] = []
    var asyncQueue: SocketIOAsyncHandlerQueue?

    private enum PendingAck {
        case single(EventLoopPromise<[SocketIOValue]>, Scheduled<Void>, sentAt: NIODeadline)
        case broadcast(any SocketIOAckSink, Scheduled<Void>?, sentAt: NIODeadline)
    }

    init(
        id: String,
        namespace: SocketIONamespace,
        handshake: SocketIOHandshake,
        client: SocketIOClientConnection,
        pid: String? = nil,
        recovered: Bool = false
    ) {
        self.id = id
        self.namespace = namespace
        self.handshake = handshake
        self.client = client
        self.pid = pid
        self.recovered = recovered
    }

    /// The event loop this socket lives on.
    public var eventLoop: any EventLoop { self.client.session.eventLoop }

    /// Application data attached to the socket (visible to `fetchSockets` on every node).
    public var data: SocketIOValue {
        get { self.dataBox.withLockedValue { $0 } }
        set { self.dataBox.withLockedValue { $0 = newValue } }
    }

    /// The rooms the socket is in (always including its own id while connected).
    public var rooms: Set<String> { self.namespace.adapter.rooms(of: self.id) ?? [] }

    /// The transport of the connection right now (`polling` or `websocket`); read on the event loop.
    public var transportOnEventLoop: EngineServerConfiguration.TransportKind? { self.client.session.transportOnEventLoop }

    // MARK: - Handlers (register on the event loop)

    /// True on the socket's loop. Elsewhere (a misuse: handlers belong to the loop) it runs
    /// `register` there instead, a moment later, and returns false.
    func onOwnLoop(_ register: @escaping (SocketIOSocket) -> Void) -> Bool {
        if self.eventLoop.inEventLoop { return true }
        let registration = UncheckedRegistration(register)
        self.eventLoop.execute { registration.body(self) }
        return false
    }

    /// Adds a listener for events named `event`, as the reference's `socket.on` (an EventEmitter):
    /// every listener of an event runs, in the order they were added.
    public func on(_ event: String, _ handler: @escaping (SocketIOEvent) -> Void) {
        guard self.onOwnLoop({ $0.on(event, handler) }) else { return }
        self.handlers.append((event, false, handler))
    }

    /// Adds a listener that runs for the next event named `event` only, then is removed (`socket.once`).
    public func once(_ event: String, _ handler: @escaping (SocketIOEvent) -> Void) {
        guard self.onOwnLoop({ $0.once(event, handler) }) else { return }
        self.handlers.append((event, true, handler))
    }

    /// Removes every listener of `event` (`socket.off(event)`, `removeAllListeners(event)`).
    /// Removing one given listener is not offered: Swift closures have no identity to compare.
    public func off(_ event: String) {
        guard self.onOwnLoop({ $0.off(event) }) else { return }
        self.handlers.removeAll { $0.event == event }
    }

    /// Adds a listener for every event the client sends. As in the reference, catch-all listeners run
    /// first, before the ``use(_:)`` middlewares, and run even for an event a middleware then refuses.
    public func onAny(_ handler: @escaping (SocketIOEvent) -> Void) {
        guard self.onOwnLoop({ $0.onAny(handler) }) else { return }
        self.anyHandlers.append(handler)
    }

    /// Adds a catch-all listener in front of the others (`socket.prependAny`).
    public func prependAny(_ handler: @escaping (SocketIOEvent) -> Void) {
        guard self.onOwnLoop({ $0.prependAny(handler) }) else { return }
        self.anyHandlers.insert(handler, at: 0)
    }

    /// Removes every catch-all listener (`socket.offAny()`).
    public func offAny() {
        guard self.onOwnLoop({ $0.offAny() }) else { return }
        self.anyHandlers.removeAll()
    }

    /// Adds a listener for every event sent to this client: its own emits and the broadcasts that reach
    /// it, with the event name and arguments (acknowledgements are not events and are not seen).
    public func onAnyOutgoing(_ handler: @escaping (_ event: String, _ arguments: [SocketIOValue]) -> Void) {
        guard self.onOwnLoop({ $0.onAnyOutgoing(handler) }) else { return }
        self.anyOutgoingHandlers.append(handler)
    }

    /// Adds an outgoing catch-all listener in front of the others (`socket.prependAnyOutgoing`).
    public func prependAnyOutgoing(_ handler: @escaping (_ event: String, _ arguments: [SocketIOValue]) -> Void) {
        guard self.onOwnLoop({ $0.prependAnyOutgoing(handler) }) else { return }
        self.anyOutgoingHandlers.insert(handler, at: 0)
    }

    /// Removes every outgoing catch-all listener (`socket.offAnyOutgoing()`).
    public func offAnyOutgoing() {
        guard self.onOwnLoop({ $0.offAnyOutgoing() }) else { return }
        self.anyOutgoingHandlers.removeAll()
    }

    /// Runs before every incoming event, after the ``onAny(_:)`` listeners; throwing drops the event
    /// (its named listeners do not run) and reports the error to ``onError(_:)``.
    public func use(_ middleware: @escaping (SocketIOEvent) throws -> Void) {
        guard self.onOwnLoop({ $0.use(middleware) }) else { return }
        self.middlewares.append(middleware)
    }

    /// Receives errors thrown by packet middlewares, and the decoding error of a packet the client sent
    /// that could not be read (its connection is then closed, as the reference does).
    public func onError(_ handler: @escaping (any Error) -> Void) {
        guard self.onOwnLoop({ $0.onError(handler) }) else { return }
        self.errorHandlers.append(handler)
    }

    /// Runs when the socket is about to leave (it is still in its rooms).
    public func onDisconnecting(_ handler: @escaping (SocketIODisconnectReason) -> Void) {
        self.onDisconnecting { reason, _ in handler(reason) }
    }

    /// Runs when the socket is about to leave (it is still in its rooms), with the reason and, for a
    /// `transport error`, what went wrong (the reference's `description`).
    public func onDisconnecting(_ handler: @escaping (SocketIODisconnectReason, _ description: String?) -> Void) {
        guard self.onOwnLoop({ $0.onDisconnecting(handler) }) else { return }
        self.disconnectingHandlers.append(handler)
    }

    /// Runs once the socket has left its namespace.
    public func onDisconnect(_ handler: @escaping (SocketIODisconnectReason) -> Void) {
        self.onDisconnect { reason, _ in handler(reason) }
    }

    /// Runs once the socket has left its namespace, with the reason and, for a `transport error`, what
    /// went wrong: `poll connection closed prematurely`, `overlap from client`, `websocket error`, … (the
    /// reference's `description`).
    public func onDisconnect(_ handler: @escaping (SocketIODisconnectReason, _ description: String?) -> Void) {
        guard self.onOwnLoop({ $0.onDisconnect(handler) }) else { return }
        self.disconnectHandlers.append(handler)
    }

    // MARK: - Emitting

    /// Emits an event to this client. An event named as one of the reference's reserved names
    /// (``SocketIOSocket/reservedEventNames``) is not sent, and the answer is false (the reference
    /// throws).
    @discardableResult
    public func emit(_ event: String, _ arguments: SocketIOValue...) -> Bool {
        self.emit(event, arguments: arguments)
    }

    /// Emits an event to this client; see ``emit(_:_:)``.
    @discardableResult
    public func emit(_ event: String, arguments: [SocketIOValue]) -> Bool {
        SocketIOSocketEmitter(socket: self).emit(event, arguments: arguments)
    }

    /// Emits an event and waits for the client's acknowledgement; answers its first argument (`.null`
    /// when it acknowledged with none), as the reference's `emitWithAck` resolves with it. Throws
    /// ``SocketIOError/ackTimeout(partial:)`` after `timeout` (default
    /// ``SocketIOServerConfiguration/ackTimeout``; the reference waits forever without one),
    /// ``SocketIOError/disconnected`` if the socket leaves first.
    public func emitWithAck(_ event: String, _ arguments: SocketIOValue..., timeout: TimeAmount? = nil) async throws -> SocketIOValue {
        try await SocketIOSocketEmitter(socket: self, timeout: timeout).emitWithAck(event, arguments: arguments)
    }

    /// See ``emitWithAck(_:_:timeout:)``.
    public func emitWithAck(_ event: String, arguments: [SocketIOValue], timeout: TimeAmount? = nil) async throws -> SocketIOValue {
        try await SocketIOSocketEmitter(socket: self, timeout: timeout).emitWithAck(event, arguments: arguments)
    }

    /// Like ``emitWithAck(_:_:timeout:)``, answering every argument of the acknowledgement (a client may
    /// acknowledge with several).
    public func emitWithAckArguments(_ event: String, _ arguments: SocketIOValue..., timeout: TimeAmount? = nil) async throws -> [SocketIOValue] {
        try await SocketIOSocketEmitter(socket: self, timeout: timeout).emitWithAckArguments(event, arguments: arguments)
    }

    /// See ``emitWithAckArguments(_:_:timeout:)``.
    public func emitWithAckArguments(_ event: String, arguments: [SocketIOValue], timeout: TimeAmount? = nil) async throws -> [SocketIOValue] {
        try await SocketIOSocketEmitter(socket: self, timeout: timeout).emitWithAckArguments(event, arguments: arguments)
    }

    /// The next emit may be dropped if the client cannot take it now (`socket.volatile.emit`).
    public var volatile: SocketIOSocketEmitter { SocketIOSocketEmitter(socket: self).volatile }

    /// Whether the next emit may be compressed (`socket.compress(false).emit`).
    public func compress(_ compress: Bool) -> SocketIOSocketEmitter { SocketIOSocketEmitter(socket: self).compress(compress) }

    /// How long the next ``SocketIOSocketEmitter/emitWithAck(_:_:)`` waits (`socket.timeout(ms).emitWithAck`).
    public func timeout(_ timeout: TimeAmount) -> SocketIOSocketEmitter { SocketIOSocketEmitter(socket: self).timeout(timeout) }

    /// Event names a server may not emit, as the reference's `RESERVED_EVENTS`: a client would take them
    /// for its own lifecycle events.
    public static let reservedEventNames: Set<String> = [
        "connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener",
    ]

    // MARK: - Rooms and broadcasting

    /// Joins rooms. Does nothing once the socket has disconnected (an asynchronous handler that joins
    /// after an `await` may find it gone), and joins none of `rooms` when that would put the socket in
    /// more than ``SocketIOServerConfiguration/maxRoomsPerSocket`` rooms. Returns whether it joined.
    @discardableResult
    public func join(_ rooms: String...) -> Bool { self.join(Set(rooms)) }

    /// Joins rooms; see ``join(_:)-(String...)``.
    @discardableResult
    public func join(_ rooms: Set<String>) -> Bool {
        guard !self.hasLeftNamespace else { return false }
        if let limit = self.namespace.server.configuration.maxRoomsPerSocket {
            let current = self.namespace.adapter.rooms(of: self.id) ?? []
            let after = current.union(rooms).subtracting([self.id]).count
            if after > limit, after > current.subtracting([self.id]).count {
                self.namespace.server.statistics.roomJoinsRefused.wrappingIncrement(ordering: .relaxed)
                return false
            }
        }
        self.namespace.adapter.addAll(self, rooms: rooms)
        return true
    }

    /// Whether the socket has disconnected from its namespace (readable from any thread). An adapter
    /// must not add such a socket to rooms: check this under the lock that also guards `delAll`.
    public var hasLeftNamespace: Bool { self.leftNamespace.load(ordering: .acquiring) }

    /// Leaves a room.
    public func leave(_ room: String) {
        self.namespace.adapter.del(self.id, room: room)
    }

    /// Every other socket of the namespace (the sender excluded).
    public var broadcast: SocketIOBroadcastOperator {
        SocketIOBroadcastOperator(namespace: self.namespace, options: SocketIOBroadcastOptions(except: [self.id]))
    }

    /// Sockets in `rooms`, the sender excluded.
    public func to(_ rooms: String...) -> SocketIOBroadcastOperator { self.broadcast.to(Set(rooms)) }

    /// Same as ``to(_:)``.
    public func `in`(_ rooms: String...) -> SocketIOBroadcastOperator { self.broadcast.to(Set(rooms)) }

    /// Every other socket except those in `rooms`.
    public func except(_ rooms: String...) -> SocketIOBroadcastOperator { self.broadcast.except(Set(rooms)) }

    // MARK: - Disconnecting

    /// Removes the socket from its namespace (reason `server namespace disconnect`); with `close`, the
    /// whole connection is closed too.
    public func disconnect(close: Bool = false) {
        self.onEventLoop { socket in
            guard socket.connectedOnEventLoop else { return }
            if close {
                socket.client.disconnectAllOnEventLoop()
            } else {
                socket.sendPacketOnEventLoop(SocketIOPacket(type: .disconnect, namespace: socket.namespace.name))
                socket.closeOnEventLoop(.serverNamespaceDisconnect)
            }
        }
    }

    // MARK: - Internals (event loop)

    /// Runs `body` on the socket's loop (inline when already there).
    func onEventLoop(_ body: @escaping @Sendable (SocketIOSocket) -> Void) {
        let loop = self.eventLoop
        if loop.inEventLoop {
            body(self)
        } else {
            loop.execute { body(self) }
        }
    }

    func sendPacketOnEventLoop(_ packet: SocketIOPacket, volatile: Bool = false, compress: Bool = true) {
        self.client.sendOnEventLoop(packet, volatile: volatile, compress: compress)
    }

    /// Sends an event packet to this client with the emit's flags, its outgoing listeners told first;
    /// `compress: false` keeps WebSocket permessage-deflate off for it.
    func emitOnEventLoop(_ packet: SocketIOPacket, volatile: Bool, compress: Bool = true) {
        self.notifyOutgoingListeners(packet)
        self.sendPacketOnEventLoop(packet, volatile: volatile, compress: compress)
    }

    /// Registers a single-client acknowledgement, failing it after `timeout`; false when the socket has
    /// already left (the promise has then failed).
    func expectAckOnEventLoop(_ ackID: Int, promise: EventLoopPromise<[SocketIOValue]>, timeout: TimeAmount) -> Bool {
        guard self.connectedOnEventLoop else {
            promise.fail(SocketIOError.disconnected)
            return false
        }
        let timer = self.eventLoop.scheduleTask(in: timeout) { [self] in
            if self.removePendingAck(ackID) != nil {
                promise.fail(SocketIOError.ackTimeout(partial: []))
            }
        }
        self.addPendingAck(ackID, .single(promise, timer, sentAt: .now()))
        return true
    }

    /// Tells the outgoing catch-all listeners about an event packet (nothing for other packets).
    private func notifyOutgoingListeners(_ packet: SocketIOPacket) {
        guard !self.anyOutgoingHandlers.isEmpty, var payload = packet.payload?.arrayValue, !payload.isEmpty else { return }
        let name = payload.removeFirst()
        let event = name.stringValue ?? name.description
        for handler in self.anyOutgoingHandlers { handler(event, payload) }
    }

    /// Hands a decoding error of this connection to the error listeners.
    func reportErrorOnEventLoop(_ error: any Error) {
        for handler in self.errorHandlers { handler(error) }
    }

    /// Writes pre-encoded frames (a broadcast); registers the broadcast's ack id first when given. The
    /// registration is dropped after `ackTimeout` (the broadcast has given up on this client by then).
    func writeOnEventLoop(
        _ frames: [EngineFrame],
        packet: SocketIOPacket? = nil,
        volatile: Bool,
        ackID: Int?,
        collector: (any SocketIOAckSink)?,
        ackTimeout: TimeAmount? = nil
    ) {
        guard self.connectedOnEventLoop else {
            if collector != nil { collector?.expect(-1) }
            return
        }
        if let packet { self.notifyOutgoingListeners(packet) }
        if let ackID, let collector {
            let timer = ackTimeout.map { timeout in
                self.eventLoop.scheduleTask(in: timeout) { [self] in _ = self.removePendingAck(ackID) }
            }
            self.addPendingAck(ackID, .broadcast(collector, timer, sentAt: .now()))
        }
        self.client.writeOnEventLoop(frames, volatile: volatile)
    }

    private func recordAckLatency(since sentAt: NIODeadline) {
        let elapsed = NIODeadline.now() - sentAt
        self.namespace.server.statistics.ackLatency.recordNanoseconds(elapsed.nanoseconds)
    }

    private func addPendingAck(_ id: Int, _ ack: PendingAck) {
        if self.pendingAcks.updateValue(ack, forKey: id) == nil {
            self.namespace.pendingAcks.wrappingIncrement(ordering: .relaxed)
        }
    }

    private func removePendingAck(_ id: Int) -> PendingAck? {
        let removed = self.pendingAcks.removeValue(forKey: id)
        if removed != nil { self.namespace.pendingAcks.wrappingDecrement(ordering: .relaxed) }
        return removed
    }

    func markConnectedOnEventLoop() {
        self.connectedOnEventLoop = true
    }

    func handlePacketOnEventLoop(_ packet: SocketIOPacket) {
        switch packet.type {
        case .event, .binaryEvent:
            self.dispatchEvent(packet)
        case .ack, .binaryAck:
            guard let id = packet.ackID, let pending = self.removePendingAck(id) else { return }
            let arguments = packet.payload?.arrayValue ?? []
            switch pending {
            case .single(let promise, let timer, let sentAt):
                timer.cancel()
                self.recordAckLatency(since: sentAt)
                promise.succeed(arguments)
            case .broadcast(let collector, let timer, let sentAt):
                timer?.cancel()
                self.recordAckLatency(since: sentAt)
                collector.received(arguments.first ?? .null)
            }
        case .disconnect:
            self.closeOnEventLoop(.clientNamespaceDisconnect)
        case .connect, .connectError:
            break
        }
    }

    private func dispatchEvent(_ packet: SocketIOPacket) {
        guard var payload = packet.payload?.arrayValue, !payload.isEmpty else { return }
        let name = payload.removeFirst()
        let event = SocketIOEvent(
            socket: self,
            name: name.stringValue ?? name.description,
            arguments: payload,
            ack: packet.ackID.map { SocketIOAck(socket: self, id: $0) }
        )
        // The reference's order: catch-all listeners first, then the middlewares, then named listeners.
        for handler in self.anyHandlers { handler(event) }
        do {
            for middleware in self.middlewares { try middleware(event) }
        } catch {
            for handler in self.errorHandlers { handler(error) }
            return
        }
        guard self.connectedOnEventLoop else { return }
        if !self.asyncMiddlewares.isEmpty {
            // Asynchronous middlewares gate every listener: the rest runs in the socket's queue.
            self.enqueueGatedDispatch(event)
            return
        }
        self.runListenersOnEventLoop(event)
    }

    /// The named listeners of `event` (synchronous ones at once, asynchronous ones queued in order) and
    /// the event streams.
    func runListenersOnEventLoop(_ event: SocketIOEvent) {
        // The listeners as they are now (a listener that adds or removes listeners changes the next
        // event's, not this one's); `once` listeners leave before they run, as in EventEmitter.
        let snapshot = self.handlers
        if snapshot.contains(where: { $0.once && $0.event == event.name }) {
            self.handlers.removeAll { $0.once && $0.event == event.name }
        }
        for entry in snapshot where entry.event == event.name {
            entry.handler(event)
        }
        for sink in self.eventSinks { sink.yield(event) }
        guard !self.asyncHandlers.isEmpty else { return }
        let listeners = self.asyncHandlers.filter { $0.event == event.name }.map(\.handler)
        if !listeners.isEmpty { self.enqueueAsyncListeners(listeners, event: event) }
    }

    /// Leaves the namespace for `reason`: disconnecting handlers, rooms, pending acks, disconnect handlers.
    func closeOnEventLoop(_ reason: SocketIODisconnectReason, description: String? = nil) {
        guard self.connectedOnEventLoop else { return }
        for handler in self.disconnectingHandlers { handler(reason, description) }
        if let pid = self.pid, reason.isRecoverable {
            let snapshot = SocketIOSessionSnapshot(sid: self.id, pid: pid, rooms: Array(self.rooms), data: self.data)
            self.namespace.adapter.persistSession(snapshot)
        }
        self.connectedOnEventLoop = false
        let pending = self.pendingAcks
        self.pendingAcks = [:]
        self.namespace.pendingAcks.wrappingDecrement(by: pending.count, ordering: .relaxed)
        for (_, ack) in pending {
            switch ack {
            case .single(let promise, let timer, _):
                timer.cancel()
                promise.fail(SocketIOError.disconnected)
            case .broadcast(let collector, let timer, _):
                timer?.cancel()
                collector.expect(-1)
            }
        }
        self.leftNamespace.store(true, ordering: .releasing)
        self.namespace.remove(self)
        self.client.removeOnEventLoop(self)
        for handler in self.disconnectHandlers { handler(reason, description) }
        self.handlers = []
        self.anyHandlers = []
        self.anyOutgoingHandlers = []
        self.asyncHandlers = []
        self.asyncMiddlewares = []
        for sink in self.eventSinks { sink.finish() }
        self.eventSinks = []
        self.asyncQueue?.close(drainTimeout: self.namespace.server.configuration.asyncListenerDrainTimeout, on: self.eventLoop)
        self.asyncQueue = nil
        self.middlewares = []
        self.disconnectingHandlers = []
        self.disconnectHandlers = []
    }
}

/// A handler registration handed to the socket's loop. Handlers are not `Sendable` (they run on the
/// loop only); moving one to the loop to register it there is the one crossing they make.
private struct UncheckedRegistration: @unchecked Sendable {
    let body: (SocketIOSocket) -> Void
    init(_ body: @escaping (SocketIOSocket) -> Void) { self.body = body }
}

