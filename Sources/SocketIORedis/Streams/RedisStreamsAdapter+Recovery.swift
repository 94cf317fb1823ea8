import NIOCore
import SocketIO
import SocketIOProtocol

// Connection state recovery on the stream: sessions under `sio:session:<pid>` (base64 MessagePack of
// `{sid, pid, rooms, data}`, TTL `maxDisconnectionDuration`), missed broadcasts read back with XRANGE.
extension RedisStreamsAdapter {
    /// How often changed sessions are written.
    static let sessionFlushInterval = TimeAmount.milliseconds(250)
    /// Entries read per XRANGE while restoring.
    static let restorePageSize = 1000
    /// The longest private id looked up (ours are 20 characters; a longer one is nobody's).
    static let maxPrivateIDLength = 128

    func sessionKey(_ pid: String) -> String { self.streams.sessionKeyPrefix + pid }

    private var sessionTTL: String {
        String(max(1, (self.recovery?.maxDisconnectionDuration ?? .minutes(2)).nanoseconds / 1_000_000))
    }

    // MARK: Membership hooks (sessions of connected sockets)

    public func addAll(_ socket: SocketIOSocket, rooms: Set<String>) {
        guard self.recovery != nil, let pid = socket.pid else {
            self.local.addAll(socket, rooms: rooms)
            return
        }
        if !socket.recovered || !self.joinRecovered(socket, rooms: rooms) {
            self.local.addAll(socket, rooms: rooms)
        }
        self.sessions.touch(socket, pid: pid)
    }

    /// A recovered socket's first join: under the delivery lock it joins every room of its session
    /// at once and collects what was delivered to them since its restore read the stream (taken by
    /// ``eventsSinceRestore(of:)``). False when no restore of this node waits for it.
    private func joinRecovered(_ socket: SocketIOSocket, rooms: Set<String>) -> Bool {
        self.recent.withLockedValue { recent in
            guard let handover = recent.takeHandover(socket.id) else { return false }
            self.local.addAll(socket, rooms: rooms.union(handover.rooms))
            let (events, complete) = recent.since(handover)
            if !complete {
                self.logger.warning("a recovered socket may have missed broadcasts delivered while it joined", metadata: [
                    "namespace": "\(self.namespaceName)", "socket": "\(socket.id)",
                ])
            }
            recent.keepCatchUp(events, for: socket.id)
            recent.releaseIfIdle()
            return true
        }
    }

    public func eventsSinceRestore(of socketID: String) -> [[SocketIOValue]] {
        self.recent.withLockedValue { $0.takeCatchUp(socketID) }
    }

    public func del(_ socketID: String, room: String) {
        self.local.del(socketID, room: room)
        self.sessions.markDirty(socketID)
    }

    public func delAll(_ socketID: String) {
        self.local.delAll(socketID)
        guard let pid = self.sessions.forget(socketID) else { return }
        // Left for good (a namespace disconnect): its live session must not be recovered.
        let key = self.sessionKey(pid)
        _ = self.commands.submit(["DEL", key], key: key, timeout: self.streams.commandTimeout)
    }

    func startSessionWriter() {
        guard let recovery = self.recovery else { return }
        let refresh = self.streams.sessionRefreshInterval
            ?? min(max(.nanoseconds(recovery.maxDisconnectionDuration.nanoseconds / 4), .seconds(1)), .seconds(30))
        self.sessions.start(on: self.eventLoop, flush: Self.sessionFlushInterval, refresh: refresh) { [weak self] all in
            guard let self else { return }
            let now = NIODeadline.now()
            self.recent.withLockedValue { $0.expire(now: now) }
            guard self.driver.state == .connected else { return }
            for snapshot in self.sessions.due(all: all) { self.writeSession(snapshot) }
        }
    }

    private func writeSession(_ snapshot: SocketIOSessionSnapshot) {
        let key = self.sessionKey(snapshot.pid)
        _ = self.commands.submit(
            ["SET", key, RedisStreamCodec.encodeSession(snapshot), "PX", self.sessionTTL], key: key, timeout: self.streams.commandTimeout
        )
    }

    // MARK: SocketIOAdapter recovery

    /// Writes the session of a socket that disconnected for a reason its client recovers from.
    public func persistSession(_ session: SocketIOSessionSnapshot) {
        guard self.recovery != nil else { return }
        self.sessions.markPersisted(session.pid)
        self.writeSession(session)
    }

    /// Takes the session (GETDEL) and checks the offset is still in the stream, then reads every
    /// broadcast of this namespace after it that reached the session's rooms, each with its entry id
    /// as its offset. Nil (a fresh session) when the session or the offset is gone, the offset is not
    /// an entry id, or more events were missed than recovery keeps.
    public func restoreSession(pid: String, offset: String) async throws -> SocketIORecoveredSession? {
        guard let recovery = self.recovery, RedisStreamCodec.isEntryID(offset), !pid.isEmpty, pid.utf8.count <= Self.maxPrivateIDLength else {
            return nil
        }
        let key = self.sessionKey(pid)
        let stream = self.streams.streamName
        let timeout = self.streams.commandTimeout
        self.recent.withLockedValue { $0.beginRestore() }
        defer { self.recent.withLockedValue { $0.endRestore() } }
        async let sessionReply = self.commands.command(["GETDEL", key], key: key, timeout: timeout)
        async let offsetReply = self.commands.command(["XRANGE", stream, offset, offset], key: stream, timeout: timeout)
        let (sessionValue, offsetValue) = try await (sessionReply, offsetReply)
        var malformed = 0
        guard let text = sessionValue.string, let session = RedisStreamCodec.decodeSession(text, pid: pid),
            !RedisStreamCodec.rangeEntries(offsetValue, malformed: &malformed).isEmpty
        else { return nil }
        var missed: [[SocketIOValue]] = []
        var cursor = offset
        var scanned = 0
        var counterAtLastRead = self.recent.withLockedValue { $0.counter }
        while scanned < self.streams.maxRestoreScan, let start = RedisStreamCodec.nextID(after: cursor) {
            // Deliveries counted after this point may be ones this read does not return.
            counterAtLastRead = self.recent.withLockedValue { $0.counter }
            let reply = try await self.commands.command(
                ["XRANGE", stream, start, "+", "COUNT", String(Self.restorePageSize)], key: stream, timeout: timeout
            )
            let entries = RedisStreamCodec.rangeEntries(reply, malformed: &malformed)
            for entry in entries {
                cursor = entry.id
                scanned += 1
                guard let arguments = self.missedEvent(entry, sessionRooms: session.rooms) else { continue }
                missed.append(arguments + [.string(entry.id)])
                guard missed.count <= recovery.maxPackets else { return nil }
            }
            if entries.count < Self.restorePageSize { break }
        }
        guard scanned < self.streams.maxRestoreScan, let readThrough = RedisStreamCodec.order(cursor) else { return nil }
        let now = NIODeadline.now()
        self.recent.withLockedValue { recent in
            recent.expect(socketID: session.sid, rooms: session.rooms, readThrough: readThrough, counter: counterAtLastRead, now: now)
        }
        return SocketIORecoveredSession(session: session, missedPackets: missed)
    }

    /// The event arguments of a stored broadcast of this namespace that reached `rooms` (not one
    /// asking for acks, not a volatile one); nil for any other entry.
    private func missedEvent(_ entry: RedisStreamEntry, sessionRooms rooms: [String]) -> [SocketIOValue]? {
        guard entry.fields["nsp"] == self.namespaceName, entry.fields["type"] == String(ClusterMessageType.broadcast.rawValue),
            let text = entry.fields["data"], let data = try? RedisStreamCodec.decodeData(text), data["requestId"] == nil,
            let packet = try? RedisInboundFields.broadcastPacket(data["packet"], namespace: self.namespaceName), packet.ackID == nil,
            let options = try? RedisInboundFields.options(data["opts"]), !options.flags.volatile,
            RedisStreamCodec.reaches(options, sessionRooms: rooms), case .array(let arguments)? = packet.payload
        else { return nil }
        return arguments
    }
}
