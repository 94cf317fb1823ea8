import NIOConcurrencyHelpers
import NIOCore
import SocketIO

/// The connected sockets whose sessions a streams adapter keeps in Redis while they live, and which
/// of them changed since their session was last written.
final class RedisLiveSessions: Sendable {
    private struct Tracked {
        let socket: SocketIOSocket
        let pid: String
    }

    private struct State {
        /// Socket id → the socket and its private id.
        var live: [String: Tracked] = [:]
        /// Socket ids whose rooms changed since their last write.
        var dirty: Set<String> = []
        /// Private ids whose final session (written at a recoverable disconnect) must stay.
        var persisted: Set<String> = []
        var timer: RepeatedTask?
        var ticks = 0
        var stopped = false
    }

    private let state = NIOLockedValueBox(State())

    /// Starts tracking a socket (or marks it changed).
    func touch(_ socket: SocketIOSocket, pid: String) {
        self.state.withLockedValue { state in
            guard !state.stopped else { return }
            state.live[socket.id] = Tracked(socket: socket, pid: pid)
            state.dirty.insert(socket.id)
        }
    }

    /// Marks a tracked socket changed.
    func markDirty(_ socketID: String) {
        self.state.withLockedValue { state in
            if state.live[socketID] != nil { state.dirty.insert(socketID) }
        }
    }

    /// Notes that `pid`'s session was persisted at a recoverable disconnect.
    func markPersisted(_ pid: String) {
        self.state.withLockedValue { _ = $0.persisted.insert(pid) }
    }

    /// Stops tracking a socket that left; returns its private id when its key must be deleted (it
    /// left for a reason a client does not recover from).
    func forget(_ socketID: String) -> String? {
        self.state.withLockedValue { state in
            state.dirty.remove(socketID)
            guard let tracked = state.live.removeValue(forKey: socketID) else { return nil }
            return state.persisted.remove(tracked.pid) == nil ? tracked.pid : nil
        }
    }

    /// The snapshots to write now: the changed sockets, or every socket when `all`.
    func due(all: Bool) -> [SocketIOSessionSnapshot] {
        let tracked = self.state.withLockedValue { state -> [Tracked] in
            defer { state.dirty.removeAll(keepingCapacity: true) }
            return all ? Array(state.live.values) : state.dirty.compactMap { state.live[$0] }
        }
        return tracked.map { SocketIOSessionSnapshot(sid: $0.socket.id, pid: $0.pid, rooms: Array($0.socket.rooms), data: $0.socket.data) }
    }

    /// Runs `write` every `flush` (changed sessions) and every `refresh` (all sessions).
    func start(on loop: any EventLoop, flush: TimeAmount, refresh: TimeAmount, write: @escaping @Sendable (_ all: Bool) -> Void) {
        let every = max(1, Int(refresh.nanoseconds / max(flush.nanoseconds, 1)))
        let timer = loop.scheduleRepeatedTask(initialDelay: flush, delay: flush) { [weak self] _ in
            guard let self else { return }
            let all = self.state.withLockedValue { state -> Bool in
                state.ticks += 1
                return state.ticks % every == 0
            }
            write(all)
        }
        let cancel = self.state.withLockedValue { state -> Bool in
            if state.stopped { return true }
            state.timer = timer
            return false
        }
        if cancel { timer.cancel() }
    }

    /// Stops the timer and forgets every socket.
    func stop() {
        let timer = self.state.withLockedValue { state -> RepeatedTask? in
            state.stopped = true
            state.live = [:]
            state.dirty = []
            defer { state.timer = nil }
            return state.timer
        }
        timer?.cancel()
    }
}
