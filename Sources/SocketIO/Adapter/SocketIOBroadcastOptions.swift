/// Who a broadcast reaches and how.
public struct SocketIOBroadcastOptions: Sendable, Hashable {
    /// Only sockets in at least one of these rooms; every socket of the namespace when empty.
    public var rooms: Set<String>
    /// Sockets in any of these rooms are skipped.
    public var except: Set<String>
    /// Delivery flags.
    public var flags: SocketIOBroadcastFlags

    /// Options for `rooms` minus `except`.
    public init(rooms: Set<String> = [], except: Set<String> = [], flags: SocketIOBroadcastFlags = SocketIOBroadcastFlags()) {
        self.rooms = rooms
        self.except = except
        self.flags = flags
    }
}

/// Delivery flags of a broadcast (the reference's `flags` object).
public struct SocketIOBroadcastFlags: Sendable, Hashable {
    /// This node only: never published to other nodes.
    public var local: Bool
    /// May be dropped when a client cannot take it right now.
    public var volatile: Bool
    /// Whether the payload may be compressed: false keeps WebSocket permessage-deflate off for it
    /// (carried through the cluster; HTTP compression of polling responses goes by size alone).
    public var compress: Bool
    /// Milliseconds to wait for acknowledgements (broadcasts with acks).
    public var timeout: Int?
    /// The target is one socket, so one answer is enough (cluster emit to a remote socket).
    public var expectSingleResponse: Bool

    /// Flags with everything off and `compress` on, like the reference's defaults.
    public init(local: Bool = false, volatile: Bool = false, compress: Bool = true, timeout: Int? = nil, expectSingleResponse: Bool = false) {
        self.local = local
        self.volatile = volatile
        self.compress = compress
        self.timeout = timeout
        self.expectSingleResponse = expectSingleResponse
    }
}
