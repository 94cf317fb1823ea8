import NIOCore

/// The deadline an HTTP connection has in each phase of its request/response cycle, as a pure state
/// machine: events in, the timer action out.
///
/// - Waiting for a head: `headersTimeout` from the request's first byte (from the connection's opening
///   for its first request).
/// - Reading the head's body: `requestTimeout` from the same start.
/// - Waiting for our answer (a held poll, the fallback): no deadline here; the session or the fallback
///   deadline bounds it.
/// - Idle after a keep-alive response: `keepAliveTimeout` until the next request's first byte.
struct EngineHTTPDeadlineStateMachine {
    /// Which deadline passed.
    enum Expiry: Equatable, Sendable {
        case headers
        case request
        case keepAlive
    }

    /// What the connection's timer should do.
    enum Action: Equatable {
        /// Nothing changes.
        case none
        /// The connection must be closed at `deadline` unless another event comes first.
        case arm(NIODeadline)
        /// The connection has no deadline of its own now.
        case disarm
        /// The deadline passed: close. `answer408` is true when no response to the request was
        /// started, so a `408 Request Timeout` may be written first.
        case close(Expiry, answer408: Bool)
    }

    enum Phase: Equatable {
        /// Waiting for the end of a head whose first byte came at `since`.
        case awaitingHead(since: NIODeadline)
        /// Reading the body of a request that started at `since`; `answered` once a response went
        /// out early (a 413).
        case readingRequest(since: NIODeadline, answered: Bool)
        /// The request is read and our answer is pending; bytes of a next (pipelined) request first
        /// came at `nextRequestSince`.
        case awaitingResponse(nextRequestSince: NIODeadline?)
        /// A response ended at `since` and no byte of a next request came yet.
        case idle(since: NIODeadline)
        /// A deadline passed.
        case expired
    }

    let limits: EngineHTTPLimits
    private(set) var phase: Phase

    /// A connection that just opened: its first head is due within `headersTimeout`.
    init(limits: EngineHTTPLimits, now: NIODeadline) {
        self.limits = limits
        self.phase = .awaitingHead(since: now)
    }

    /// The deadline of the current phase, if it has one.
    var deadline: NIODeadline? {
        switch self.phase {
        case .awaitingHead(let since): return since + self.limits.headersTimeout
        case .readingRequest(let since, _): return since + self.limits.requestTimeout
        case .awaitingResponse, .expired: return nil
        case .idle(let since): return since + self.limits.keepAliveTimeout
        }
    }

    /// The timer action for the phase the connection starts in.
    func start() -> Action {
        self.deadline.map(Action.arm) ?? .disarm
    }

    /// Raw bytes arrived.
    mutating func bytesReceived(now: NIODeadline) -> Action {
        switch self.phase {
        case .idle:
            self.phase = .awaitingHead(since: now)
            return self.start()
        case .awaitingResponse(nextRequestSince: nil):
            self.phase = .awaitingResponse(nextRequestSince: now)
            return .none
        case .awaitingHead, .readingRequest, .awaitingResponse, .expired:
            return .none
        }
    }

    /// A request head was decoded.
    mutating func headReceived(now: NIODeadline) -> Action {
        switch self.phase {
        case .awaitingHead(let since):
            self.phase = .readingRequest(since: since, answered: false)
        case .idle, .awaitingResponse, .readingRequest:
            // A pipelined head delivered once the previous response ended: its bytes were already
            // read, so its time counts from now.
            self.phase = .readingRequest(since: now, answered: false)
        case .expired:
            return .none
        }
        return self.start()
    }

    /// The request's end was decoded.
    mutating func requestEnded(now: NIODeadline) -> Action {
        switch self.phase {
        case .readingRequest(_, answered: false):
            self.phase = .awaitingResponse(nextRequestSince: nil)
            return .disarm
        case .readingRequest(_, answered: true):
            self.phase = .idle(since: now)
            return self.start()
        case .awaitingHead, .awaitingResponse, .idle, .expired:
            return .none
        }
    }

    /// A response's end was written.
    mutating func responseEnded(now: NIODeadline) -> Action {
        switch self.phase {
        case .awaitingResponse(nextRequestSince: let next?):
            self.phase = .awaitingHead(since: next)
        case .awaitingResponse(nextRequestSince: nil):
            self.phase = .idle(since: now)
        case .readingRequest(let since, _):
            self.phase = .readingRequest(since: since, answered: true)
            return .none
        case .awaitingHead, .idle, .expired:
            return .none
        }
        return self.start()
    }

    /// The timer fired: close if the phase's deadline passed, else wait for the (later) deadline.
    mutating func timerFired(now: NIODeadline) -> Action {
        guard let deadline = self.deadline else { return .disarm }
        guard now >= deadline else { return .arm(deadline) }
        let action: Action
        switch self.phase {
        case .awaitingHead: action = .close(.headers, answer408: true)
        case .readingRequest(_, let answered): action = .close(.request, answer408: !answered)
        case .idle: action = .close(.keepAlive, answer408: false)
        case .awaitingResponse, .expired: return .disarm
        }
        self.phase = .expired
        return action
    }
}
