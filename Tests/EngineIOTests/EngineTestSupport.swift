import NIOCore
import XCTest

@testable import EngineIO

// Shared helpers for the EngineIO tests: a fake clock (synthetic `NIODeadline`s), distinct test
// durations, frames built from their wire text, and a recorder around the session state machine.

/// The instant `ms` milliseconds after the test's time origin (10 s of uptime, so nothing is near zero).
func at(_ ms: Int64) -> NIODeadline {
    .uptimeNanoseconds(UInt64(10_000 + ms) * 1_000_000)
}

extension EngineSessionTiming {
    /// Short, pairwise distinct durations so every deadline assertion can tell them apart:
    /// ping every 1000 ms, pong within 400 ms, upgrade within 300 ms, close within 700 ms,
    /// open within 200 ms.
    static let test = EngineSessionTiming(
        pingInterval: .milliseconds(1000),
        pingTimeout: .milliseconds(400),
        upgradeTimeout: .milliseconds(300),
        closeTimeout: .milliseconds(700),
        handshakeTimeout: .milliseconds(200)
    )
}

/// A frame given by its exact wire text (`"2"`, `"3probe"`, `"4hello"`).
func text(_ wire: String) -> EngineFrame {
    EngineFrame(kind: .text, bytes: ByteBuffer(string: wire))
}

/// A binary frame holding `bytes`.
func binary(_ bytes: [UInt8]) -> EngineFrame {
    EngineFrame(kind: .binary, bytes: ByteBuffer(bytes: bytes))
}

/// The open packet the test machines send.
let testOpenFrame = text(#"0{"sid":"test-sid"}"#)

typealias Action = EngineSessionStateMachine.Action

/// Polling payload bytes from a string (use `\u{1e}` for the separator).
func payload(_ string: String) -> ByteBuffer {
    ByteBuffer(string: string)
}

/// The state machine plus every action it returned, so a test can check whole-life properties
/// ("notifyClosed exactly once") as well as single transitions.
struct Recorded {
    var machine: EngineSessionStateMachine
    private(set) var log: [Action] = []

    init(
        now: NIODeadline = at(0),
        timing: EngineSessionTiming = .test,
        allowUpgrades: Bool = true,
        maxBufferedBytes: Int = 1 << 20
    ) {
        self.machine = EngineSessionStateMachine(
            now: now,
            timing: timing,
            openFrame: testOpenFrame,
            allowUpgrades: allowUpgrades,
            maxBufferedBytes: maxBufferedBytes
        )
    }

    /// A session opened on polling at `now` whose handshake GET already carried the open packet.
    static func polling(
        now: NIODeadline = at(0),
        timing: EngineSessionTiming = .test,
        allowUpgrades: Bool = true,
        maxBufferedBytes: Int = 1 << 20,
        file: StaticString = #filePath,
        line: UInt = #line
    ) -> Recorded {
        var session = Recorded(now: now, timing: timing, allowUpgrades: allowUpgrades, maxBufferedBytes: maxBufferedBytes)
        XCTAssertEqual(session.open(.polling, now), [], file: file, line: line)
        XCTAssertEqual(session.poll(now), [.answerPoll([testOpenFrame])], file: file, line: line)
        return session
    }

    /// A session opened on WebSocket at `now`.
    static func websocket(
        now: NIODeadline = at(0),
        timing: EngineSessionTiming = .test,
        file: StaticString = #filePath,
        line: UInt = #line
    ) -> Recorded {
        var session = Recorded(now: now, timing: timing)
        XCTAssertEqual(session.open(.websocket, now), [.writeWebSocket([testOpenFrame])], file: file, line: line)
        return session
    }

    /// A polling session (opened at 0) with a probe WebSocket attached at `now` that has already
    /// exchanged `2probe`/`3probe`.
    static func probed(
        now: NIODeadline = at(100),
        timing: EngineSessionTiming = .test,
        file: StaticString = #filePath,
        line: UInt = #line
    ) -> Recorded {
        var session = Recorded.polling(timing: timing, file: file, line: line)
        XCTAssertEqual(session.probeAttached(now), [], file: file, line: line)
        XCTAssertEqual(session.probe(.control(.ping, "probe"), now), [.writeProbe(text("3probe"))], file: file, line: line)
        return session
    }

    var state: EngineSessionStateMachine.State { self.machine.state }
    var nextDeadline: NIODeadline? { self.machine.nextDeadline }
    var isClosed: Bool { self.machine.state == .closed }

    private mutating func record(_ actions: [Action]) -> [Action] {
        self.log += actions
        return actions
    }

    mutating func open(_ transport: EngineSessionStateMachine.Transport, _ now: NIODeadline) -> [Action] {
        self.record(self.machine.open(on: transport, now: now))
    }
    mutating func poll(_ now: NIODeadline) -> [Action] { self.record(self.machine.pollRequested(now: now)) }
    mutating func pollAbandoned(_ now: NIODeadline) -> [Action] { self.record(self.machine.parkedPollAbandoned(now: now)) }
    mutating func postStarted(_ now: NIODeadline) -> [Action] { self.record(self.machine.postStarted(now: now)) }
    mutating func postCompleted(_ body: String, _ now: NIODeadline) -> [Action] {
        self.record(self.machine.postCompleted(body: payload(body), now: now))
    }
    /// postStarted + postCompleted; returns the actions of both.
    mutating func post(_ body: String, _ now: NIODeadline) -> [Action] {
        self.postStarted(now) + self.postCompleted(body, now)
    }
    mutating func postTooLarge(_ now: NIODeadline) -> [Action] { self.record(self.machine.postTooLarge(now: now)) }
    mutating func postAbandoned(_ now: NIODeadline) -> [Action] { self.record(self.machine.postAbandoned(now: now)) }
    mutating func probeAttached(_ now: NIODeadline) -> [Action] { self.record(self.machine.probeAttached(now: now)) }
    mutating func probe(_ packet: EngineInboundPacket, _ now: NIODeadline) -> [Action] {
        self.record(self.machine.probeReceived(packet, now: now))
    }
    mutating func probeClosed(_ now: NIODeadline) -> [Action] { self.record(self.machine.probeClosed(now: now)) }
    mutating func ws(_ packet: EngineInboundPacket, _ now: NIODeadline) -> [Action] {
        self.record(self.machine.webSocketReceived(packet, now: now))
    }
    mutating func wsGarbage(_ now: NIODeadline) -> [Action] { self.record(self.machine.webSocketReceivedGarbage(now: now)) }
    mutating func wsClosed(failed: Bool, _ now: NIODeadline) -> [Action] {
        self.record(self.machine.webSocketClosed(failed: failed, now: now))
    }
    mutating func send(_ frame: EngineFrame, volatile: Bool = false) -> EngineSessionStateMachine.SendAction {
        let result = self.machine.send(frame, volatile: volatile)
        if case .overflow(let actions) = result { self.log += actions }
        return result
    }
    mutating func close(_ now: NIODeadline) -> [Action] { self.record(self.machine.close(now: now)) }
    mutating func drain(_ now: NIODeadline) -> [Action] { self.record(self.machine.drain(now: now)) }
    mutating func timer(_ now: NIODeadline) -> [Action] { self.record(self.machine.timerFired(now: now)) }

    /// How often the machine told the application the session closed, over its whole life.
    var notifyClosedCount: Int {
        self.log.filter { if case .notifyClosed = $0 { return true } else { return false } }.count
    }
    /// The reasons given, in order.
    var closeReasons: [EngineCloseReason] {
        self.log.compactMap { if case .notifyClosed(let reason) = $0 { return reason } else { return nil } }
    }
    var finishCount: Int { self.log.filter { $0 == .finish }.count }

    /// Pokes a closed machine with every event and asserts nothing more happens: no second
    /// notifyClosed, no finish, no delivery, no deadline, sends dropped.
    mutating func assertStaysClosed(file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(self.state, .closed, "not closed", file: file, line: line)
        let before = self.log.count
        let far = at(1_000_000)
        _ = self.poll(far)
        _ = self.pollAbandoned(far)
        _ = self.postStarted(far)
        _ = self.postCompleted("4late", far)
        _ = self.postTooLarge(far)
        _ = self.postAbandoned(far)
        _ = self.probeAttached(far)
        _ = self.probe(.control(.upgrade, ""), far)
        _ = self.probeClosed(far)
        _ = self.ws(.message(.text("late")), far)
        _ = self.wsGarbage(far)
        _ = self.wsClosed(failed: true, far)
        XCTAssertEqual(self.send(text("4late")), .dropped, file: file, line: line)
        _ = self.close(far)
        _ = self.timer(far)
        let after = Array(self.log[before...])
        for action in after {
            switch action {
            case .notifyClosed, .finish, .deliver, .notifyUpgraded, .parkPoll, .answerPoll, .answerParkedPoll, .rejectParkedPoll,
                .writeWebSocket, .writeProbe, .promoteProbe, .closeWebSocket:
                XCTFail("closed machine produced \(action)", file: file, line: line)
            case .rejectPoll, .rejectPost, .answerPost, .closeProbe:
                break
            }
        }
        XCTAssertNil(self.nextDeadline, file: file, line: line)
        XCTAssertEqual(self.state, .closed, file: file, line: line)
    }
}

/// A small deterministic generator (SplitMix64) for the randomized invariant test.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { self.state = seed }
    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
