import NIOCore

/// The observers of a driver's public state and the state they were last told, kept behind the
/// driver's lock; call the observers outside it.
struct RedisStateObservers {
    private var observers: [Int: @Sendable (RedisConnectionState) -> Void] = [:]
    private var lastID = 0
    /// The state the observers were last told.
    private(set) var reported: RedisConnectionState = .connecting

    /// Registers `observer`; returns its id.
    mutating func add(_ observer: @escaping @Sendable (RedisConnectionState) -> Void) -> Int {
        self.lastID += 1
        self.observers[self.lastID] = observer
        return self.lastID
    }

    /// Removes an observer.
    mutating func remove(_ id: Int) {
        self.observers[id] = nil
    }

    /// Every observer, oldest first.
    var all: [@Sendable (RedisConnectionState) -> Void] {
        self.observers.sorted { $0.key < $1.key }.map(\.value)
    }

    /// Records `state`; returns the observers to tell when it differs from the last one, else nil.
    mutating func report(_ state: RedisConnectionState) -> [@Sendable (RedisConnectionState) -> Void]? {
        guard state != self.reported else { return nil }
        self.reported = state
        return self.all
    }
}

/// When a driver that follows a changing deployment (a cluster's topology, Sentinel's primary) asks
/// again: at once, then every `interval`, or every `degradedInterval` while something is down or a
/// refresh was asked for.
struct RedisRefreshSchedule {
    let interval: TimeAmount
    let degradedInterval: TimeAmount
    private var last: NIODeadline?

    init(interval: TimeAmount, degradedInterval: TimeAmount) {
        self.interval = interval
        self.degradedInterval = degradedInterval
    }

    /// Whether to ask now; when true, `now` counts as the last time asked.
    mutating func isDue(now: NIODeadline, urgent: Bool) -> Bool {
        if let last = self.last, now - last < (urgent ? self.degradedInterval : self.interval) {
            return false
        }
        self.last = now
        return true
    }

    /// Runs `refresh` whenever due, checking every 50 ms, until `probe` says closed or the task is
    /// cancelled. `probe` answers (closed, urgent).
    mutating func run(probe: () -> (closed: Bool, urgent: Bool), refresh: () async -> Void) async {
        while !Task.isCancelled {
            let (closed, urgent) = probe()
            if closed { return }
            if self.isDue(now: .now(), urgent: urgent) {
                await refresh()
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }
}
