import Atomics
import NIOConcurrencyHelpers
import NIOCore
import SocketIOProtocol

/// A namespace (`/`, `/admin`, …): its sockets on this node, its handlers and its adapter.
public final class SocketIONamespace: @unchecked Sendable {
    /// A connection middleware: throw ``SocketIOConnectError`` to refuse the socket with its message
    /// and data. Any other error refuses it too, and the client sees only `Server error`.
    public typealias Middleware = @Sendable (SocketIOSocket) async throws -> Void
    /// Runs on the socket's event loop when a socket joined the namespace.
    public typealias ConnectionHandler = @Sendable (SocketIOSocket) -> Void
    /// Receives `[event, ...args]` sent by another node's `serverSideEmit`, and a reply function when
    /// that node waits for an answer.
    public typealias ServerSideEmitHandler = @Sendable ([SocketIOValue], (@Sendable ([SocketIOValue]) -> Void)?) -> Void

    private struct Handlers {
        var middlewares: [Middleware] = []
        var connection: [ConnectionHandler] = []
        var serverSideEmit: [ServerSideEmitHandler] = []
    }

    /// The name, e.g. `/` or `/admin`.
    public let name: String
    /// The server this namespace belongs to.
    public unowned let server: SocketIOServer
    /// The adapter: room membership, broadcasts, cluster operations.
    public private(set) var adapter: (any SocketIOAdapter)!
    private let parent: SocketIOParentNamespace?
    private let handlers = NIOLockedValueBox(Handlers())
    private let socketsBox = NIOLockedValueBox<[String: SocketIOSocket]>([:])
    private let ackIDs = ManagedAtomic<Int>(0)
    /// Acknowledgements this node's sockets are waiting for (each has a deadline).
    let pendingAcks = ManagedAtomic<Int>(0)
    /// CONNECTs on their way into this namespace (middlewares running).
    private let connecting = ManagedAtomic<Int>(0)
    /// A removal check is scheduled (children of dynamic parents only).
    private let cleanupScheduled = ManagedAtomic<Bool>(false)

    init(name: String, server: SocketIOServer, parent: SocketIOParentNamespace? = nil) {
        self.name = name
        self.server = server
        self.parent = parent
        self.adapter = server.configuration.adapterFactory(self)
    }

    // MARK: Handlers

    /// Adds a connection middleware (runs for every CONNECT, in order, before the connection handlers).
    public func use(_ middleware: @escaping Middleware) {
        self.handlers.withLockedValue { $0.middlewares.append(middleware) }
    }

    /// Adds a handler for new sockets; it runs on the socket's event loop, where the socket's own
    /// handlers are registered.
    public func onConnection(_ handler: @escaping ConnectionHandler) {
        self.handlers.withLockedValue { $0.connection.append(handler) }
    }

    /// Adds a handler for events other nodes send with `serverSideEmit`.
    public func onServerSideEmit(_ handler: @escaping ServerSideEmitHandler) {
        self.handlers.withLockedValue { $0.serverSideEmit.append(handler) }
    }

    var connectionMiddlewares: [Middleware] {
        (self.parent?.middlewares ?? []) + self.handlers.withLockedValue { $0.middlewares }
    }

    // MARK: Sockets

    /// The sockets connected to this namespace on this node.
    public var localSockets: [SocketIOSocket] { self.socketsBox.withLockedValue { Array($0.values) } }

    /// The socket with this id, when it is connected on this node.
    public func localSocket(id: String) -> SocketIOSocket? { self.socketsBox.withLockedValue { $0[id] } }

    func add(_ socket: SocketIOSocket) {
        self.socketsBox.withLockedValue { $0[socket.id] = socket }
        self.adapter.addAll(socket, rooms: [socket.id])
    }

    func remove(_ socket: SocketIOSocket) {
        self.adapter.delAll(socket.id)
        let empty = self.socketsBox.withLockedValue { sockets -> Bool in
            if sockets[socket.id] === socket { sockets[socket.id] = nil }
            return sockets.isEmpty
        }
        if empty { self.scheduleCleanup() }
    }

    // MARK: Cleanup of empty children

    /// A CONNECT is on its way into this namespace. Counted for children of dynamic parents only (the
    /// only namespaces ever removed), so connections to static ones share no counter across loops.
    func connectStarted() {
        guard self.parent != nil else { return }
        self.connecting.wrappingIncrement(ordering: .relaxed)
    }

    /// A CONNECT that ``connectStarted()`` counted is over (joined, refused, or its client left).
    func connectEnded() {
        guard self.parent != nil else { return }
        let left = self.connecting.wrappingDecrementThenLoad(ordering: .relaxed)
        if left == 0, self.socketsBox.withLockedValue({ $0.isEmpty }) { self.scheduleCleanup() }
    }

    /// No socket and none connecting.
    var isUnused: Bool {
        self.connecting.load(ordering: .relaxed) == 0 && self.socketsBox.withLockedValue { $0.isEmpty }
    }

    /// For a child of a dynamic parent with ``SocketIOServerConfiguration/cleanupEmptyChildNamespaces``
    /// set: checks, after that delay, whether the namespace is still unused, and removes it if so.
    private func scheduleCleanup() {
        guard let parent = self.parent, let delay = self.server.configuration.cleanupEmptyChildNamespaces else { return }
        guard self.cleanupScheduled.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged else { return }
        let server = self.server
        server.eventLoopGroup.any().scheduleTask(in: delay) { [self] in
            self.cleanupScheduled.store(false, ordering: .relaxed)
            server.removeIfUnused(self, parent: parent)
        }
    }

    func announce(_ socket: SocketIOSocket) {
        for handler in self.parent?.connectionHandlers ?? [] { handler(socket) }
        for handler in self.handlers.withLockedValue({ $0.connection }) { handler(socket) }
    }

    /// A new acknowledgement id, unique in this namespace (shared by every recipient of a broadcast).
    func nextAckID() -> Int {
        self.ackIDs.loadThenWrappingIncrement(ordering: .relaxed) & Int.max
    }

    /// A new acknowledgement id for a broadcast delivered on behalf of another node.
    public func localAckID() -> Int { self.nextAckID() }

    /// The number of acknowledgements this node's sockets of the namespace are waiting for.
    public var pendingAckCount: Int { self.pendingAcks.load(ordering: .relaxed) }

    /// Hands a server-side event from another node to the handlers.
    public func handleServerSideEmit(_ packet: [SocketIOValue], reply: (@Sendable ([SocketIOValue]) -> Void)?) {
        for handler in self.handlers.withLockedValue({ $0.serverSideEmit }) { handler(packet, reply) }
    }

    // MARK: Broadcasting (every socket of the namespace)

    /// Every socket of the namespace, to refine with rooms and flags.
    public var all: SocketIOBroadcastOperator { SocketIOBroadcastOperator(namespace: self) }

    /// Sockets in `rooms`.
    public func to(_ rooms: String...) -> SocketIOBroadcastOperator { self.all.to(Set(rooms)) }

    /// Same as ``to(_:)``.
    public func `in`(_ rooms: String...) -> SocketIOBroadcastOperator { self.all.to(Set(rooms)) }

    /// Every socket except those in `rooms`.
    public func except(_ rooms: String...) -> SocketIOBroadcastOperator { self.all.except(Set(rooms)) }

    /// This node only.
    public var local: SocketIOBroadcastOperator { self.all.local }

    /// May be dropped for clients that cannot take it now.
    public var volatile: SocketIOBroadcastOperator { self.all.volatile }

    /// How long acknowledgements are awaited.
    public func timeout(_ timeout: TimeAmount) -> SocketIOBroadcastOperator { self.all.timeout(timeout) }

    /// Emits to every socket of the namespace.
    @discardableResult
    public func emit(_ event: String, _ arguments: SocketIOValue...) -> Bool { self.all.emit(event, arguments: arguments) }

    /// Snapshots of every socket of the namespace, on every node.
    public func fetchSockets() async throws -> [SocketIORemoteSocket] { try await self.all.fetchSockets() }

    /// Makes every socket join `rooms`.
    public func socketsJoin(_ rooms: String...) { self.all.socketsJoin(Set(rooms)) }

    /// Makes every socket leave `rooms`.
    public func socketsLeave(_ rooms: String...) { self.all.socketsLeave(Set(rooms)) }

    /// Disconnects every socket.
    public func disconnectSockets(close: Bool = false) { self.all.disconnectSockets(close: close) }

    /// Emits `[event, ...args]` to the server-side handlers of the other nodes.
    public func serverSideEmit(_ event: String, _ arguments: SocketIOValue...) {
        self.serverSideEmit(event, arguments: arguments)
    }

    /// Emits `[event, ...args]` to the server-side handlers of the other nodes.
    public func serverSideEmit(_ event: String, arguments: [SocketIOValue]) {
        self.adapter.serverSideEmit([.string(event)] + arguments)
    }

    /// Like ``serverSideEmit(_:_:)``, waiting for every other node's answer.
    public func serverSideEmitWithAck(_ event: String, _ arguments: SocketIOValue..., timeout: TimeAmount? = nil) async throws -> [SocketIOValue] {
        let timeout = timeout ?? self.server.configuration.ackTimeout
        return try await self.adapter.serverSideEmitWithAck([.string(event)] + arguments, timeoutMilliseconds: Int(timeout.nanoseconds / 1_000_000))
    }
}
