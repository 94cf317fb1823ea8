import NIOConcurrencyHelpers
import NIOCore
import SocketIO
import SocketIOProtocol

/// The requests a node sent to the other nodes and is collecting answers for. Each request moves
/// pending → collecting → done, or → timed out at its deadline; answers to unknown ids are ignored
/// (response channels are shared by every node).
final class RedisRequestTable: Sendable {
    /// What the answers are.
    enum Kind: Sendable {
        /// Socket snapshots (`sockets` arrays, concatenated).
        case fetchSockets
        /// Room names (`rooms` arrays, concatenated).
        case allRooms
        /// One value per node (`data` / `packet`).
        case serverSideEmit
    }

    private struct Entry {
        let kind: Kind
        let expected: Int
        var received = 0
        var responses: [SocketIOValue] = []
        let promise: EventLoopPromise<[SocketIOValue]>
        var timer: Scheduled<Void>?
    }

    private let entries = NIOLockedValueBox<[String: Entry]>([:])

    /// Starts waiting for `expected` answers to `id`; the future fails with ``SocketIOError/requestTimeout``
    /// (or ``SocketIOError/ackTimeout(partial:)`` for server-side emits) after `timeout`.
    func start(id: String, kind: Kind, expected: Int, timeout: TimeAmount, on loop: any EventLoop) -> EventLoopFuture<[SocketIOValue]> {
        let promise = loop.makePromise(of: [SocketIOValue].self)
        // The entry exists before its timer can fire.
        self.entries.withLockedValue { $0[id] = Entry(kind: kind, expected: expected, promise: promise, timer: nil) }
        let timer = loop.scheduleTask(in: timeout) { [self] in self.expire(id) }
        self.entries.withLockedValue { entries in
            entries[id]?.timer = timer
        }
        return promise.futureResult
    }

    /// True while `id` is waiting (used to ignore our own requests echoed by the broker).
    func contains(_ id: String) -> Bool {
        self.entries.withLockedValue { $0[id] != nil }
    }

    /// One node answered `id` with `values`.
    func answer(_ id: String, values: [SocketIOValue]) {
        let finished = self.entries.withLockedValue { entries -> Entry? in
            guard var entry = entries[id] else { return nil }
            entry.received += 1
            entry.responses.append(contentsOf: values)
            if entry.received >= entry.expected {
                entries[id] = nil
                return entry
            }
            entries[id] = entry
            return nil
        }
        if let finished {
            finished.timer?.cancel()
            finished.promise.succeed(finished.responses)
        }
    }

    /// The kind of a waiting request.
    func kind(of id: String) -> Kind? {
        self.entries.withLockedValue { $0[id]?.kind }
    }

    private func expire(_ id: String) {
        guard let entry = self.entries.withLockedValue({ $0.removeValue(forKey: id) }) else { return }
        switch entry.kind {
        case .serverSideEmit: entry.promise.fail(SocketIOError.ackTimeout(partial: entry.responses))
        case .fetchSockets, .allRooms: entry.promise.fail(SocketIOError.requestTimeout)
        }
    }

    /// Fails every waiting request with `error`: ``SocketIOError/requestTimeout`` when the adapter
    /// closes, ``SocketIOClusterError/redisUnavailable`` when the link to Redis drops (the answers
    /// cannot arrive any more).
    func failAll(with error: any Error = SocketIOError.requestTimeout) {
        let all = self.entries.withLockedValue { entries -> [Entry] in
            defer { entries = [:] }
            return Array(entries.values)
        }
        for entry in all {
            entry.timer?.cancel()
            entry.promise.fail(error)
        }
    }

    /// Fails one waiting request with `error`.
    func fail(_ id: String, with error: any Error) {
        guard let entry = self.entries.withLockedValue({ $0.removeValue(forKey: id) }) else { return }
        entry.timer?.cancel()
        entry.promise.fail(error)
    }

    /// The number of waiting requests.
    var count: Int { self.entries.withLockedValue { $0.count } }
}
