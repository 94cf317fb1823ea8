import EngineIO

/// Why a socket left its namespace, with the reference's wording.
public enum SocketIODisconnectReason: String, Sendable, Hashable, CustomStringConvertible {
    /// The transport failed.
    case transportError = "transport error"
    /// The client closed the connection.
    case transportClose = "transport close"
    /// The Engine.IO session was closed by the server.
    case forcedClose = "forced close"
    /// The client stopped answering pings.
    case pingTimeout = "ping timeout"
    /// The client sent something that could not be decoded.
    case parseError = "parse error"
    /// The server is shutting down.
    case serverShuttingDown = "server shutting down"
    /// The server closed the whole connection.
    case forcedServerClose = "forced server close"
    /// The client left the namespace (DISCONNECT packet).
    case clientNamespaceDisconnect = "client namespace disconnect"
    /// The server removed the socket from the namespace.
    case serverNamespaceDisconnect = "server namespace disconnect"

    /// The reference wording.
    public var description: String { self.rawValue }

    init(_ engineReason: EngineCloseReason) {
        switch engineReason {
        case .transportError: self = .transportError
        case .transportClose: self = .transportClose
        case .forcedClose: self = .forcedClose
        case .pingTimeout: self = .pingTimeout
        case .parseError: self = .parseError
        }
    }
}
