import NIOCore

/// Options of the Redis streams adapter; the defaults equal the reference streams adapter's.
public struct RedisStreamsConfiguration: Sendable, Hashable {
    /// The stream every node appends to and reads from: `socket.io`.
    public var streamName: String
    /// The stream's approximate bound (`XADD … MAXLEN ~ maxLength`): 10,000 entries. A client whose
    /// offset has been trimmed away gets a fresh session.
    public var maxLength: Int
    /// Entries fetched per `XREAD`: 100.
    public var readCount: Int
    /// How long one `XREAD BLOCK` waits for news: 5 s.
    public var blockTime: TimeAmount
    /// The prefix of session keys: `sio:session:`.
    public var sessionKeyPrefix: String
    /// Publish requests and responses with SPUBLISH (required on a Redis Cluster).
    public var useShardedPubSub: Bool
    /// Deadline of XADD, SET, GETDEL and XRANGE: 2 s. A broadcast Redis did not store by then is
    /// refused.
    public var commandTimeout: TimeAmount
    /// How often a connected socket's session is written again (its TTL refreshed): every quarter of
    /// `maxDisconnectionDuration`, between 1 s and 30 s, when nil.
    public var sessionRefreshInterval: TimeAmount?
    /// The most stream entries one restore reads before it gives up (the client then gets a fresh
    /// session): 100,000.
    public var maxRestoreScan: Int

    /// The reference defaults and this project's bounds. Out-of-range values are brought into range.
    public init(
        streamName: String = "socket.io",
        maxLength: Int = 10_000,
        readCount: Int = 100,
        blockTime: TimeAmount = .seconds(5),
        sessionKeyPrefix: String = "sio:session:",
        useShardedPubSub: Bool = false,
        commandTimeout: TimeAmount = .seconds(2),
        sessionRefreshInterval: TimeAmount? = nil,
        maxRestoreScan: Int = 100_000
    ) {
        self.streamName = streamName
        self.maxLength = max(1, maxLength)
        self.readCount = min(max(1, readCount), 10_000)
        self.blockTime = blockTime > .zero ? blockTime : .seconds(5)
        self.sessionKeyPrefix = sessionKeyPrefix
        self.useShardedPubSub = useShardedPubSub
        self.commandTimeout = commandTimeout > .zero ? commandTimeout : .seconds(2)
        self.sessionRefreshInterval = sessionRefreshInterval.map { $0 > .zero ? $0 : .seconds(1) }
        self.maxRestoreScan = max(1, maxRestoreScan)
    }

    /// The health-check timeout the reader's own connection needs: one `XREAD BLOCK` holds it for up
    /// to ``blockTime``, and a health-check PING waits behind it.
    public var readerHealthCheckTimeout: TimeAmount { self.blockTime + .seconds(3) }
}
