import NIOConcurrencyHelpers
import SocketIOProtocol

/// Dynamic namespaces: names accepted by a predicate are created on their first CONNECT, and share
/// this parent's middlewares and connection handlers.
public final class SocketIOParentNamespace: Sendable {
    /// Decides whether a namespace name (with the CONNECT's auth) may be created.
    public typealias Predicate = @Sendable (_ name: String, _ auth: SocketIOValue) -> Bool

    let predicate: Predicate
    private let state = NIOLockedValueBox<(middlewares: [SocketIONamespace.Middleware], connection: [SocketIONamespace.ConnectionHandler], children: [SocketIONamespace])>(([], [], []))

    init(predicate: @escaping Predicate) {
        self.predicate = predicate
    }

    /// Adds a connection middleware for every child namespace.
    public func use(_ middleware: @escaping SocketIONamespace.Middleware) {
        self.state.withLockedValue { $0.middlewares.append(middleware) }
    }

    /// Adds a connection handler for every child namespace.
    public func onConnection(_ handler: @escaping SocketIONamespace.ConnectionHandler) {
        self.state.withLockedValue { $0.connection.append(handler) }
    }

    /// The namespaces created through this parent.
    public var children: [SocketIONamespace] { self.state.withLockedValue { $0.children } }

    /// Emits to every socket of every child namespace.
    public func emit(_ event: String, _ arguments: SocketIOValue...) {
        for child in self.children { child.all.emit(event, arguments: arguments) }
    }

    var middlewares: [SocketIONamespace.Middleware] { self.state.withLockedValue { $0.middlewares } }
    var connectionHandlers: [SocketIONamespace.ConnectionHandler] { self.state.withLockedValue { $0.connection } }

    func adopt(_ child: SocketIONamespace) {
        self.state.withLockedValue { $0.children.append(child) }
    }

    func release(_ child: SocketIONamespace) {
        self.state.withLockedValue { $0.children.removeAll { $0 === child } }
    }
}
