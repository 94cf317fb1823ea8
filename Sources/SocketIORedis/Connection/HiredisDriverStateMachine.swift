import NIOCore

/// The life of a ``HiredisPubSubDriver``'s link to Redis, without I/O.
///
/// `idle → connecting ⇄ waiting`, `connecting → connected → waiting → connecting …`, and from any state
/// `→ closed` (through `closing` when connected: in-flight publishes get a chance to be acknowledged).
/// Every connect attempt gets a fresh *generation*; events that carry an older generation come from
/// connections already abandoned and are ignored. Every state but `idle` and `closed` has a deadline,
/// kept by the shell: the connect timeout, the backoff delay, the health check, the close timeout.
/// Each event returns the one ``Action`` the shell must perform; the machine never reads a clock or a
/// random source (the shell passes the jitter in).
struct HiredisDriverStateMachine: Sendable {
    /// The states; see the type's documentation.
    enum State: Sendable, Hashable {
        /// Created, `start()` not called yet. No deadline: nothing runs.
        case idle
        /// A connect attempt runs. Deadline: the connect timeout.
        case connecting(attempt: Int, generation: UInt64)
        /// Both connections are ready. Deadline: the health check's PING timeout.
        case connected(generation: UInt64)
        /// Waiting before the next attempt. Deadline: the backoff delay.
        case waiting(attempt: Int)
        /// Close requested while connected; in-flight publishes drain. Deadline: the close timeout.
        case closing(generation: UInt64)
        /// Closed for good. No deadline.
        case closed
    }

    /// What the shell must do after an event.
    enum Action: Sendable, Hashable {
        /// Nothing.
        case none
        /// Open both connections for `generation` and run the handshake.
        case connect(generation: UInt64)
        /// The link of `generation` is ready: flush queued publishes, start health checks, count a
        /// reconnect when `isReconnect`.
        case becameConnected(generation: UInt64, isReconnect: Bool)
        /// Abandon the link of `generation` (close its connections, stop its timers) and try again after
        /// `delay`.
        case retry(abandoning: UInt64, after: TimeAmount)
        /// Stop health checks and wait for in-flight publishes of `generation`, up to the close timeout.
        case drain(generation: UInt64)
        /// Close everything now (connections, timers) and finish closing.
        case finishClose
    }

    /// The current state.
    private(set) var state: State = .idle
    private let backoff: RedisReconnectBackoff
    private var lastGeneration: UInt64 = 0
    /// Whether a link was ever ready, which turns "connecting" into "reconnecting" for observers.
    private var everConnected = false

    /// A machine in `idle`.
    init(backoff: RedisReconnectBackoff) {
        self.backoff = backoff
    }

    /// The state observers see.
    var publicState: RedisConnectionState {
        switch self.state {
        case .idle:
            return .connecting
        case .connecting, .waiting:
            return self.everConnected ? .reconnecting : .connecting
        case .connected, .closing:
            return .connected
        case .closed:
            return .closed
        }
    }

    /// The generation whose link is current, if a link is open or opening.
    var currentGeneration: UInt64? {
        switch self.state {
        case .connecting(_, let generation), .connected(let generation), .closing(let generation):
            return generation
        case .idle, .waiting, .closed:
            return nil
        }
    }

    /// Whether publishes go to the wire now (otherwise they queue, or drop once closing).
    var isConnected: Bool {
        if case .connected = self.state { return true }
        return false
    }

    /// `start()` was called.
    mutating func start() -> Action {
        guard case .idle = self.state else { return .none }
        return self.beginAttempt(0)
    }

    /// The backoff timer fired.
    mutating func retryTimerFired() -> Action {
        guard case .waiting(let attempt) = self.state else { return .none }
        return self.beginAttempt(attempt)
    }

    /// The handshake of `generation` finished on both connections.
    mutating func linkReady(generation: UInt64) -> Action {
        guard case .connecting(_, generation) = self.state else {
            // A stale attempt, or one that finished after close: the shell closes its connections.
            return .none
        }
        let isReconnect = self.everConnected
        self.everConnected = true
        self.state = .connected(generation: generation)
        return .becameConnected(generation: generation, isReconnect: isReconnect)
    }

    /// The link of `generation` failed: connect error, handshake error or timeout, connection lost,
    /// health check timeout. `random` in `0...1` picks the jitter.
    mutating func linkFailed(generation: UInt64, random: Double) -> Action {
        switch self.state {
        case .connecting(let attempt, generation):
            let next = attempt + 1
            self.state = .waiting(attempt: next)
            return .retry(abandoning: generation, after: self.backoff.delay(attempt: attempt, random: random))
        case .connected(generation):
            self.state = .waiting(attempt: 1)
            return .retry(abandoning: generation, after: self.backoff.delay(attempt: 0, random: random))
        case .closing(generation):
            self.state = .closed
            return .finishClose
        case .idle, .connecting, .connected, .waiting, .closing, .closed:
            return .none
        }
    }

    /// `close()` was called.
    mutating func close() -> Action {
        switch self.state {
        case .connected(let generation):
            self.state = .closing(generation: generation)
            return .drain(generation: generation)
        case .idle, .connecting, .waiting:
            self.state = .closed
            return .finishClose
        case .closing, .closed:
            return .none
        }
    }

    /// The in-flight publishes drained, or the close timeout passed.
    mutating func drained() -> Action {
        guard case .closing = self.state else { return .none }
        self.state = .closed
        return .finishClose
    }

    private mutating func beginAttempt(_ attempt: Int) -> Action {
        self.lastGeneration += 1
        self.state = .connecting(attempt: attempt, generation: self.lastGeneration)
        return .connect(generation: self.lastGeneration)
    }
}
