import NIOCore

/// The life of one Engine.IO session, without I/O.
///
/// `handshaking → polling ⇄ upgrading → websocket`, or `handshaking → websocket`; any of them
/// `→ closing → closed` (a server close over polling waits for the client to fetch the close packet)
/// or straight `→ closed`. Every state has a deadline (``nextDeadline``): the heartbeat in the open
/// states, upgradeTimeout while upgrading, closeTimeout while closing, handshakeTimeout before the open
/// packet. Every event takes the current time and returns the actions the I/O shell must perform, in
/// order; the machine never reads a clock, so tests drive it with any instants they like.
struct EngineSessionStateMachine: Sendable {
    /// The transport a session opens on.
    enum Transport: Sendable, Hashable {
        case polling
        case websocket
    }

    /// The open states share the heartbeat and the polling request slots.
    struct Open: Sendable, Hashable {
        var heartbeat: EngineHeartbeat
        /// A polling GET is held, waiting for something to send.
        var getParked = false
        /// A polling POST is being received.
        var postInFlight = false
    }

    /// An upgrade in progress on a probe WebSocket.
    struct Upgrade: Sendable, Hashable {
        var deadline: NIODeadline
        /// The client sent `2probe` and got `3probe`.
        var probed = false
        /// A GET that came after the probe is held until then, and answered `noop` if the upgrade
        /// has not completed: its `5` may be on its way from another event loop, and a GET the client
        /// sent after `5` must get 400, as the reference answers it.
        var probedPollDeadline: NIODeadline?
    }

    /// How long a GET that arrives after the probe waits for the `5` before it is answered `noop`
    /// (the reference checks every 100 ms).
    static let probedPollHold = TimeAmount.milliseconds(100)

    /// The states; see the type's documentation.
    enum State: Sendable, Hashable {
        /// Created, the open packet not yet sent. Deadline: handshakeTimeout.
        case handshaking(deadline: NIODeadline)
        /// Open on HTTP long-polling. Deadline: the heartbeat.
        case polling(Open)
        /// Open on polling with a probe WebSocket attached. Deadlines: the heartbeat and upgradeTimeout.
        case upgrading(Open, Upgrade)
        /// Open on a WebSocket. Deadline: the heartbeat.
        case websocket(Open)
        /// Closed by the server over polling; the close packet waits for a GET. Deadline: closeTimeout.
        case closing(deadline: NIODeadline)
        /// Over; nothing more happens.
        case closed
    }

    /// What the I/O shell must do. "Current" poll/post means the request the event was about.
    enum Action: Sendable, Hashable {
        /// Hold the current GET until there is something to send.
        case parkPoll
        /// Answer the current GET with these frames as a payload.
        case answerPoll([EngineFrame])
        /// Answer the GET held earlier with these frames.
        case answerParkedPoll([EngineFrame])
        /// Answer the GET held earlier with an error.
        case rejectParkedPoll(EngineRejection)
        /// Answer the current GET with an error.
        case rejectPoll(EngineRejection)
        /// Answer the current POST with `200 ok`.
        case answerPost
        /// Answer the current POST with an error.
        case rejectPost(EngineRejection)
        /// Write these frames to the session's WebSocket.
        case writeWebSocket([EngineFrame])
        /// Write this frame to the probe WebSocket.
        case writeProbe(EngineFrame)
        /// Close the probe WebSocket; the session stays on polling.
        case closeProbe
        /// The probe WebSocket becomes the session's transport.
        case promoteProbe
        /// Close the session's WebSocket.
        case closeWebSocket
        /// Hand a message to the application.
        case deliver(EngineMessage)
        /// Tell the application the session now runs on WebSocket.
        case notifyUpgraded
        /// Tell the application the session ended (exactly once per session).
        case notifyClosed(EngineCloseReason)
        /// The session is over: cancel timers, leave the registry.
        case finish
    }

    /// How a polling request is refused.
    enum EngineRejection: Sendable, Hashable {
        /// A second GET or POST while one is pending: empty 400.
        case overlap
        /// A POST body over maxHttpBufferSize: empty 413.
        case payloadTooLarge
        /// A polling request for a session that is not on polling: 400 code 3 `Bad request`.
        case transportMismatch
        /// A request for a session that has just closed (it leaves the registry a moment later): 400
        /// code 1 `Session ID unknown`, what the reference answers once it has forgotten the session.
        case sessionClosed
    }

    /// What sending one application frame requires (the hot path: no array allocated).
    enum SendAction: Sendable, Hashable {
        /// Write the frame to the WebSocket (volatile frames may be dropped when it is not writable).
        case writeWebSocket(EngineFrame)
        /// Answer the held GET with the frame.
        case answerParkedPoll(EngineFrame)
        /// Queued for the next GET.
        case queued
        /// Dropped: a volatile frame with no ready transport, or the session is closing or closed.
        case dropped
        /// The outbound buffer is full: the session closes with these actions.
        case overflow([Action])
    }

    private(set) var state: State
    private var queue: EngineOutboundQueue
    private let timing: EngineSessionTiming
    private let allowUpgrades: Bool
    /// The open packet, until ``open(on:now:)`` hands it out (then dropped: a session lives long).
    private var openFrame: EngineFrame?
    /// What went wrong when the session ended for a transport reason, in the reference's words where
    /// it has them (`poll connection closed prematurely`, `overlap from client`, …); nil otherwise.
    private(set) var closeDescription: String?

    /// A new session in `handshaking`. `openFrame` is the `0{…}` packet to send first.
    init(
        now: NIODeadline,
        timing: EngineSessionTiming,
        openFrame: EngineFrame,
        allowUpgrades: Bool,
        maxBufferedBytes: Int
    ) {
        self.state = .handshaking(deadline: now + timing.handshakeTimeout)
        self.queue = EngineOutboundQueue(maxBytes: maxBufferedBytes)
        self.timing = timing
        self.allowUpgrades = allowUpgrades
        self.openFrame = openFrame
    }

    /// The earliest instant at which ``timerFired(now:)`` has something to do; nil once closed.
    var nextDeadline: NIODeadline? {
        switch self.state {
        case .handshaking(let deadline), .closing(let deadline): return deadline
        case .polling(let open), .websocket(let open): return open.heartbeat.deadline
        case .upgrading(let open, let upgrade):
            return min(open.heartbeat.deadline, upgrade.deadline, upgrade.probedPollDeadline ?? upgrade.deadline)
        case .closed: return nil
        }
    }

    /// True once the session has ended or is ending.
    var isClosingOrClosed: Bool {
        switch self.state {
        case .closing, .closed: return true
        default: return false
        }
    }

    /// The transport the session currently sends on, nil while handshaking or after it ended.
    var transport: Transport? {
        switch self.state {
        case .polling, .upgrading: return .polling
        case .websocket: return .websocket
        case .handshaking, .closing, .closed: return nil
        }
    }

    /// The number of bytes waiting for a polling GET.
    var bufferedBytes: Int { self.queue.byteCount }

    // MARK: - Opening

    /// The session's first transport is ready: send the open packet. Over polling the open packet is
    /// queued; the handshake GET then calls ``pollRequested(now:)`` and carries it.
    mutating func open(on transport: Transport, now: NIODeadline) -> [Action] {
        guard case .handshaking = self.state else {
            preconditionFailure("open(on:) called in state \(self.state)")
        }
        let open = Open(heartbeat: EngineHeartbeat(startingAt: now, timing: self.timing))
        guard let openFrame = self.openFrame else { preconditionFailure("open(on:) without an open packet") }
        self.openFrame = nil
        // Frames the application sent before the open packet go out right after it.
        switch transport {
        case .polling:
            self.queue.forcePrepend(openFrame)
            self.state = .polling(open)
            return []
        case .websocket:
            self.state = .websocket(open)
            return [.writeWebSocket([openFrame] + self.queue.drain())]
        }
    }

    // MARK: - Polling

    /// A polling GET arrived.
    mutating func pollRequested(now: NIODeadline) -> [Action] {
        switch self.state {
        case .polling(var open):
            if open.getParked {
                // Overlap: the held GET receives the close packet, this one a 400.
                return [.rejectPoll(.overlap)] + self.closeNow(.transportError, description: "overlap from client")
            }
            if self.queue.isEmpty {
                open.getParked = true
                self.state = .polling(open)
                return [.parkPoll]
            }
            return [.answerPoll(self.queue.drain())]

        case .upgrading(var open, let upgrade):
            if open.getParked {
                return [.rejectPoll(.overlap)] + self.closeNow(.transportError, description: "overlap from client")
            }
            if !self.queue.isEmpty { return [.answerPoll(self.queue.drain())] }
            var upgrade = upgrade
            if upgrade.probed { upgrade.probedPollDeadline = now + Self.probedPollHold }
            open.getParked = true
            self.state = .upgrading(open, upgrade)
            return [.parkPoll]

        case .closing:
            self.state = .closed
            return [.answerPoll(self.queue.drain()), .finish]

        case .closed:
            return [.rejectPoll(.sessionClosed)]

        case .websocket, .handshaking:
            return [.rejectPoll(.transportMismatch)]
        }
    }

    /// The client's connection holding the parked GET went away.
    mutating func parkedPollAbandoned(now: NIODeadline) -> [Action] {
        switch self.state {
        case .polling(var open) where open.getParked:
            open.getParked = false
            self.state = .polling(open)
            return self.closeNow(.transportError, description: "poll connection closed prematurely")
        case .upgrading(var open, let upgrade) where open.getParked:
            open.getParked = false
            self.state = .upgrading(open, upgrade)
            return self.closeNow(.transportError, description: "poll connection closed prematurely")
        default:
            return []
        }
    }

    /// A polling POST started (its headers arrived). Overlapping POSTs close the session.
    mutating func postStarted(now: NIODeadline) -> [Action] {
        switch self.state {
        case .polling(var open):
            if open.postInFlight { return [.rejectPost(.overlap)] + self.closeNow(.transportError, description: "data request overlap from client") }
            open.postInFlight = true
            self.state = .polling(open)
            return []
        case .upgrading(var open, let upgrade):
            if open.postInFlight { return [.rejectPost(.overlap)] + self.closeNow(.transportError, description: "data request overlap from client") }
            open.postInFlight = true
            self.state = .upgrading(open, upgrade)
            return []
        case .closing:
            return []
        case .closed:
            return [.rejectPost(.sessionClosed)]
        case .websocket, .handshaking:
            return [.rejectPost(.transportMismatch)]
        }
    }

    /// The body of the current POST arrived whole.
    mutating func postCompleted(body: ByteBuffer, now: NIODeadline) -> [Action] {
        guard self.endPost() else {
            return self.isClosingOrClosed ? [.answerPost] : [.rejectPost(.transportMismatch)]
        }
        let packets: [EngineInboundPacket]
        do {
            packets = try EnginePayloadCodec.decode(body)
        } catch {
            return [.answerPost] + self.closeNow(.parseError)
        }
        var actions: [Action] = [.answerPost]
        for packet in packets {
            actions += self.receive(packet, now: now)
            if self.isClosingOrClosed { break }
        }
        return actions
    }

    /// The current POST's body passed maxHttpBufferSize: 413, and the session closes.
    mutating func postTooLarge(now: NIODeadline) -> [Action] {
        _ = self.endPost()
        if self.isClosingOrClosed { return [.rejectPost(.payloadTooLarge)] }
        return [.rejectPost(.payloadTooLarge)] + self.closeNow(.transportError, description: "payload too large")
    }

    /// The current POST's connection went away before its body was complete: like a dropped poll, the
    /// session closes with `transport error` (as the reference does).
    mutating func postAbandoned(now: NIODeadline) -> [Action] {
        guard self.endPost() else { return [] }
        return self.closeNow(.transportError, description: "data request connection closed prematurely")
    }

    private mutating func endPost() -> Bool {
        switch self.state {
        case .polling(var open) where open.postInFlight:
            open.postInFlight = false
            self.state = .polling(open)
            return true
        case .upgrading(var open, let upgrade) where open.postInFlight:
            open.postInFlight = false
            self.state = .upgrading(open, upgrade)
            return true
        default:
            return false
        }
    }

    // MARK: - WebSocket

    /// A WebSocket for this session asks to upgrade it (it will send `2probe`, then `5`).
    mutating func probeAttached(now: NIODeadline) -> [Action] {
        guard self.allowUpgrades, case .polling(let open) = self.state else { return [.closeProbe] }
        self.state = .upgrading(open, Upgrade(deadline: now + self.timing.upgradeTimeout))
        return []
    }

    /// A packet arrived on the probe WebSocket.
    mutating func probeReceived(_ packet: EngineInboundPacket, now: NIODeadline) -> [Action] {
        guard case .upgrading(var open, var upgrade) = self.state else { return [.closeProbe] }
        switch packet {
        case .control(.ping, "probe") where !upgrade.probed:
            upgrade.probed = true
            var actions: [Action] = [.writeProbe(.probePong)]
            if open.getParked {
                open.getParked = false
                actions.append(.answerParkedPoll([.noop]))
            }
            self.state = .upgrading(open, upgrade)
            return actions
        case .control(.upgrade, _):
            var actions: [Action] = []
            if open.getParked {
                // Only a GET held after the probe can still be here: the client sent it after `5`
                // (a client pauses polling before it sends `5`), so it is refused as on WebSocket.
                open.getParked = false
                actions.append(upgrade.probed ? .rejectParkedPoll(.transportMismatch) : .answerParkedPoll([.noop]))
            }
            open.postInFlight = false
            self.state = .websocket(open)
            actions.append(.promoteProbe)
            if !self.queue.isEmpty { actions.append(.writeWebSocket(self.queue.drain())) }
            actions.append(.notifyUpgraded)
            return actions
        default:
            self.state = .polling(open)
            return [.closeProbe]
        }
    }

    /// The probe WebSocket closed before the upgrade completed; the session stays on polling.
    mutating func probeClosed(now: NIODeadline) -> [Action] {
        guard case .upgrading(let open, _) = self.state else { return [] }
        self.state = .polling(open)
        return []
    }

    /// A packet arrived on the session's own WebSocket.
    mutating func webSocketReceived(_ packet: EngineInboundPacket, now: NIODeadline) -> [Action] {
        guard case .websocket = self.state else { return [] }
        return self.receive(packet, now: now)
    }

    /// A frame on the session's WebSocket could not be decoded.
    mutating func webSocketReceivedGarbage(now: NIODeadline) -> [Action] {
        guard case .websocket = self.state else { return [] }
        return self.closeNow(.parseError)
    }

    /// The session's own WebSocket closed or failed.
    mutating func webSocketClosed(failed: Bool, now: NIODeadline) -> [Action] {
        guard case .websocket = self.state else { return [] }
        return self.closeNow(failed ? .transportError : .transportClose, description: failed ? "websocket error" : nil, transportGone: true)
    }

    // MARK: - Inbound packets (either transport)

    private mutating func receive(_ packet: EngineInboundPacket, now: NIODeadline) -> [Action] {
        switch packet {
        case .message(let message):
            return [.deliver(message)]
        case .control(.pong, _):
            self.updateOpen { $0.heartbeat.pongReceived(now: now) }
            return []
        case .control(.close, _):
            // The client closes: a held GET gets a `noop`, as the reference's polling transport
            // answers it on close (the client knows it is closing; a later GET gets code 1).
            return self.closeNow(.transportClose, parkedPollAnswer: .noop)
        case .control(.ping, _):
            // v4 heartbeats go from the server; a client ping is a protocol violation.
            return self.closeNow(.transportError, description: "unexpected ping from client")
        case .control(.open, _), .control(.upgrade, _), .control(.noop, _), .control(.message, _):
            return []
        }
    }

    private mutating func updateOpen(_ body: (inout Open) -> Void) {
        switch self.state {
        case .polling(var open):
            body(&open)
            self.state = .polling(open)
        case .upgrading(var open, let upgrade):
            body(&open)
            self.state = .upgrading(open, upgrade)
        case .websocket(var open):
            body(&open)
            self.state = .websocket(open)
        case .handshaking, .closing, .closed:
            break
        }
    }

    // MARK: - Sending

    /// The application sends `frame`. Volatile frames are dropped when no transport is ready for them.
    mutating func send(_ frame: EngineFrame, volatile: Bool = false) -> SendAction {
        switch self.state {
        case .websocket:
            return .writeWebSocket(frame)
        case .polling(var open):
            if open.getParked {
                open.getParked = false
                self.state = .polling(open)
                return .answerParkedPoll(frame)
            }
            return self.enqueue(frame, volatile: volatile)
        case .upgrading(var open, let upgrade):
            if open.getParked {
                open.getParked = false
                self.state = .upgrading(open, upgrade)
                return .answerParkedPoll(frame)
            }
            return self.enqueue(frame, volatile: volatile)
        case .handshaking:
            return self.enqueue(frame, volatile: volatile)
        case .closing, .closed:
            return .dropped
        }
    }

    private mutating func enqueue(_ frame: EngineFrame, volatile: Bool) -> SendAction {
        if volatile { return .dropped }
        if self.queue.append(frame) { return .queued }
        return .overflow(self.closeNow(.transportError, description: "send buffer full"))
    }

    // MARK: - Closing and time

    /// The server closes the session. Over polling without a held GET, the close packet waits for the
    /// client's next GET until closeTimeout.
    mutating func close(now: NIODeadline) -> [Action] {
        switch self.state {
        case .polling(let open), .upgrading(let open, _):
            var actions: [Action] = []
            if case .upgrading = self.state { actions.append(.closeProbe) }
            self.queue.forceAppend(.close)
            if open.getParked {
                self.state = .closed
                actions += [.answerParkedPoll(self.queue.drain()), .notifyClosed(.forcedClose), .finish]
            } else {
                self.state = .closing(deadline: now + self.timing.closeTimeout)
                actions.append(.notifyClosed(.forcedClose))
            }
            return actions
        case .websocket:
            // Like the reference, a WebSocket gets a close frame only (no `1` packet): a client that
            // sees the transport close reconnects, which is what a server shutdown behind a balancer needs.
            self.state = .closed
            return [.closeWebSocket, .notifyClosed(.forcedClose), .finish]
        case .handshaking:
            self.state = .closed
            return [.notifyClosed(.forcedClose), .finish]
        case .closing, .closed:
            return []
        }
    }

    /// The server goes away (a shutdown) and the client should reconnect, to another node: no `1`
    /// close packet, which some clients (python-engineio) take as final. A held GET gets what is queued
    /// (or a `noop`) and the session ends, so the client's next request gets `Session ID unknown` and
    /// it reconnects; without a held GET, queued messages wait for the next GET until closeTimeout.
    /// A WebSocket gets a close frame only, as in ``close(now:)``.
    mutating func drain(now: NIODeadline) -> [Action] {
        switch self.state {
        case .polling(let open), .upgrading(let open, _):
            var actions: [Action] = []
            if case .upgrading = self.state { actions.append(.closeProbe) }
            if open.getParked {
                let frames = self.queue.drain()
                self.state = .closed
                actions += [.answerParkedPoll(frames.isEmpty ? [.noop] : frames), .notifyClosed(.forcedClose), .finish]
            } else if self.queue.isEmpty {
                self.state = .closed
                actions += [.notifyClosed(.forcedClose), .finish]
            } else {
                self.state = .closing(deadline: now + self.timing.closeTimeout)
                actions.append(.notifyClosed(.forcedClose))
            }
            return actions
        case .websocket, .handshaking, .closing, .closed:
            return self.close(now: now)
        }
    }

    /// The session's timer fired; does whatever deadlines have passed.
    mutating func timerFired(now: NIODeadline) -> [Action] {
        switch self.state {
        case .handshaking(let deadline):
            return now >= deadline ? self.closeNow(.transportError, description: "handshake timeout") : []
        case .closing(let deadline):
            guard now >= deadline else { return [] }
            self.state = .closed
            return [.finish]
        case .closed:
            return []
        case .upgrading(let open, let upgrade) where now >= upgrade.deadline:
            self.state = .polling(open)
            return [.closeProbe] + self.heartbeatTick(now: now)
        case .upgrading(var open, var upgrade) where upgrade.probedPollDeadline.map { now >= $0 } ?? false:
            upgrade.probedPollDeadline = nil
            var actions: [Action] = []
            if open.getParked {
                open.getParked = false
                actions.append(.answerParkedPoll([.noop]))
            }
            self.state = .upgrading(open, upgrade)
            return actions + self.heartbeatTick(now: now)
        case .polling, .upgrading, .websocket:
            return self.heartbeatTick(now: now)
        }
    }

    private mutating func heartbeatTick(now: NIODeadline) -> [Action] {
        var result = EngineHeartbeat.TickResult.nothing
        self.updateOpen { result = $0.heartbeat.tick(now: now) }
        switch result {
        case .nothing:
            return []
        case .timedOut:
            return self.closeNow(.pingTimeout)
        case .sendPing:
            switch self.send(.ping) {
            case .writeWebSocket(let frame): return [.writeWebSocket([frame])]
            case .answerParkedPoll(let frame): return [.answerParkedPoll([frame])]
            case .queued, .dropped: return []
            case .overflow(let actions): return actions
            }
        }
    }

    /// Ends the session at once for a transport-level reason; a held GET gets `parkedPollAnswer` (the
    /// close packet, unless the client itself is closing).
    private mutating func closeNow(
        _ reason: EngineCloseReason,
        description: String? = nil,
        transportGone: Bool = false,
        parkedPollAnswer: EngineFrame = .close
    ) -> [Action] {
        var actions: [Action] = []
        switch self.state {
        case .polling(let open):
            if open.getParked { actions.append(.answerParkedPoll([parkedPollAnswer])) }
        case .upgrading(let open, _):
            actions.append(.closeProbe)
            if open.getParked { actions.append(.answerParkedPoll([parkedPollAnswer])) }
        case .websocket:
            if !transportGone { actions.append(.closeWebSocket) }
        case .handshaking:
            break
        case .closing:
            self.state = .closed
            return [.finish]
        case .closed:
            return []
        }
        _ = self.queue.drain()
        self.state = .closed
        self.closeDescription = description
        actions += [.notifyClosed(reason), .finish]
        return actions
    }
}
