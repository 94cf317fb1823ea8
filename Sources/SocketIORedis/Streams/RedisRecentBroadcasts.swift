import NIOCore
import SocketIO
import SocketIOProtocol

/// The broadcasts a streams adapter delivered lately (in stream order), and the recoveries whose
/// read of the stream ended but whose socket has not joined its rooms yet: what lets a recovered
/// socket get, exactly once, the broadcasts delivered between the end of its restore and its join.
///
/// A pure value, kept behind the adapter's delivery lock: a delivery (append + local broadcast) and a
/// recovered socket's join (join + collect) never interleave. Deliveries are remembered only while a
/// restore runs or a restored socket has yet to join (at most ``capacity`` of them); otherwise the
/// ring is empty.
struct RedisRecentBroadcasts {
    struct Delivered {
        let counter: UInt64
        let id: (UInt64, UInt64)
        let arguments: [SocketIOValue]
        let options: SocketIOBroadcastOptions
    }

    /// A restore whose socket has not joined yet.
    struct Handover {
        /// The session's rooms.
        let rooms: [String]
        /// The last entry id the restore read through.
        let readThrough: (UInt64, UInt64)
        /// ``counter`` when the restore's last read was sent.
        let counter: UInt64
        let createdAt: NIODeadline
    }

    /// How many deliveries are remembered.
    let capacity: Int
    /// How long a hand-over waits for its socket.
    let handoverLifetime: TimeAmount
    /// The most hand-overs kept at once.
    let maxHandovers: Int
    private(set) var counter: UInt64 = 0
    private var delivered: [Delivered] = []
    private var start = 0
    private var handovers: [String: Handover] = [:]
    /// Restores reading the stream now.
    private var activeRestores = 0
    /// Events collected at a recovered socket's join, until the connection asks for them.
    private var catchUps: [String: [[SocketIOValue]]] = [:]

    init(capacity: Int = 1024, handoverLifetime: TimeAmount = .seconds(30), maxHandovers: Int = 10_000) {
        self.capacity = max(1, capacity)
        self.handoverLifetime = handoverLifetime
        self.maxHandovers = max(1, maxHandovers)
    }

    /// A restore starts reading the stream: deliveries are remembered from now on.
    mutating func beginRestore() {
        self.activeRestores += 1
    }

    /// A restore ended (its hand-over, if any, was registered first).
    mutating func endRestore() {
        self.activeRestores = max(0, self.activeRestores - 1)
        self.forgetIfIdle()
    }

    private mutating func forgetIfIdle() {
        if self.activeRestores == 0, self.handovers.isEmpty, !self.delivered.isEmpty {
            self.delivered = []
            self.start = 0
        }
    }

    /// Records a delivery of the numbered event `arguments` (entry `id`).
    mutating func record(id: (UInt64, UInt64), arguments: [SocketIOValue], options: SocketIOBroadcastOptions) {
        self.counter &+= 1
        guard self.activeRestores > 0 || !self.handovers.isEmpty else { return }
        let entry = Delivered(counter: self.counter, id: id, arguments: arguments, options: options)
        if self.delivered.count < self.capacity {
            self.delivered.append(entry)
        } else {
            self.delivered[self.start] = entry
            self.start = (self.start + 1) % self.capacity
        }
    }

    /// Registers a restore that read through `readThrough` and whose last read was sent when the
    /// counter was `counter`.
    mutating func expect(socketID: String, rooms: [String], readThrough: (UInt64, UInt64), counter: UInt64, now: NIODeadline) {
        self.expire(now: now)
        if self.handovers.count >= self.maxHandovers, let oldest = self.handovers.min(by: { $0.value.createdAt < $1.value.createdAt })?.key {
            self.handovers[oldest] = nil
        }
        self.handovers[socketID] = Handover(rooms: rooms, readThrough: readThrough, counter: counter, createdAt: now)
    }

    /// Forgets the hand-overs whose socket never joined within ``handoverLifetime`` (its connection
    /// failed or closed first), and the deliveries nothing needs any more. Called on a timer too, so
    /// a forgotten hand-over does not keep the ring filling.
    mutating func expire(now: NIODeadline) {
        if !self.handovers.isEmpty {
            self.handovers = self.handovers.filter { now - $0.value.createdAt < self.handoverLifetime }
        }
        self.forgetIfIdle()
    }

    /// Takes the hand-over of `socketID`, if one waits (call ``since(_:)`` before anything else
    /// changes: the ring may be emptied by the next ``endRestore()`` or ``takeHandover(_:)``).
    mutating func takeHandover(_ socketID: String) -> Handover? {
        self.handovers.removeValue(forKey: socketID)
    }

    /// Empties the ring when nothing needs it any more (after a hand-over was served).
    mutating func releaseIfIdle() {
        self.forgetIfIdle()
    }

    /// Keeps the events a recovered socket gets after its missed ones (asked right after its join).
    mutating func keepCatchUp(_ events: [[SocketIOValue]], for socketID: String) {
        guard !events.isEmpty else { return }
        if self.catchUps.count >= self.maxHandovers { self.catchUps.removeAll() }
        self.catchUps[socketID] = events
    }

    /// Takes them.
    mutating func takeCatchUp(_ socketID: String) -> [[SocketIOValue]] {
        self.catchUps.removeValue(forKey: socketID) ?? []
    }

    /// The deliveries since `handover` that reached its rooms and that its restore did not read, in
    /// order; `complete` is false when some of them are no longer remembered.
    func since(_ handover: Handover) -> (events: [[SocketIOValue]], complete: Bool) {
        var events: [[SocketIOValue]] = []
        var oldest: UInt64?
        for index in 0..<self.delivered.count {
            let entry = self.delivered[(self.start + index) % self.delivered.count]
            oldest = oldest.map { min($0, entry.counter) } ?? entry.counter
            guard entry.counter > handover.counter, entry.id > handover.readThrough,
                RedisStreamCodec.reaches(entry.options, sessionRooms: handover.rooms)
            else { continue }
            events.append(entry.arguments)
        }
        let complete = self.counter == handover.counter || (oldest ?? UInt64.max) <= handover.counter &+ 1
        return (events, complete)
    }
}
