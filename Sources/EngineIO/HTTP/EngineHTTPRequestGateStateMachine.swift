/// Decides, for one HTTP/1.1 connection, when request parts go on to the engine and when a pipelined
/// request waits for the answer to the one before it; and whether a request the parser refused still
/// gets a `400` (after the answer owed for a request read before it); and, when a host server
/// quiesces the connection, when it closes. Pure: ``EngineHTTPRequestGate`` holds the waiting parts and performs the actions.
///
/// The engine answers one request at a time, so a request that arrives before the previous one's
/// response has ended waits, and reads stop while it does. Unlike NIO's `HTTPServerPipelineHandler`,
/// reads are only stopped once such a request has actually arrived: a connection whose client waits
/// for each answer (every Engine.IO client) never stops and restarts reading, which cost two
/// `epoll_ctl` calls per request.
struct EngineHTTPRequestGateStateMachine {
    /// A request part, as far as the gate cares.
    enum Part: Equatable {
        case head
        case body
        case end
    }

    /// Where the current request/response exchange is.
    enum Exchange: Equatable {
        /// No request is open and no response is owed.
        case idle
        /// The request is being read; its response has not ended.
        case requestAndResponsePending
        /// The response ended before the request did (say, an early `413`).
        case requestEndPending
        /// The request was read in full; its response has not ended.
        case responseEndPending
    }

    /// What to do with a part just read, or with the first part waiting.
    enum PartAction: Equatable {
        /// Hand it to the engine.
        case deliver
        /// Keep it (behind the parts already waiting) until the current response ends.
        case hold
        /// Ignore it: the connection is quiescing and its last request was read.
        case drop
    }

    /// What to do with a read the pipeline asks for.
    enum ReadAction: Equatable {
        case read
        /// Hold it until the waiting parts have been handed on.
        case hold
    }

    /// Whether the connection is winding down (`ChannelShouldQuiesceEvent`, a host server stopping).
    enum Lifecycle: Equatable {
        /// Serving requests.
        case accepting
        /// Quiescing: the request being read is the last one; the connection closes after its answer.
        case waitingForLastRequestEnd
        /// Quiescing: the last request was read; the connection closes once its answer ended.
        case lastRequestEnded
        /// Closed (or closing): nothing more is read or delivered.
        case completed
    }

    /// What quiescing asks of the handler now.
    enum QuiesceAction: Equatable {
        /// Nothing yet: the connection closes after the answer in progress.
        case none
        /// Forget the held parts (requests after the last one are never answered) and wait for the
        /// answer in progress.
        case dropHeldParts
        /// Forget the held parts and close now: no request is in progress.
        case close
    }

    private(set) var exchange = Exchange.idle
    private(set) var lifecycle = Lifecycle.accepting
    /// Parts are waiting (the handler holds them, in order).
    private(set) var holding = false
    /// A read was asked for while parts were waiting.
    private(set) var readHeld = false
    /// A response head went out and its end has not (a parser error then gets no `400` of its own).
    private(set) var responseOpen = false

    /// A part arrived from the HTTP decoder.
    mutating func partReceived(_ part: Part) -> PartAction {
        if self.lifecycle == .lastRequestEnded || self.lifecycle == .completed { return .drop }
        if self.holding { return .hold }
        if part == .head && self.exchange == .responseEndPending {
            self.holding = true
            return .hold
        }
        self.advance(part)
        return .deliver
    }

    /// The first waiting part may go on now (``PartAction/deliver``), or must keep waiting.
    mutating func heldPartReady(_ part: Part) -> PartAction {
        if part == .head && self.exchange != .idle { return .hold }
        self.advance(part)
        return .deliver
    }

    /// Every waiting part went on; true when a held read should now be issued.
    mutating func heldPartsDrained() -> Bool {
        self.holding = false
        let read = self.readHeld
        self.readHeld = false
        return read
    }

    /// The pipeline asks for a read.
    mutating func readRequested() -> ReadAction {
        if self.lifecycle == .lastRequestEnded || self.lifecycle == .completed { return .hold }
        guard self.holding else { return .read }
        self.readHeld = true
        return .hold
    }

    /// A response head was written; true when it must say `Connection: close` (the connection is
    /// quiescing), as NIO's pipelining handler marks it.
    @discardableResult
    mutating func responseHeadWritten(informational: Bool) -> Bool {
        if !informational { self.responseOpen = true }
        return self.lifecycle != .accepting
    }

    /// What follows the end of a response.
    enum ResponseEndAction: Equatable {
        /// Nothing more.
        case none
        /// Hand the held parts on (``heldPartReady(_:)``).
        case releaseHeldParts
        /// Close the connection once the end is written: the quiescing connection's last answer.
        case closeAfterWrite
    }

    /// A response's end was written.
    mutating func responseEnded() -> ResponseEndAction {
        self.responseOpen = false
        switch self.exchange {
        case .requestAndResponsePending: self.exchange = .requestEndPending
        case .responseEndPending: self.exchange = .idle
        case .idle, .requestEndPending: break  // an answer to no request (a refusal before any): nothing owed
        }
        if self.lifecycle == .lastRequestEnded && self.exchange == .idle {
            self.lifecycle = .completed
            return .closeAfterWrite
        }
        return self.holding && self.exchange == .idle ? .releaseHeldParts : .none
    }

    /// The connection should wind down (a host server stopping): close it now when no request is in
    /// progress, else after the answer to the one in progress.
    mutating func quiesceRequested() -> QuiesceAction {
        guard self.lifecycle == .accepting else { return .none }
        self.holding = false
        self.readHeld = false
        switch self.exchange {
        case .idle:
            self.lifecycle = .completed
            return .close
        case .responseEndPending:
            self.lifecycle = .lastRequestEnded
            return .dropHeldParts
        case .requestAndResponsePending, .requestEndPending:
            self.lifecycle = .waitingForLastRequestEnd
            return .dropHeldParts
        }
    }

    /// Whether the request end just delivered completes a quiescing connection (its answer already
    /// went out): the handler closes it then.
    mutating func deliveredEndClosesConnection() -> Bool {
        guard self.lifecycle == .waitingForLastRequestEnd else { return false }
        self.lifecycle = .lastRequestEnded
        if self.exchange == .idle {
            self.lifecycle = .completed
            return true
        }
        return false
    }

    /// What to do with a parser error (the parser refused the bytes after the last part).
    enum ErrorAction: Equatable {
        /// Answer `400` (no other response is under way), then pass the error on (the engine closes).
        case answerAndPass
        /// Pass it on without an answer of its own: a response already started.
        case pass
        /// Keep it behind the held parts, or until the pending response ended: an answer the engine
        /// owes for a request read in full goes out first, as NIO's pipelining handler orders them.
        case hold
    }

    /// The parser refused the bytes that followed the parts received so far.
    mutating func parserFailed() -> ErrorAction {
        if self.holding { return .hold }
        if self.exchange == .responseEndPending {
            self.holding = true
            return .hold
        }
        return self.responseOpen ? .pass : .answerAndPass
    }

    /// The first held event is the parser's error: it may go on now, or must keep waiting.
    func heldParserErrorReady() -> ErrorAction {
        if self.exchange == .responseEndPending { return .hold }
        return self.responseOpen ? .pass : .answerAndPass
    }

    private mutating func advance(_ part: Part) {
        switch (self.exchange, part) {
        case (.idle, .head): self.exchange = .requestAndResponsePending
        case (.requestAndResponsePending, .end): self.exchange = .responseEndPending
        case (.requestEndPending, .end): self.exchange = .idle
        default: break  // body parts; the decoder yields no other order
        }
    }
}
