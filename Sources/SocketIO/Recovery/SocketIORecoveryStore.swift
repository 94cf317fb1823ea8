import DequeModule
import EngineIO
import NIOCore
import SocketIOProtocol

/// The events and disconnected sessions one namespace keeps on this node for connection state
/// recovery: a pure value, bounded by count and by age. ``InMemoryAdapter`` holds one under a lock.
///
/// Offsets are `<store prefix>-<counter>`: the counter finds an event in constant time, and the
/// prefix (random per store) keeps another node's or an earlier process's offsets from matching.
struct SocketIORecoveryStore {
    private struct StoredPacket {
        let counter: UInt64
        let rooms: Set<String>
        let except: Set<String>
        let data: [SocketIOValue]
        let emittedAt: NIODeadline
    }

    private struct StoredSession {
        let snapshot: SocketIOSessionSnapshot
        let disconnectedAt: NIODeadline
    }

    let settings: SocketIOConnectionStateRecovery
    private let prefix: String
    private var packets: Deque<StoredPacket> = []
    private var nextCounter: UInt64 = 0
    private var sessions: [String: StoredSession] = [:]

    init(settings: SocketIOConnectionStateRecovery, prefix: String = String(SessionIDGenerator.make().prefix(8))) {
        self.settings = settings
        self.prefix = prefix
    }

    /// How many events and sessions are kept now.
    var counts: (packets: Int, sessions: Int) { (self.packets.count, self.sessions.count) }

    /// Numbers an event sent to `rooms` except `except`: returns the event data with its offset
    /// appended (what the clients receive), and keeps it.
    mutating func record(_ data: [SocketIOValue], rooms: Set<String>, except: Set<String>, now: NIODeadline) -> [SocketIOValue] {
        self.dropExpiredPackets(now: now)
        let counter = self.nextCounter
        self.nextCounter &+= 1
        var numbered = data
        numbered.append(.string(self.offset(counter)))
        guard self.settings.maxPackets > 0 else { return numbered }
        if self.packets.count >= self.settings.maxPackets { self.packets.removeFirst() }
        self.packets.append(StoredPacket(counter: counter, rooms: rooms, except: except, data: numbered, emittedAt: now))
        return numbered
    }

    /// Keeps a disconnected session until `maxDisconnectionDuration` has passed; false when
    /// `maxSessions` are kept already (the session is not kept).
    @discardableResult
    mutating func persist(_ snapshot: SocketIOSessionSnapshot, now: NIODeadline) -> Bool {
        if self.sessions.count >= self.settings.maxSessions { self.dropExpiredSessions(now: now) }
        guard self.sessions.count < self.settings.maxSessions || self.sessions[snapshot.pid] != nil else { return false }
        self.sessions[snapshot.pid] = StoredSession(snapshot: snapshot, disconnectedAt: now)
        return true
    }

    /// The session `pid` with the events after `offset` that its rooms select, or nil when the
    /// session is unknown or expired, or the offset is not one of the events kept (the client then
    /// gets a fresh session, as the reference decides).
    mutating func restore(pid: String, offset: String, now: NIODeadline) -> SocketIORecoveredSession? {
        guard let stored = self.sessions[pid] else { return nil }
        guard stored.disconnectedAt + self.settings.maxDisconnectionDuration >= now else {
            self.sessions[pid] = nil
            return nil
        }
        self.dropExpiredPackets(now: now)
        guard let counter = self.counter(of: offset), let first = self.packets.first?.counter, counter >= first,
            counter - first < UInt64(self.packets.count)
        else { return nil }
        let rooms = stored.snapshot.rooms
        var missed: [[SocketIOValue]] = []
        let start = Int(counter - first) + 1
        for packet in self.packets[(self.packets.startIndex + start)...] {
            let included = packet.rooms.isEmpty || rooms.contains { packet.rooms.contains($0) }
            let excluded = rooms.contains { packet.except.contains($0) }
            if included && !excluded { missed.append(packet.data) }
        }
        return SocketIORecoveredSession(session: stored.snapshot, missedPackets: missed)
    }

    private func offset(_ counter: UInt64) -> String {
        self.prefix + "-" + String(counter, radix: 36)
    }

    /// The counter an offset of this store names; nil for anything else.
    private func counter(of offset: String) -> UInt64? {
        let utf8 = offset.utf8
        guard utf8.count > self.prefix.utf8.count + 1, offset.hasPrefix(self.prefix + "-") else { return nil }
        let digits = offset.dropFirst(self.prefix.count + 1)
        guard digits.utf8.count <= 13 else { return nil }
        return UInt64(digits, radix: 36)
    }

    private mutating func dropExpiredPackets(now: NIODeadline) {
        let threshold = now - self.settings.maxDisconnectionDuration
        while let first = self.packets.first, first.emittedAt < threshold { self.packets.removeFirst() }
    }

    private mutating func dropExpiredSessions(now: NIODeadline) {
        let threshold = now - self.settings.maxDisconnectionDuration
        self.sessions = self.sessions.filter { $0.value.disconnectedAt >= threshold }
    }
}
