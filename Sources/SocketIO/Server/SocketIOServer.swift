import EngineIO
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SocketIOProtocol

/// A Socket.IO v4 server (Socket.IO protocol v5 over Engine.IO v4).
///
/// ```swift
/// let io = SocketIOServer()
/// io.onConnection { socket in
///     socket.on("chat") { event in socket.broadcast.emit("chat", event.arguments[0]) }
/// }
/// try await io.listen(host: "127.0.0.1", port: 3000)
/// ```
public final class SocketIOServer: @unchecked Sendable {
    /// The options this server runs with.
    public let configuration: SocketIOServerConfiguration
    /// The loops sessions run on.
    public let eventLoopGroup: any EventLoopGroup
    /// Counters for metrics.
    public let statistics = SocketIOStatistics()
    /// The Engine.IO server underneath.
    public private(set) var engine: EngineServer!
    private let namespaces = NIOLockedValueBox<[String: SocketIONamespace]>([:])
    private let parents = NIOLockedValueBox<[SocketIOParentNamespace]>([])
    /// The listener's address while ``run()`` serves.
    let serviceAddress = NIOLockedValueBox<SocketAddress?>(nil)

    /// A server with `configuration`. `fallback` answers HTTP paths outside the Socket.IO path.
    public init(
        configuration: SocketIOServerConfiguration = SocketIOServerConfiguration(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        fallback: EngineHTTPFallback? = nil
    ) {
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        let weakSelf = WeakServer()
        self.engine = EngineServer(configuration: configuration.engine, fallback: fallback) { session in
            weakSelf.server?.accept(session)
        }
        weakSelf.server = self
        _ = self.of("/")
    }

    // MARK: Namespaces

    /// The namespace named `name`, created when needed; a name without the leading `/` gets one, as in
    /// the reference. A name containing `,` cannot be written in a packet, so no client can connect to
    /// it and what is emitted on it reaches no local client (nothing traps).
    public func of(_ name: String) -> SocketIONamespace {
        let name = name.hasPrefix("/") ? name : "/" + name
        // Created under the lock: a namespace's adapter subscribes as it is made, so a losing duplicate
        // would subscribe too.
        return self.namespaces.withLockedValue { namespaces in
            if let existing = namespaces[name] { return existing }
            let created = SocketIONamespace(name: name, server: self)
            namespaces[name] = created
            return created
        }
    }

    /// Dynamic namespaces: any name `predicate` accepts is created on its first CONNECT.
    public func of(matching predicate: @escaping SocketIOParentNamespace.Predicate) -> SocketIOParentNamespace {
        let parent = SocketIOParentNamespace(predicate: predicate)
        self.parents.withLockedValue { $0.append(parent) }
        return parent
    }

    /// The main namespace `/`.
    public var sockets: SocketIONamespace { self.of("/") }

    /// The namespaces that exist now.
    public var allNamespaces: [SocketIONamespace] { self.namespaces.withLockedValue { Array($0.values) } }

    /// The namespace a CONNECT for `name` joins, counted as connecting (under the namespaces' lock,
    /// so an empty child is not removed while a socket is on its way in); the caller ends the count
    /// with ``SocketIONamespace/connectEnded()``.
    func namespace(forConnecting name: String, auth: SocketIOValue) -> SocketIONamespace? {
        let existing = self.namespaces.withLockedValue { namespaces -> SocketIONamespace? in
            guard let existing = namespaces[name] else { return nil }
            existing.connectStarted()
            return existing
        }
        if let existing { return existing }
        for parent in self.parents.withLockedValue({ $0 }) where parent.predicate(name, auth) {
            let (namespace, created) = self.namespaces.withLockedValue { namespaces -> (SocketIONamespace, Bool) in
                if let existing = namespaces[name] {
                    existing.connectStarted()
                    return (existing, false)
                }
                let child = SocketIONamespace(name: name, server: self, parent: parent)
                child.connectStarted()
                namespaces[name] = child
                return (child, true)
            }
            if created { parent.adopt(namespace) }
            return namespace
        }
        return nil
    }

    /// Removes `child` (a dynamic parent's) if it still has no socket and none connecting: it leaves
    /// the server and its parent, and its adapter closes.
    func removeIfUnused(_ child: SocketIONamespace, parent: SocketIOParentNamespace) {
        let removed = self.namespaces.withLockedValue { namespaces -> Bool in
            guard namespaces[child.name] === child, child.isUnused else { return false }
            namespaces[child.name] = nil
            return true
        }
        guard removed else { return }
        parent.release(child)
        child.adapter.close()
        self.statistics.childNamespacesRemoved.wrappingIncrement(ordering: .relaxed)
    }

    // MARK: The main namespace, forwarded

    /// Adds a connection handler to `/`.
    public func onConnection(_ handler: @escaping SocketIONamespace.ConnectionHandler) { self.sockets.onConnection(handler) }
    /// Adds a connection middleware to `/`.
    public func use(_ middleware: @escaping SocketIONamespace.Middleware) { self.sockets.use(middleware) }
    /// Sockets of `/` in `rooms`.
    public func to(_ rooms: String...) -> SocketIOBroadcastOperator { self.sockets.all.to(Set(rooms)) }
    /// Same as ``to(_:)``.
    public func `in`(_ rooms: String...) -> SocketIOBroadcastOperator { self.sockets.all.to(Set(rooms)) }
    /// Sockets of `/` not in `rooms`.
    public func except(_ rooms: String...) -> SocketIOBroadcastOperator { self.sockets.all.except(Set(rooms)) }
    /// `/` on this node only.
    public var local: SocketIOBroadcastOperator { self.sockets.local }
    /// Volatile broadcast on `/`.
    public var volatile: SocketIOBroadcastOperator { self.sockets.volatile }
    /// Broadcast on `/` with an acknowledgement timeout.
    public func timeout(_ timeout: TimeAmount) -> SocketIOBroadcastOperator { self.sockets.timeout(timeout) }
    /// Emits to every socket of `/`.
    @discardableResult
    public func emit(_ event: String, _ arguments: SocketIOValue...) -> Bool { self.sockets.all.emit(event, arguments: arguments) }
    /// Snapshots of every socket of `/`.
    public func fetchSockets() async throws -> [SocketIORemoteSocket] { try await self.sockets.fetchSockets() }
    /// Every socket of `/` joins `rooms`.
    public func socketsJoin(_ rooms: String...) { self.sockets.all.socketsJoin(Set(rooms)) }
    /// Every socket of `/` leaves `rooms`.
    public func socketsLeave(_ rooms: String...) { self.sockets.all.socketsLeave(Set(rooms)) }
    /// Disconnects every socket of `/`.
    public func disconnectSockets(close: Bool = false) { self.sockets.disconnectSockets(close: close) }

    // MARK: Serving

    /// Binds `host:port` and serves Socket.IO (and the fallback) there.
    public func listen(host: String, port: Int) async throws -> any Channel {
        try await self.engine.bind(host: host, port: port, group: self.eventLoopGroup)
    }

    /// Graceful shutdown: every socket leaves with `server shutting down` (no DISCONNECT packet), and
    /// every connection closes at the transport level so clients reconnect by themselves: WebSockets
    /// with 1001, held polls with a `noop` and the session gone; returns once every session is gone or
    /// `timeout` passed.
    /// Adapters are closed last (their pending requests fail).
    public func shutdown(timeout: TimeAmount) async {
        self.beginShutdown()
        await self.engine.shutdown(timeout: timeout)
        for namespace in self.allNamespaces { namespace.adapter.close() }
    }

    /// The first half of ``shutdown(timeout:)``: every socket leaves with `server shutting down` and every
    /// session is closed (WebSockets with 1001); returns at once. Adapters stay open.
    public func beginShutdown() {
        for session in self.engine.sessions {
            session.eventLoop.execute {
                (session.handler as? SocketIOClientConnection)?.closeOnEventLoop(.serverShuttingDown)
                session.close(goingAway: true)
            }
        }
    }

    /// Disconnects every socket with `server shutting down` and closes every connection, without waiting.
    public func close() {
        for session in self.engine.sessions {
            session.eventLoop.execute {
                (session.handler as? SocketIOClientConnection)?.closeOnEventLoop(.serverShuttingDown)
                session.close()
            }
        }
        for namespace in self.allNamespaces { namespace.adapter.close() }
    }

    private func accept(_ session: EngineSession) {
        let client = SocketIOClientConnection(session: session, server: self)
        session.handler = client
        client.startOnEventLoop()
    }
}

/// Lets the engine's connection callback reach the server without a retain cycle.
private final class WeakServer: @unchecked Sendable {
    weak var server: SocketIOServer?
}
