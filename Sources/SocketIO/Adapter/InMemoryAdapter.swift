import NIOConcurrencyHelpers
import NIOCore
import SocketIOProtocol

/// Room membership in this process and local delivery: the adapter of a single node, and the local
/// half of every cluster adapter.
public final class InMemoryAdapter: SocketIOAdapter {
    private struct State {
        /// Room → ids of its members.
        var rooms: [String: RoomMemberSet] = [:]
        /// Socket id → its rooms.
        var roomsOfSocket: [String: RoomMemberSet] = [:]
        /// Socket id → the socket.
        var sockets: [String: SocketIOSocket] = [:]
    }

    private let state = NIOLockedValueBox(State())
    /// The namespace this adapter serves.
    public weak let namespace: SocketIONamespace?
    /// Told which rooms came into existence and which disappeared, each with whether it is a socket's
    /// own-id (private) room; cluster adapters subscribe to per-room channels with it.
    private let roomObserver: RoomObserver?
    /// The server's parser, which encodes every packet this adapter delivers (local broadcasts and
    /// those arriving from other nodes alike).
    private let parser: SocketIOParser
    /// Events and disconnected sessions kept for connection state recovery; nil when it is off.
    private let recovery: NIOLockedValueBox<SocketIORecoveryStore>?

    /// Receives created and deleted rooms: `(room, isPrivate)` pairs. It is called under the adapter's
    /// lock, so the changes of one room reach it in the order they happened, whatever event loops the
    /// joins and leaves ran on (a join and a last leave racing could otherwise arrive as subscribe then
    /// unsubscribe, leaving a room with members unsubscribed). It must be quick, must not block and
    /// must not call back into the adapter: hand the changes on (e.g. to an `AsyncStream`).
    public typealias RoomObserver = @Sendable (_ created: [(room: String, isPrivate: Bool)], _ deleted: [(room: String, isPrivate: Bool)]) -> Void

    /// An adapter for `namespace`. With `keepsRecoveryState` false it neither numbers nor keeps
    /// events and sessions even when recovery is on: the local half of an adapter whose broker keeps
    /// them (the Redis streams adapter) delivers packets already numbered.
    public init(namespace: SocketIONamespace, roomObserver: RoomObserver? = nil, keepsRecoveryState: Bool = true) {
        self.namespace = namespace
        self.roomObserver = roomObserver
        self.parser = namespace.server.configuration.parser
        self.recovery = keepsRecoveryState
            ? namespace.server.configuration.connectionStateRecovery.map { NIOLockedValueBox(SocketIORecoveryStore(settings: $0)) } : nil
    }

    /// Whether `room` is the own-id room of a local socket.
    public func isSocketID(_ room: String) -> Bool {
        self.state.withLockedValue { $0.roomsOfSocket[room] != nil }
    }

    /// A factory for ``SocketIOServerConfiguration/adapterFactory``.
    public static let factory: SocketIOAdapterFactory = { InMemoryAdapter(namespace: $0) }

    // MARK: Membership

    public func addAll(_ socket: SocketIOSocket, rooms: Set<String>) {
        self.state.withLockedValue { state in
            // A socket that left (its delAll ran or is about to, under this lock) stays out.
            guard !socket.hasLeftNamespace else { return }
            state.sockets[socket.id] = socket
            Self.addRooms(rooms, toSocket: socket.id, in: &state)
            let created = Self.insert(socket.id, into: rooms, in: &state)
            if !created.isEmpty { self.roomObserver?(created, []) }
        }
    }

    /// Adds a member to rooms; returns the rooms that did not exist before.
    private static func insert(_ socketID: String, into rooms: Set<String>, in state: inout State) -> [(room: String, isPrivate: Bool)] {
        var created: [(room: String, isPrivate: Bool)] = []
        for room in rooms {
            if state.rooms[room] == nil {
                state.rooms[room] = RoomMemberSet(socketID)
                created.append((room, room == socketID || state.roomsOfSocket[room] != nil))
            } else {
                state.rooms[room]?.insert(socketID)
            }
        }
        return created
    }

    /// Records `rooms` among the rooms of `socketID` (registering the socket if it is new).
    private static func addRooms(_ rooms: Set<String>, toSocket socketID: String, in state: inout State) {
        if state.roomsOfSocket[socketID] == nil {
            state.roomsOfSocket[socketID] = RoomMemberSet(rooms)
        } else {
            for room in rooms { state.roomsOfSocket[socketID]?.insert(room) }
        }
    }

    /// Adds rooms to a socket known by id (remote join); false if the socket is not here.
    @discardableResult
    public func addAll(socketID: String, rooms: Set<String>) -> Bool {
        let limit = self.namespace?.server.configuration.maxRoomsPerSocket
        let created = self.state.withLockedValue { state -> [(room: String, isPrivate: Bool)]? in
            guard let current = state.roomsOfSocket[socketID] else { return nil }
            if let limit {
                // Rooms besides the socket's own, after the join; past the bound nothing is joined.
                let added = rooms.filter { !current.contains($0) }.count
                if added > 0, current.count - 1 + added > limit { return [] }
            }
            Self.addRooms(rooms, toSocket: socketID, in: &state)
            let created = Self.insert(socketID, into: rooms, in: &state)
            if !created.isEmpty { self.roomObserver?(created, []) }
            return created
        }
        return created != nil
    }

    public func del(_ socketID: String, room: String) {
        self.state.withLockedValue { state in
            state.roomsOfSocket[socketID]?.remove(room)
            guard Self.removeMember(socketID, from: room, in: &state) else { return }
            self.roomObserver?([], [(room, room == socketID || state.roomsOfSocket[room] != nil)])
        }
    }

    public func delAll(_ socketID: String) {
        self.state.withLockedValue { state in
            guard let rooms = state.roomsOfSocket.removeValue(forKey: socketID) else { return }
            state.sockets[socketID] = nil
            let deleted = rooms.filter { Self.removeMember(socketID, from: $0, in: &state) }
                .map { (room: $0, isPrivate: $0 == socketID || state.roomsOfSocket[$0] != nil) }
            if !deleted.isEmpty { self.roomObserver?([], deleted) }
        }
    }

    /// Removes a member; true when the room is now empty and gone.
    private static func removeMember(_ socketID: String, from room: String, in state: inout State) -> Bool {
        guard state.rooms[room]?.remove(socketID) == true else { return false }
        guard state.rooms[room]?.isEmpty == true else { return false }
        state.rooms[room] = nil
        return true
    }

    public func rooms(of socketID: String) -> Set<String>? {
        self.state.withLockedValue { $0.roomsOfSocket[socketID]?.asSet }
    }

    public var localRooms: Set<String> {
        self.state.withLockedValue { Set($0.rooms.keys) }
    }

    /// True when `room` has a member on this node.
    public func hasRoom(_ room: String) -> Bool {
        self.state.withLockedValue { $0.rooms[room] != nil }
    }

    /// The number of local sockets the options select.
    public func localSocketCount(_ options: SocketIOBroadcastOptions) -> Int {
        self.localSockets(options).count
    }

    public func localSockets(_ options: SocketIOBroadcastOptions) -> [SocketIOSocket] {
        self.state.withLockedValue { state in
            var excluded = Set<String>()
            for room in options.except {
                for member in state.rooms[room] ?? RoomMemberSet([]) { excluded.insert(member) }
            }
            var result: [SocketIOSocket] = []
            if options.rooms.isEmpty {
                result.reserveCapacity(state.sockets.count)
                for (id, socket) in state.sockets where !excluded.contains(id) { result.append(socket) }
            } else if options.rooms.count == 1, let members = state.rooms[options.rooms.first!] {
                result.reserveCapacity(members.count)
                for id in members where !excluded.contains(id) {
                    if let socket = state.sockets[id] { result.append(socket) }
                }
            } else {
                var seen = Set<String>()
                for room in options.rooms {
                    for id in state.rooms[room] ?? RoomMemberSet([]) where !excluded.contains(id) && seen.insert(id).inserted {
                        if let socket = state.sockets[id] { result.append(socket) }
                    }
                }
            }
            return result
        }
    }

    // MARK: Local operations (also the local half of cluster adapters)

    public func broadcast(_ packet: SocketIOPacket, options: SocketIOBroadcastOptions) {
        let packet = self.recordForRecovery(packet, options: options)
        let frames = SocketIOFrames.encode(packet, parser: self.parser, compress: options.flags.compress)
        let targets = self.localSockets(options)
        self.namespace?.server.statistics.broadcastFanout.record(targets.count)
        SocketIODelivery.deliver(frames, of: packet, to: targets, volatile: options.flags.volatile)
    }

    public func broadcastWithAck(_ packet: SocketIOPacket, options: SocketIOBroadcastOptions, collector: SocketIOAckCollector) {
        self.broadcastWithAck(packet, options: options, sink: collector)
        collector.nodeCountKnown(otherNodes: 0)
    }

    /// Local delivery of a packet that asks for acknowledgements; `sink` learns the client count and
    /// the answers. `packet.ackID` must be set.
    public func broadcastWithAck(_ packet: SocketIOPacket, options: SocketIOBroadcastOptions, sink: any SocketIOAckSink) {
        let frames = SocketIOFrames.encode(packet, parser: self.parser, compress: options.flags.compress)
        let targets = self.localSockets(options)
        self.namespace?.server.statistics.broadcastFanout.record(targets.count)
        sink.expect(targets.count)
        let timeout = options.flags.timeout.map { TimeAmount.milliseconds(Int64($0)) } ?? self.namespace?.server.configuration.ackTimeout
        SocketIODelivery.deliver(
            frames, of: packet, to: targets, volatile: options.flags.volatile, ackID: packet.ackID, collector: sink, ackTimeout: timeout
        )
    }

    public func fetchSockets(_ options: SocketIOBroadcastOptions) async throws -> [SocketIORemoteSocket] {
        self.localSockets(options).map { socket in
            SocketIORemoteSocket(
                id: socket.id,
                handshake: socket.handshake,
                rooms: self.rooms(of: socket.id) ?? [],
                data: socket.data,
                namespace: self.namespace
            )
        }
    }

    public func addSockets(_ options: SocketIOBroadcastOptions, rooms: Set<String>) {
        for socket in self.localSockets(options) { self.addAll(socket, rooms: rooms) }
    }

    public func delSockets(_ options: SocketIOBroadcastOptions, rooms: Set<String>) {
        for socket in self.localSockets(options) {
            for room in rooms { self.del(socket.id, room: room) }
        }
    }

    public func disconnectSockets(_ options: SocketIOBroadcastOptions, close: Bool) {
        for socket in self.localSockets(options) { socket.disconnect(close: close) }
    }

    public func serverSideEmit(_ packet: [SocketIOValue]) {}

    public func serverSideEmitWithAck(_ packet: [SocketIOValue], timeoutMilliseconds: Int) async throws -> [SocketIOValue] {
        []
    }

    public func allRooms() async throws -> Set<String> { self.localRooms }

    public func serverCount() async -> Int { 1 }

    public func close() {}
}

// MARK: - Connection state recovery

extension InMemoryAdapter {
    /// Numbers and keeps an event (not one asking for acks, not a volatile one), as the reference's
    /// `SessionAwareAdapter` does, when connection state recovery is on.
    public func recordForRecovery(_ packet: SocketIOPacket, options: SocketIOBroadcastOptions) -> SocketIOPacket {
        guard let recovery = self.recovery, packet.type == .event || packet.type == .binaryEvent, packet.ackID == nil,
            !options.flags.volatile, case .array(let data)? = packet.payload
        else { return packet }
        var numbered = packet
        let now = NIODeadline.now()
        numbered.payload = .array(recovery.withLockedValue { $0.record(data, rooms: options.rooms, except: options.except, now: now) })
        return numbered
    }

    public func persistSession(_ session: SocketIOSessionSnapshot) {
        guard let recovery = self.recovery else { return }
        let now = NIODeadline.now()
        recovery.withLockedValue { _ = $0.persist(session, now: now) }
    }

    public func restoreSession(pid: String, offset: String) async throws -> SocketIORecoveredSession? {
        guard let recovery = self.recovery else { return nil }
        let now = NIODeadline.now()
        return recovery.withLockedValue { $0.restore(pid: pid, offset: offset, now: now) }
    }
}
