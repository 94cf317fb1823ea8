import NIOCore
import SocketIOProtocol

/// Connection state recovery (the reference's `connectionStateRecovery`, socket.io ≥ 4.6): a client
/// whose connection dropped and that comes back within ``maxDisconnectionDuration`` with its private
/// session id and the offset of the last event it processed (the CONNECT's `auth.pid` and
/// `auth.offset`) gets its socket id, rooms and `data` back, and every event it missed, in order;
/// `socket.recovered` is then true on both sides. Otherwise it gets a fresh session.
///
/// When it is on, the CONNECT answer carries `pid`, and every event the server sends outside an
/// acknowledgement carries its offset as its last argument (clients strip it). Events sent with an
/// ack request and volatile events are neither numbered nor kept, as in the reference.
public struct SocketIOConnectionStateRecovery: Sendable, Hashable {
    /// How long a disconnected session and the events sent meanwhile are kept (2 minutes).
    public var maxDisconnectionDuration: TimeAmount
    /// Whether a recovered socket skips the namespace's connection middlewares (true, as the reference).
    public var skipMiddlewares: Bool
    /// The most events a namespace keeps for recovery on this node (the oldest go first); a client
    /// whose offset has gone gets a fresh session. 10,000 by default (the reference keeps them all
    /// for the duration).
    public var maxPackets: Int
    /// The most disconnected sessions a namespace keeps on this node; past it, a disconnecting socket
    /// is not kept (its client gets a fresh session). 100,000 by default.
    public var maxSessions: Int

    /// The reference's defaults plus this project's bounds.
    public init(
        maxDisconnectionDuration: TimeAmount = .minutes(2),
        skipMiddlewares: Bool = true,
        maxPackets: Int = 10_000,
        maxSessions: Int = 100_000
    ) {
        self.maxDisconnectionDuration = maxDisconnectionDuration
        self.skipMiddlewares = skipMiddlewares
        self.maxPackets = max(maxPackets, 0)
        self.maxSessions = max(maxSessions, 0)
    }
}

/// What a socket leaves behind when it disconnects for a reason a client recovers from.
public struct SocketIOSessionSnapshot: Sendable, Hashable {
    /// The socket id the client gets back.
    public var sid: String
    /// The private session id the client presents.
    public var pid: String
    /// The socket's rooms (its own id included).
    public var rooms: [String]
    /// The socket's `data`.
    public var data: SocketIOValue

    /// A snapshot.
    public init(sid: String, pid: String, rooms: [String], data: SocketIOValue) {
        self.sid = sid
        self.pid = pid
        self.rooms = rooms
        self.data = data
    }
}

/// A session an adapter found again, with the events its client missed: each `[event, ...args,
/// offset]`, in the order they were sent.
public struct SocketIORecoveredSession: Sendable, Hashable {
    /// The session as it was left.
    public var session: SocketIOSessionSnapshot
    /// The events sent to the session's rooms after the client's offset.
    public var missedPackets: [[SocketIOValue]]

    /// A recovered session.
    public init(session: SocketIOSessionSnapshot, missedPackets: [[SocketIOValue]]) {
        self.session = session
        self.missedPackets = missedPackets
    }
}

extension SocketIODisconnectReason {
    /// Reasons after which a client may come back and recover its session (the reference's
    /// `RECOVERABLE_DISCONNECT_REASONS`): the connection broke or the server went away, not a
    /// deliberate namespace disconnect or a parse error.
    public var isRecoverable: Bool {
        switch self {
        case .transportError, .transportClose, .forcedClose, .pingTimeout, .serverShuttingDown, .forcedServerClose: return true
        case .parseError, .clientNamespaceDisconnect, .serverNamespaceDisconnect: return false
        }
    }
}
