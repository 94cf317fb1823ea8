/// Errors of the operations that need the other nodes of a cluster: `fetchSockets`, `allRooms`,
/// `serverSideEmitWithAck`, `serverCount` and broadcasts with acknowledgements (`emitWithAck` on a
/// broadcast operator). A single node (``InMemoryAdapter``) never throws them.
public enum SocketIOClusterError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The adapter cannot reach its broker (Redis is down, paused, not connected yet, or the link
    /// dropped while the request waited for answers), so it cannot know the other nodes' answer.
    /// Thrown at once while the adapter knows the link is down, rather than answering with this
    /// node's data alone. Local delivery keeps working meanwhile; retry once Redis is back.
    case redisUnavailable

    public var description: String {
        switch self {
        case .redisUnavailable: return "redisUnavailable: the cluster's Redis is unreachable; only this node's data is known"
        }
    }
}
