import Logging
import NIOConcurrencyHelpers
import NIOCore
import SocketIO
import SocketIOProtocol

/// The streams adapter of one server: one stream reader for every namespace, and a factory of
/// per-namespace ``RedisStreamsAdapter``s.
///
/// The reader runs `XREAD BLOCK <blockTime> COUNT <readCount> STREAMS <stream> <last id>` in a loop
/// on its own connection (`reader`, a driver of its own, so the block never holds the command link
/// that publishes), and hands each entry to the adapter of the entry's namespace. It starts after the
/// stream's last entry when it first connects, then always resumes from the last id it read: after
/// a Redis outage or a pause it reads everything that reached the stream meanwhile (as long as
/// `MAXLEN` trimming has not dropped it). Failed reads retry after a backoff (50 ms doubling to 1 s).
public final class RedisStreamsHub: Sendable {
    /// The command and pub/sub link (XADD, SET, GETDEL, XRANGE, PUBLISH, SUBSCRIBE).
    let driver: any RedisPubSubDriver & RedisCommandSending
    /// The reader's own link.
    let reader: any RedisPubSubDriver & RedisCommandSending
    let configuration: RedisAdapterConfiguration
    let streams: RedisStreamsConfiguration
    let logger: Logger
    private let state = NIOLockedValueBox(State())

    private struct State {
        var adapters: [String: WeakStreamsAdapter] = [:]
        var lastID: String?
        var task: Task<Void, Never>?
        var closed = false
    }

    /// A hub; `reader` must be a driver of its own (its command connection blocks in XREAD), started
    /// by the caller, with a health-check timeout above the block time
    /// (``RedisStreamsConfiguration/readerHealthCheckTimeout``).
    public init(
        driver: any RedisPubSubDriver & RedisCommandSending,
        reader: any RedisPubSubDriver & RedisCommandSending,
        configuration: RedisAdapterConfiguration = RedisAdapterConfiguration(),
        streams: RedisStreamsConfiguration = RedisStreamsConfiguration(),
        logger: Logger = Logger(label: "socketio.redis.streams")
    ) {
        self.driver = driver
        self.reader = reader
        self.configuration = configuration
        self.streams = streams
        self.logger = logger
    }

    /// A factory for ``SocketIOServerConfiguration/adapterFactory``.
    public var adapterFactory: SocketIOAdapterFactory {
        { namespace in
            let adapter = RedisStreamsAdapter(namespace: namespace, hub: self)
            self.register(adapter)
            return adapter
        }
    }

    /// The id of the last entry read, or where reading starts (nil until the reader first reached
    /// Redis).
    public var lastReadID: String? { self.state.withLockedValue { $0.lastID } }

    /// Returns once the reader knows where it reads from (the stream's end when it first reached
    /// Redis), or when `timeout` passes. Adapters announce themselves to the other nodes only after
    /// it, so nothing published to a node that counts as a member is missed.
    func waitUntilPositioned(timeout: TimeAmount) async {
        let deadline = NIODeadline.now() + timeout
        while self.lastReadID == nil, NIODeadline.now() < deadline, !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Stops reading (the read in flight ends when the reader link closes or its block time passes).
    public func close() {
        let task = self.state.withLockedValue { state -> Task<Void, Never>? in
            state.closed = true
            state.adapters = [:]
            defer { state.task = nil }
            return state.task
        }
        task?.cancel()
    }

    private func register(_ adapter: RedisStreamsAdapter) {
        let start = self.state.withLockedValue { state -> Bool in
            state.adapters[adapter.namespaceName] = WeakStreamsAdapter(adapter)
            return !state.closed && state.task == nil
        }
        guard start else { return }
        let task = Task { [weak self] in
            guard let self else { return }
            await self.readLoop()
        }
        self.state.withLockedValue { $0.task = task }
    }

    /// Forgets a closed namespace's adapter.
    func unregister(_ adapter: RedisStreamsAdapter) {
        self.state.withLockedValue { state in
            if state.adapters[adapter.namespaceName]?.adapter === adapter { state.adapters[adapter.namespaceName] = nil }
        }
    }

    // MARK: Reading

    private func readLoop() async {
        var failures = 0
        while !Task.isCancelled, !self.state.withLockedValue({ $0.closed }) {
            if self.reader.state != .connected {
                // Not a failure: wait for the link closely, so reading starts as soon as it is up.
                try? await Task.sleep(for: .milliseconds(10))
                continue
            }
            do {
                let lastID = try await self.startID()
                let block = String(max(1, self.streams.blockTime.nanoseconds / 1_000_000))
                let reply = try await self.reader.command(
                    ["XREAD", "BLOCK", block, "COUNT", String(self.streams.readCount), "STREAMS", self.streams.streamName, lastID],
                    key: self.streams.streamName, timeout: self.streams.readerHealthCheckTimeout
                )
                failures = 0
                var malformed = 0
                let entries = RedisStreamCodec.readEntries(reply, stream: self.streams.streamName, malformed: &malformed)
                if malformed > 0 {
                    self.driver.statistics.inboundDropped[.malformedEnvelope]?.wrappingIncrement(by: malformed, ordering: .relaxed)
                }
                for entry in entries {
                    self.state.withLockedValue { $0.lastID = entry.id }
                    self.dispatch(entry)
                }
            } catch {
                failures += 1
                let delay = min(Int64(50) << Int64(min(failures, 5)), 1000)
                if failures == 1 {
                    self.logger.debug("stream read failed; retrying", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: .milliseconds(delay))
            }
        }
    }

    /// Where the next read starts: the last id read, or, before the first read, the stream's last
    /// entry (`0-0` for an empty stream), so nothing appended after the hub started is missed even if
    /// the link drops before the first read.
    private func startID() async throws -> String {
        if let lastID = self.state.withLockedValue({ $0.lastID }) { return lastID }
        let reply = try await self.reader.command(
            ["XREVRANGE", self.streams.streamName, "+", "-", "COUNT", "1"], key: self.streams.streamName, timeout: self.streams.commandTimeout
        )
        var malformed = 0
        let id = RedisStreamCodec.rangeEntries(reply, malformed: &malformed).first?.id ?? "0-0"
        self.state.withLockedValue { state in
            if state.lastID == nil { state.lastID = id }
        }
        return id
    }

    private func dispatch(_ entry: RedisStreamEntry) {
        guard let namespace = entry.fields["nsp"] else {
            self.driver.statistics.countInboundDrop(.malformedEnvelope)
            return
        }
        self.driver.statistics.received.wrappingIncrement(ordering: .relaxed)
        guard let adapter = self.state.withLockedValue({ $0.adapters[namespace]?.adapter }) else { return }
        adapter.onStreamEntry(entry)
    }
}

/// A registered adapter, held weakly (the namespace owns it).
private struct WeakStreamsAdapter {
    weak var adapter: RedisStreamsAdapter?
    init(_ adapter: RedisStreamsAdapter) { self.adapter = adapter }
}
