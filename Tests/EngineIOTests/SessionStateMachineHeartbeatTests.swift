import NIOCore
import XCTest

@testable import EngineIO

/// The server-driven heartbeat and the rule that every open state has a deadline.
final class SessionStateMachineHeartbeatTests: XCTestCase {
    func testPingOverPollingReleasesTheParkedGet() {
        var session = Recorded.polling()
        _ = session.poll(at(500))
        XCTAssertEqual(session.nextDeadline, at(1000))
        XCTAssertEqual(session.timer(at(999)), [], "an early timer does nothing")
        XCTAssertEqual(session.timer(at(1000)), [.answerParkedPoll([text("2")])])
        XCTAssertEqual(session.nextDeadline, at(1400), "the pong is due within pingTimeout")
    }

    func testPingOverPollingWithoutAParkedGetIsQueuedBehindEarlierFrames() {
        var session = Recorded.polling()
        XCTAssertEqual(session.send(text("4a")), .queued)
        XCTAssertEqual(session.timer(at(1000)), [])
        XCTAssertEqual(session.poll(at(1100)), [.answerPoll([text("4a"), text("2")])])
    }

    func testPingOverWebSocketIsWritten() {
        var session = Recorded.websocket()
        XCTAssertEqual(session.timer(at(1000)), [.writeWebSocket([text("2")])])
        XCTAssertEqual(session.nextDeadline, at(1400))
    }

    func testPongResetsTheHeartbeatToTheNextInterval() {
        var session = Recorded.websocket()
        _ = session.timer(at(1000))
        XCTAssertEqual(session.ws(.control(.pong, ""), at(1250)), [])
        XCTAssertEqual(session.nextDeadline, at(2250))
        XCTAssertEqual(session.timer(at(1400)), [], "the old pong deadline no longer applies")
        XCTAssertEqual(session.timer(at(2249)), [])
        XCTAssertEqual(session.timer(at(2250)), [.writeWebSocket([text("2")])])
        XCTAssertEqual(session.nextDeadline, at(2650))
    }

    func testSeveralHeartbeatCyclesKeepTheSessionAlive() {
        var session = Recorded.websocket()
        var now: Int64 = 0
        for _ in 0..<5 {
            now += 1000
            XCTAssertEqual(session.timer(at(now)), [.writeWebSocket([text("2")])])
            now += 399
            XCTAssertEqual(session.ws(.control(.pong, ""), at(now)), [])
        }
        XCTAssertEqual(session.notifyClosedCount, 0)
        XCTAssertEqual(session.machine.transport, .websocket)
    }

    func testMissingPongClosesWithPingTimeoutOverWebSocket() {
        var session = Recorded.websocket()
        _ = session.timer(at(1000))
        XCTAssertEqual(session.timer(at(1399)), [])
        XCTAssertEqual(session.timer(at(1400)), [.closeWebSocket, .notifyClosed(.pingTimeout), .finish])
        session.assertStaysClosed()
    }

    func testMissingPongClosesWithPingTimeoutOverPollingAndReleasesTheParkedGet() {
        var session = Recorded.polling()
        _ = session.poll(at(500))
        _ = session.timer(at(1000))  // answers the parked GET with the ping
        XCTAssertEqual(session.poll(at(1010)), [.parkPoll], "the client polls again but never answers")
        XCTAssertEqual(
            session.timer(at(1400)),
            [.answerParkedPoll([text("1")]), .notifyClosed(.pingTimeout), .finish]
        )
        session.assertStaysClosed()
    }

    func testMissingPongTimeoutIsMeasuredFromAnOverdueTimer() {
        var session = Recorded.websocket()
        XCTAssertEqual(session.timer(at(1050)), [.writeWebSocket([text("2")])], "a late timer still sends the ping")
        XCTAssertEqual(session.timer(at(1449)), [])
        XCTAssertEqual(session.timer(at(1450)), [.closeWebSocket, .notifyClosed(.pingTimeout), .finish])
    }

    func testUnsolicitedPongDoesNotPostponeThePing() {
        var session = Recorded.websocket()
        XCTAssertEqual(session.ws(.control(.pong, ""), at(500)), [])
        XCTAssertEqual(session.nextDeadline, at(1000))
        XCTAssertEqual(session.timer(at(1000)), [.writeWebSocket([text("2")])])

        var polling = Recorded.polling()
        XCTAssertEqual(polling.post("3", at(900)), [.answerPost])
        XCTAssertEqual(polling.nextDeadline, at(1000))
    }

    func testSecondPongDoesNotPostponeTheFollowingPing() {
        var session = Recorded.websocket()
        _ = session.timer(at(1000))
        _ = session.ws(.control(.pong, ""), at(1100))
        _ = session.ws(.control(.pong, ""), at(1900))
        XCTAssertEqual(session.nextDeadline, at(2100))
    }

    func testPingThatOverflowsTheQueueClosesTheSession() {
        // 7-byte limit: "4abcdef" fills it, the 1-byte ping no longer fits.
        var session = Recorded.polling(maxBufferedBytes: 7)
        XCTAssertEqual(session.send(text("4abcdef")), .queued)
        XCTAssertEqual(session.timer(at(1000)), [.notifyClosed(.transportError), .finish])
    }

    // MARK: - Deadlines

    func testEveryStateButClosedHasADeadline() {
        // handshaking
        var session = Recorded(now: at(0))
        XCTAssertEqual(session.nextDeadline, at(200))
        // polling
        _ = session.open(.polling, at(0))
        XCTAssertEqual(session.nextDeadline, at(1000))
        // upgrading: the earlier of heartbeat and upgradeTimeout
        _ = session.probeAttached(at(100))
        XCTAssertEqual(session.nextDeadline, at(400))
        // websocket
        _ = session.probe(.control(.upgrade, ""), at(200))
        XCTAssertEqual(session.machine.transport, .websocket)
        XCTAssertEqual(session.nextDeadline, at(1000))

        // closing
        var closing = Recorded.polling()
        _ = closing.close(at(100))
        XCTAssertEqual(closing.nextDeadline, at(800))
        // closed
        _ = closing.timer(at(800))
        XCTAssertNil(closing.nextDeadline)
    }

    func testUpgradingDeadlineIsTheHeartbeatWhenThatComesFirst() {
        var session = Recorded.polling()
        _ = session.probeAttached(at(800))
        XCTAssertEqual(session.nextDeadline, at(1000), "ping at 1000 comes before the upgrade deadline at 1100")
    }

    /// Drives random event sequences (fixed seeds) through the machine and checks the whole-life rules:
    /// a deadline in every state but closed, a timer fired at the deadline always makes progress (a
    /// shell re-arming the same deadline would spin), notifyClosed and finish at most once and in that
    /// order, and nothing delivered after the close.
    func testRandomEventSequencesKeepTheLifecycleInvariants() {
        var visited: Set<String> = []
        for seed in UInt64(1)...300 {
            var rng = SplitMix64(seed: seed)
            var session = Recorded(now: at(0), allowUpgrades: seed % 5 != 0, maxBufferedBytes: 64)
            var now: Int64 = 0
            var opened = false
            if seed % 7 != 0 {
                // Most sessions open at once (a third of them on WebSocket); the rest may time out.
                _ = session.open(seed % 3 == 0 ? .websocket : .polling, at(0))
                opened = true
            }
            for step in 0..<60 {
                now += Int64(rng.next() % 450)
                let context = "seed \(seed) step \(step) state \(session.state)"
                let before = session.log.count
                switch rng.next() % 17 {
                case 0 where !opened && session.state == .handshaking(deadline: at(200)):
                    _ = session.open(rng.next() % 2 == 0 ? .polling : .websocket, at(now))
                    opened = true
                case 0, 1: _ = session.poll(at(now))
                case 2: _ = session.pollAbandoned(at(now))
                case 3: _ = session.postStarted(at(now))
                case 4:
                    let bodies = ["4m", "3", "1", "2", "x", "4a\u{1e}3", "6"]
                    _ = session.postCompleted(bodies[Int(rng.next() % UInt64(bodies.count))], at(now))
                case 5: _ = session.postTooLarge(at(now))
                case 6: _ = session.postAbandoned(at(now))
                case 7: _ = session.probeAttached(at(now))
                case 8:
                    let packets: [EngineInboundPacket] = [
                        .control(.ping, "probe"), .control(.upgrade, ""), .message(.text("p")),
                    ]
                    _ = session.probe(packets[Int(rng.next() % 3)], at(now))
                case 9: _ = session.probeClosed(at(now))
                case 10:
                    let packets: [EngineInboundPacket] = [.message(.text("w")), .control(.pong, ""), .control(.close, "")]
                    _ = session.ws(packets[Int(rng.next() % 3)], at(now))
                case 11: _ = session.wsClosed(failed: rng.next() % 2 == 0, at(now))
                case 12: _ = session.send(text("4payload"), volatile: rng.next() % 3 == 0)
                case 13 where rng.next() % 4 == 0: _ = session.close(at(now))
                case 14 where rng.next() % 8 == 0: _ = session.wsGarbage(at(now))
                default:
                    // Fire the timer exactly at its deadline, as the shell does.
                    if let deadline = session.nextDeadline {
                        now = max(now, Int64(deadline.uptimeNanoseconds / 1_000_000) - 10_000)
                        _ = session.timer(deadline)
                        XCTAssertNotEqual(session.nextDeadline, deadline, "timer made no progress: \(context)")
                    }
                }
                visited.insert(Self.stateName(session.state))
                let new = session.log[before...]
                XCTAssertEqual(session.nextDeadline == nil, session.isClosed, "deadline rule broken: \(context) after \(Array(new))")
                XCTAssertLessThanOrEqual(session.notifyClosedCount, 1, context)
                XCTAssertLessThanOrEqual(session.finishCount, 1, context)
                if session.finishCount == 1 {
                    XCTAssertTrue(session.isClosed, "finish before closed: \(context)")
                }
                if session.notifyClosedCount == 1 {
                    XCTAssertTrue(session.machine.isClosingOrClosed, context)
                }
            }
            // Whatever happened, the log never delivers after the close, nor finishes before notifying.
            if let closeIndex = session.log.firstIndex(where: { if case .notifyClosed = $0 { return true } else { return false } }) {
                XCTAssertFalse(
                    session.log[closeIndex...].contains { if case .deliver = $0 { return true } else { return false } },
                    "delivery after close, seed \(seed)"
                )
                if let finishIndex = session.log.firstIndex(of: .finish) {
                    XCTAssertLessThan(closeIndex, finishIndex, "finish before notifyClosed, seed \(seed)")
                }
            } else {
                XCTAssertEqual(session.finishCount, 0, "finished without telling the application, seed \(seed)")
            }
        }
        XCTAssertEqual(
            visited,
            ["handshaking", "polling", "upgrading", "websocket", "closing", "closed"],
            "the random walk must reach every state to mean anything"
        )
    }

    private static func stateName(_ state: EngineSessionStateMachine.State) -> String {
        switch state {
        case .handshaking: return "handshaking"
        case .polling: return "polling"
        case .upgrading: return "upgrading"
        case .websocket: return "websocket"
        case .closing: return "closing"
        case .closed: return "closed"
        }
    }
}
