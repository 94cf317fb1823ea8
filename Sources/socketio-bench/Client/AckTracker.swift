/// Send times of the acknowledgements a client waits for, in a ring indexed by ack id.
///
/// Ack ids are handed out in sequence, so with at most `capacity` of them outstanding each one has its own
/// slot; no dictionary, no allocation per request. Storage is created on first use, so an idle client
/// costs nothing.
struct AckTracker {
    private var ids: [Int] = []
    private var sentAt: [UInt64] = []
    private var mask = 0
    /// Requests sent and not acknowledged yet.
    private(set) var outstanding = 0
    /// The next ack id.
    private(set) var nextID = 0
    private let capacity: Int

    /// A tracker for up to `maxOutstanding` requests in flight (rounded up to a power of two).
    init(maxOutstanding: Int) {
        var capacity = 1
        while capacity < max(1, maxOutstanding) { capacity <<= 1 }
        self.capacity = capacity
    }

    /// Hands out the next id, noting its send time. Nil when `capacity` requests are already waiting.
    mutating func start(at time: UInt64) -> Int? {
        if self.ids.isEmpty {
            self.ids = Array(repeating: -1, count: self.capacity)
            self.sentAt = Array(repeating: 0, count: self.capacity)
            self.mask = self.capacity - 1
        }
        let id = self.nextID
        let slot = id & self.mask
        guard self.ids[slot] == -1 else { return nil }
        self.ids[slot] = id
        self.sentAt[slot] = time
        self.nextID += 1
        self.outstanding += 1
        return id
    }

    /// The send time of request `id`, which is no longer outstanding; nil for an id we are not waiting for.
    mutating func finish(_ id: Int) -> UInt64? {
        guard !self.ids.isEmpty else { return nil }
        let slot = id & self.mask
        guard self.ids[slot] == id else { return nil }
        self.ids[slot] = -1
        self.outstanding -= 1
        return self.sentAt[slot]
    }
}
