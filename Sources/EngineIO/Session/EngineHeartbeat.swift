import NIOCore

/// The server-driven heartbeat of Engine.IO v4: ping every pingInterval, expect a pong within pingTimeout.
struct EngineHeartbeat: Sendable, Hashable {
    /// Where the heartbeat stands, each phase with its deadline.
    enum Phase: Sendable, Hashable {
        /// The next ping is due at the deadline.
        case waitingToPing(until: NIODeadline)
        /// A ping went out; the pong must arrive before the deadline.
        case awaitingPong(until: NIODeadline)
    }

    /// What a timer tick asks of the session.
    enum TickResult: Sendable, Hashable {
        case nothing
        case sendPing
        case timedOut
    }

    private(set) var phase: Phase
    let timing: EngineSessionTiming

    init(startingAt now: NIODeadline, timing: EngineSessionTiming) {
        self.timing = timing
        self.phase = .waitingToPing(until: now + timing.pingInterval)
    }

    var deadline: NIODeadline {
        switch self.phase {
        case .waitingToPing(let until), .awaitingPong(let until): return until
        }
    }

    mutating func tick(now: NIODeadline) -> TickResult {
        switch self.phase {
        case .waitingToPing(let until) where now >= until:
            self.phase = .awaitingPong(until: now + self.timing.pingTimeout)
            return .sendPing
        case .awaitingPong(let until) where now >= until:
            return .timedOut
        case .waitingToPing, .awaitingPong:
            return .nothing
        }
    }

    /// A pong arrived. An unsolicited pong changes nothing, so a client cannot postpone its pings.
    mutating func pongReceived(now: NIODeadline) {
        if case .awaitingPong = self.phase {
            self.phase = .waitingToPing(until: now + self.timing.pingInterval)
        }
    }
}
