import Logging
import NIOCore
import NIOWebSocket

/// Receives what happens to one session. Every call arrives on the session's event loop.
public protocol EngineSessionHandler: AnyObject {
    /// A message arrived from the client.
    func engineSession(_ session: EngineSession, didReceive message: EngineMessage)
    /// The session ended (called once). Nothing sent afterwards is delivered.
    func engineSession(_ session: EngineSession, didCloseWith reason: EngineCloseReason)
    /// The session moved from polling to WebSocket.
    func engineSessionDidUpgrade(_ session: EngineSession)
}

extension EngineSessionHandler {
    /// Does nothing by default.
    public func engineSessionDidUpgrade(_ session: EngineSession) {}
}

/// One Engine.IO session: the I/O shell around ``EngineSessionStateMachine``.
///
/// A session is pinned to one event loop; all its state lives there, so it needs no locks. Requests and
/// frames that arrive on other loops hop to it. Public methods may be called from any thread; methods
/// named `…OnEventLoop` must be called on ``eventLoop``.
public final class EngineSession: @unchecked Sendable {
    /// The session id (`sid`).
    public let id: String
    /// The loop that owns this session.
    public let eventLoop: any EventLoop
    /// The handshake request that created the session.
    public let handshake: EngineHandshakeRequest

    /// Receives messages and the close event; set it on the event loop, typically in the server's
    /// connection callback.
    public var handler: (any EngineSessionHandler)?

    private var machine: EngineSessionStateMachine
    private var parkedPoll: EngineHTTPExchange?
    private var webSocket: EngineWebSocketTransport?
    private var probe: EngineWebSocketTransport?
    /// The armed timer callback (the session itself is its handler) and when it fires. It is only
    /// re-armed when the machine's deadline moves *earlier*; a later deadline (the usual case: the next
    /// ping) is picked up when the armed one fires, so messages never pay for a cancel.
    private var timer: NIOScheduledCallback?
    private var timerDeadline: NIODeadline?
    private weak var registry: EngineSessionRegistry?
    private let statistics: EngineStatistics
    /// The transport counted in the statistics' per-transport gauges.
    private var countedTransport: EngineSessionStateMachine.Transport?
    private var closeReason: EngineCloseReason?
    private let logger: Logger
    /// The close code the session's WebSocket gets when the server closes it.
    private var webSocketCloseCode: WebSocketErrorCode = .normalClosure

    init(
        id: String,
        eventLoop: any EventLoop,
        handshake: EngineHandshakeRequest,
        configuration: EngineServerConfiguration,
        registry: EngineSessionRegistry,
        statistics: EngineStatistics,
        initialTransport: EngineServerConfiguration.TransportKind,
        now: NIODeadline
    ) {
        self.statistics = statistics
        self.logger = configuration.logger
        self.id = id
        self.eventLoop = eventLoop
        self.handshake = handshake
        self.registry = registry
        // `upgrades` lists what the first transport may upgrade to: nothing for a WebSocket session.
        let upgrades = initialTransport == .polling && configuration.allowUpgrades && configuration.transports.contains(.websocket)
        self.machine = EngineSessionStateMachine(
            now: now,
            timing: configuration.timing,
            openFrame: Self.openFrame(id: id, configuration: configuration, upgrades: upgrades),
            allowUpgrades: upgrades,
            maxBufferedBytes: configuration.maxBufferedBytes
        )
    }

    private static func openFrame(id: String, configuration: EngineServerConfiguration, upgrades: Bool) -> EngineFrame {
        let timing = configuration.timing
        let json =
            "{\"sid\":\(JSONString.quote(id)),\"upgrades\":\(upgrades ? "[\"websocket\"]" : "[]")"
            + ",\"pingInterval\":\(timing.pingInterval.nanoseconds / 1_000_000)"
            + ",\"pingTimeout\":\(timing.pingTimeout.nanoseconds / 1_000_000)"
            + ",\"maxPayload\":\(configuration.maxHTTPBufferSize)}"
        return .control(.open, json)
    }

    /// The transport the session currently sends on (nil once it is closing). Read it on
    /// ``eventLoop``: elsewhere the session's state cannot be read safely, and the answer is nil.
    public var transportOnEventLoop: EngineServerConfiguration.TransportKind? {
        guard self.eventLoop.inEventLoop else { return nil }
        switch self.machine.transport {
        case .polling: return .polling
        case .websocket: return .websocket
        case nil: return nil
        }
    }

    /// Why the session ended, once it has. Read it on ``eventLoop`` (nil elsewhere).
    public var closeReasonOnEventLoop: EngineCloseReason? {
        guard self.eventLoop.inEventLoop else { return nil }
        return self.closeReason
    }

    /// What went wrong, for a session that ended with ``EngineCloseReason/transportError``: the
    /// reference's wording where it has one (`poll connection closed prematurely`, `overlap from
    /// client`, `websocket error`, …). nil for other reasons, before the end, and off ``eventLoop``.
    public var closeDescriptionOnEventLoop: String? {
        guard self.eventLoop.inEventLoop, self.closeReason != nil else { return nil }
        return self.machine.closeDescription
    }

    // MARK: - Application API

    /// Sends a frame to the client. Volatile frames are dropped when the transport cannot take them now.
    public func send(_ frame: EngineFrame, volatile: Bool = false) {
        if self.eventLoop.inEventLoop {
            self.sendOnEventLoop(frame, volatile: volatile)
        } else {
            self.eventLoop.execute { self.sendOnEventLoop(frame, volatile: volatile) }
        }
    }

    /// Sends a text message.
    public func send(text: String) { self.send(.message(text)) }

    /// Sends a binary message.
    public func send(binary: ByteBuffer) { self.send(.message(binary: binary)) }

    /// ``send(_:volatile:)`` for callers already on ``eventLoop`` (no hop; called elsewhere, it hops).
    public func sendOnEventLoop(_ frame: EngineFrame, volatile: Bool = false) {
        guard self.eventLoop.inEventLoop else {
            self.eventLoop.execute { self.sendOnEventLoop(frame, volatile: volatile) }
            return
        }
        switch self.machine.send(frame, volatile: volatile) {
        case .writeWebSocket(let frame):
            guard let webSocket = self.webSocket else { return }
            if volatile && !webSocket.isWritable {
                self.statistics.volatileDropped.wrappingIncrement(ordering: .relaxed)
                return
            }
            self.countSent(frame)
            webSocket.write(frame)
        case .answerParkedPoll(let frame):
            self.countSent(frame)
            self.answerParkedPoll([frame])
        case .queued:
            self.countSent(frame)
        case .dropped:
            if volatile { self.statistics.volatileDropped.wrappingIncrement(ordering: .relaxed) }
        case .overflow(let actions):
            self.perform(actions)
        }
    }

    private func countSent(_ frame: EngineFrame) {
        self.statistics.messagesSent.wrappingIncrement(ordering: .relaxed)
        self.statistics.bytesSent.wrappingIncrement(by: frame.byteCount, ordering: .relaxed)
    }

    /// Keeps the per-transport gauges equal to the machine's transport.
    private func updateTransportGauges() {
        let transport = self.machine.transport
        guard transport != self.countedTransport else { return }
        switch self.countedTransport {
        case .polling: self.statistics.pollingSessions.wrappingDecrement(ordering: .relaxed)
        case .websocket: self.statistics.webSocketSessions.wrappingDecrement(ordering: .relaxed)
        case nil: break
        }
        switch transport {
        case .polling: self.statistics.pollingSessions.wrappingIncrement(ordering: .relaxed)
        case .websocket: self.statistics.webSocketSessions.wrappingIncrement(ordering: .relaxed)
        case nil: break
        }
        self.countedTransport = transport
    }

    /// Closes the session from the server side (reason `forced close`). With `goingAway` (a server
    /// shutting down) the client is left to reconnect elsewhere: a WebSocket is closed with code 1001
    /// instead of 1000, and a polling client gets no `1` close packet (a held GET gets a `noop` or
    /// what was queued; its next request finds the session gone).
    public func close(goingAway: Bool = false) {
        if self.eventLoop.inEventLoop {
            self.closeOnEventLoop(goingAway: goingAway)
        } else {
            self.eventLoop.execute { self.closeOnEventLoop(goingAway: goingAway) }
        }
    }

    private func closeOnEventLoop(goingAway: Bool) {
        if goingAway {
            self.webSocketCloseCode = .goingAway
            self.perform(self.machine.drain(now: self.eventLoop.now))
        } else {
            self.perform(self.machine.close(now: self.eventLoop.now))
        }
    }

    // MARK: - Transport events (on the event loop)

    func openOnEventLoop(polling exchange: EngineHTTPExchange) {
        self.statistics.pollingHandshakes.wrappingIncrement(ordering: .relaxed)
        self.perform(self.machine.open(on: .polling, now: self.eventLoop.now))
        self.handlePollOnEventLoop(exchange)
    }

    func openOnEventLoop(webSocket: EngineWebSocketTransport) {
        self.webSocket = webSocket
        self.statistics.webSocketHandshakes.wrappingIncrement(ordering: .relaxed)
        self.perform(self.machine.open(on: .websocket, now: self.eventLoop.now))
    }

    func handlePollOnEventLoop(_ exchange: EngineHTTPExchange) {
        self.perform(self.machine.pollRequested(now: self.eventLoop.now), exchange: exchange)
    }

    func pollExchangeClosedOnEventLoop(_ exchange: EngineHTTPExchange) {
        guard self.parkedPoll === exchange else { return }
        self.parkedPoll = nil
        self.perform(self.machine.parkedPollAbandoned(now: self.eventLoop.now))
    }

    func beginPostOnEventLoop(_ exchange: EngineHTTPExchange) -> Bool {
        let actions = self.machine.postStarted(now: self.eventLoop.now)
        self.perform(actions, exchange: exchange)
        return actions.isEmpty
    }

    func completePostOnEventLoop(body: ByteBuffer, exchange: EngineHTTPExchange) {
        self.perform(self.machine.postCompleted(body: body, now: self.eventLoop.now), exchange: exchange)
    }

    func postTooLargeOnEventLoop(_ exchange: EngineHTTPExchange) {
        self.perform(self.machine.postTooLarge(now: self.eventLoop.now), exchange: exchange)
    }

    func postAbandonedOnEventLoop() {
        self.perform(self.machine.postAbandoned(now: self.eventLoop.now))
    }

    func attachProbeOnEventLoop(_ transport: EngineWebSocketTransport) {
        let actions = self.machine.probeAttached(now: self.eventLoop.now)
        if actions.isEmpty {
            self.probe = transport
        } else {
            transport.close(code: .normalClosure)
        }
    }

    func webSocketReceivedOnEventLoop(_ packet: EngineInboundPacket, from transport: EngineWebSocketTransport) {
        if transport === self.webSocket {
            self.perform(self.machine.webSocketReceived(packet, now: self.eventLoop.now))
        } else if transport === self.probe {
            self.perform(self.machine.probeReceived(packet, now: self.eventLoop.now))
        }
    }

    func webSocketReceivedGarbageOnEventLoop(from transport: EngineWebSocketTransport) {
        if transport === self.webSocket {
            self.perform(self.machine.webSocketReceivedGarbage(now: self.eventLoop.now))
        } else if transport === self.probe {
            self.perform(self.machine.probeReceived(.control(.noop, "invalid"), now: self.eventLoop.now))
        }
    }

    func webSocketClosedOnEventLoop(_ transport: EngineWebSocketTransport, failed: Bool) {
        if transport === self.webSocket {
            self.webSocket = nil
            self.perform(self.machine.webSocketClosed(failed: failed, now: self.eventLoop.now))
        } else if transport === self.probe {
            self.probe = nil
            self.perform(self.machine.probeClosed(now: self.eventLoop.now))
        }
    }

    // MARK: - Performing actions

    private func perform(_ actions: [EngineSessionStateMachine.Action], exchange: EngineHTTPExchange? = nil) {
        for action in actions {
            switch action {
            case .parkPoll:
                self.parkedPoll = exchange
            case .answerPoll(let frames):
                exchange?.answer(frames: frames)
            case .answerParkedPoll(let frames):
                self.answerParkedPoll(frames)
            case .rejectPoll(let rejection), .rejectPost(let rejection):
                exchange?.reject(rejection)
            case .rejectParkedPoll(let rejection):
                let parked = self.parkedPoll
                self.parkedPoll = nil
                parked?.reject(rejection)
            case .answerPost:
                exchange?.answerOK()
            case .writeWebSocket(let frames):
                for frame in frames { self.webSocket?.write(frame) }
            case .writeProbe(let frame):
                self.probe?.write(frame)
            case .closeProbe:
                self.probe?.close(code: .normalClosure)
                self.probe = nil
            case .promoteProbe:
                self.webSocket = self.probe
                self.probe = nil
            case .closeWebSocket:
                self.webSocket?.close(code: self.webSocketCloseCode)
                self.webSocket = nil
            case .deliver(let message):
                self.statistics.messagesReceived.wrappingIncrement(ordering: .relaxed)
                switch message {
                case .text(let text): self.statistics.bytesReceived.wrappingIncrement(by: text.utf8.count, ordering: .relaxed)
                case .binary(let bytes): self.statistics.bytesReceived.wrappingIncrement(by: bytes.readableBytes, ordering: .relaxed)
                }
                self.handler?.engineSession(self, didReceive: message)
            case .notifyUpgraded:
                self.statistics.upgrades.wrappingIncrement(ordering: .relaxed)
                self.handler?.engineSessionDidUpgrade(self)
            case .notifyClosed(let reason):
                self.statistics.closesByReason[reason]?.wrappingIncrement(ordering: .relaxed)
                self.closeReason = reason
                self.logger.debug(
                    "session closed",
                    metadata: [
                        "engineio.sid": "\(self.id)", "engineio.reason": "\(reason)",
                        "engineio.description": "\(self.machine.closeDescription ?? "")",
                    ]
                )
                let handler = self.handler
                self.handler = nil
                handler?.engineSession(self, didCloseWith: reason)
            case .finish:
                self.finish()
            }
        }
        self.updateTransportGauges()
        self.rescheduleTimer()
    }

    private func answerParkedPoll(_ frames: [EngineFrame]) {
        let exchange = self.parkedPoll
        self.parkedPoll = nil
        exchange?.answer(frames: frames)
    }

    private func finish() {
        if let timer = self.timer { self.eventLoop.assumeIsolated().cancelScheduledCallback(timer) }
        self.timer = nil
        self.timerDeadline = nil
        self.probe?.close(code: .normalClosure)
        self.probe = nil
        self.webSocket?.close(code: .normalClosure)
        self.webSocket = nil
        self.registry?.remove(self)
    }

    private func rescheduleTimer() {
        guard let deadline = self.machine.nextDeadline else { return }  // an armed timer finds nothing due
        if let armed = self.timerDeadline, armed <= deadline { return }  // fires first; re-armed then
        let loop = self.eventLoop.assumeIsolated()
        if let timer = self.timer { loop.cancelScheduledCallback(timer) }
        // Throws only when the loop is shutting down, which ends the session anyway.
        self.timer = try? loop.scheduleCallback(at: deadline, handler: self)
        self.timerDeadline = self.timer == nil ? nil : deadline
    }
}

extension EngineSession: NIOScheduledCallbackHandler {
    /// The armed deadline came: the machine decides what is due (possibly nothing, if its deadline moved
    /// later meanwhile), and the timer is armed again for the next one.
    public func handleScheduledCallback(eventLoop: some EventLoop) {
        self.timer = nil
        self.timerDeadline = nil
        self.perform(self.machine.timerFired(now: self.eventLoop.now))  // re-arms for the next deadline
    }
}
