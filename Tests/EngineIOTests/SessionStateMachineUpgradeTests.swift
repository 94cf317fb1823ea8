import NIOCore
import XCTest

@testable import EngineIO

/// polling ⇄ upgrading → websocket: the probe, the noop releases, `5`, and the upgrade deadline.
final class SessionStateMachineUpgradeTests: XCTestCase {
    // MARK: - Attaching a probe

    func testProbeIsAcceptedOnAPollingSession() {
        var session = Recorded.polling()
        XCTAssertEqual(session.probeAttached(at(100)), [])
        XCTAssertEqual(session.machine.transport, .polling, "the session keeps sending on polling until `5`")
        XCTAssertEqual(session.nextDeadline, at(400), "upgradeTimeout is armed")
    }

    func testProbeIsRefusedWhenUpgradesAreDisabled() {
        var session = Recorded.polling(allowUpgrades: false)
        XCTAssertEqual(session.probeAttached(at(100)), [.closeProbe])
        XCTAssertEqual(session.nextDeadline, at(1000), "still plain polling, no upgrade deadline")
        XCTAssertEqual(session.probe(.control(.ping, "probe"), at(110)), [.closeProbe], "no 3probe either")
    }

    func testSecondProbeIsRefusedAndDoesNotRestartTheUpgradeDeadline() {
        var session = Recorded.polling()
        _ = session.probeAttached(at(100))
        XCTAssertEqual(session.probeAttached(at(200)), [.closeProbe])
        XCTAssertEqual(session.nextDeadline, at(400))
    }

    func testProbeIsRefusedOnAWebSocketSession() {
        var session = Recorded.websocket()
        XCTAssertEqual(session.probeAttached(at(100)), [.closeProbe])
        XCTAssertEqual(session.machine.transport, .websocket)
    }

    func testProbeIsRefusedOnAClosingSession() {
        var session = Recorded.polling()
        _ = session.close(at(50))
        XCTAssertEqual(session.probeAttached(at(100)), [.closeProbe])
    }

    // MARK: - 2probe / 3probe and noop

    func testProbePingIsAnsweredAndTheParkedGetIsReleasedWithNoop() {
        var session = Recorded.polling()
        _ = session.poll(at(50))
        _ = session.probeAttached(at(100))
        XCTAssertEqual(
            session.probe(.control(.ping, "probe"), at(110)),
            [.writeProbe(text("3probe")), .answerParkedPoll([text("6")])]
        )
    }

    func testProbePingWithoutAParkedGetOnlyAnswers3probe() {
        var session = Recorded.polling()
        _ = session.probeAttached(at(100))
        XCTAssertEqual(session.probe(.control(.ping, "probe"), at(110)), [.writeProbe(text("3probe"))])
    }

    func testGetBeforeTheProbePingIsParkedAndSendsStillReachIt() {
        var session = Recorded.polling()
        _ = session.probeAttached(at(100))
        XCTAssertEqual(session.poll(at(110)), [.parkPoll])
        XCTAssertEqual(session.send(text("4x")), .answerParkedPoll(text("4x")))
    }

    func testAGetDuringAProbedUpgradeIsHeldAMomentThenAnsweredWithANoop() {
        // As the reference's 100-ms check does: the `5` may still be on its way.
        var session = Recorded.probed()
        XCTAssertEqual(session.poll(at(120)), [.parkPoll])
        XCTAssertEqual(session.nextDeadline, at(220))
        XCTAssertEqual(session.timer(at(219)), [])
        XCTAssertEqual(session.timer(at(220)), [.answerParkedPoll([text("6")])])
        XCTAssertEqual(session.poll(at(230)), [.parkPoll], "answered, so a new GET is no overlap")
        XCTAssertEqual(session.send(text("4a")), .answerParkedPoll(text("4a")), "a message releases it at once")
        XCTAssertEqual(session.send(text("4b")), .queued)
        XCTAssertEqual(session.poll(at(240)), [.answerPoll([text("4b")])], "the queue, not a noop")
        XCTAssertEqual(session.notifyClosedCount, 0)
    }

    func testAGetHeldWhenTheUpgradeCompletesIsRefusedAsOnWebSocket() {
        // The client sent it after `5` (it pauses polling before sending `5`); the `5` came first on
        // its own loop only by chance of scheduling.
        var session = Recorded.probed()
        XCTAssertEqual(session.poll(at(120)), [.parkPoll])
        XCTAssertEqual(
            session.probe(.control(.upgrade, ""), at(121)),
            [.rejectParkedPoll(.transportMismatch), .promoteProbe, .notifyUpgraded]
        )
        XCTAssertEqual(session.poll(at(122)), [.rejectPoll(.transportMismatch)])
        XCTAssertEqual(session.notifyClosedCount, 0)
    }

    func testPostsStillWorkDuringAnUpgrade() {
        var session = Recorded.probed()
        XCTAssertEqual(session.post("4during", at(150)), [.answerPost, .deliver(.text("during"))])
    }

    // MARK: - 5: the upgrade completes

    func testUpgradePacketPromotesTheProbe() {
        var session = Recorded.probed()
        XCTAssertEqual(session.probe(.control(.upgrade, ""), at(150)), [.promoteProbe, .notifyUpgraded])
        XCTAssertEqual(session.machine.transport, .websocket)
        XCTAssertEqual(session.send(text("4ws")), .writeWebSocket(text("4ws")))
    }

    func testUpgradeFlushesQueuedFramesToTheWebSocketInOrder() {
        var session = Recorded.probed()
        _ = session.send(text("4a"))
        _ = session.send(binary([9]))
        XCTAssertEqual(
            session.probe(.control(.upgrade, ""), at(150)),
            [.promoteProbe, .writeWebSocket([text("4a"), binary([9])]), .notifyUpgraded]
        )
        XCTAssertEqual(session.machine.bufferedBytes, 0)
    }

    func testUpgradeWithoutProbePingReleasesTheParkedGetWithNoop() {
        var session = Recorded.polling()
        _ = session.poll(at(50))
        _ = session.probeAttached(at(100))
        XCTAssertEqual(
            session.probe(.control(.upgrade, ""), at(110)),
            [.answerParkedPoll([text("6")]), .promoteProbe, .notifyUpgraded]
        )
    }

    func testPollingRequestsAfterTheUpgradeAreTransportMismatches() {
        var session = Recorded.probed()
        _ = session.probe(.control(.upgrade, ""), at(150))
        XCTAssertEqual(session.poll(at(160)), [.rejectPoll(.transportMismatch)])
        XCTAssertEqual(session.postStarted(at(170)), [.rejectPost(.transportMismatch)])
        XCTAssertEqual(session.notifyClosedCount, 0, "a stray polling request does not end the session")
    }

    func testHeartbeatKeepsItsScheduleAcrossTheUpgrade() {
        var session = Recorded.probed()
        _ = session.probe(.control(.upgrade, ""), at(150))
        XCTAssertEqual(session.nextDeadline, at(1000))
        XCTAssertEqual(session.timer(at(1000)), [.writeWebSocket([text("2")])])
    }

    func testMessagesOnThePromotedWebSocketAreDelivered() {
        var session = Recorded.probed()
        _ = session.probe(.control(.upgrade, ""), at(150))
        XCTAssertEqual(session.ws(.message(.text("hi")), at(160)), [.deliver(.text("hi"))])
    }

    // MARK: - Failed upgrades

    func testAnyOtherPacketOnTheProbeClosesItAndTheSessionKeepsPolling() {
        let unexpected: [EngineInboundPacket] = [
            .message(.text("x")), .control(.ping, ""), .control(.ping, "probe"), .control(.pong, "probe"), .control(.noop, ""),
        ]
        for packet in unexpected {
            var session = Recorded.probed()
            XCTAssertEqual(session.probe(packet, at(150)), [.closeProbe], "\(packet)")
            XCTAssertEqual(session.machine.transport, .polling)
            XCTAssertEqual(session.nextDeadline, at(1000), "no upgrade deadline left")
            XCTAssertEqual(session.poll(at(160)), [.parkPoll], "GETs are held again, no more noops")
            XCTAssertEqual(session.notifyClosedCount, 0)
        }
    }

    func testProbeClosedReturnsToPollingAndAllowsAnotherProbe() {
        var session = Recorded.probed()
        XCTAssertEqual(session.probeClosed(at(150)), [])
        XCTAssertEqual(session.nextDeadline, at(1000))
        XCTAssertEqual(session.poll(at(160)), [.parkPoll])
        XCTAssertEqual(session.probeAttached(at(170)), [], "a new probe may try again")
        XCTAssertEqual(session.nextDeadline, at(470))
    }

    func testProbeEventsWithoutAnUpgradeAreHarmless() {
        var session = Recorded.polling()
        XCTAssertEqual(session.probeClosed(at(10)), [])
        XCTAssertEqual(session.probe(.control(.upgrade, ""), at(20)), [.closeProbe])
        XCTAssertEqual(session.machine.transport, .polling)
    }

    func testUpgradeTimeoutClosesTheProbeAndTheSessionKeepsPolling() {
        var session = Recorded.probed(now: at(100))
        XCTAssertEqual(session.timer(at(399)), [])
        XCTAssertEqual(session.timer(at(400)), [.closeProbe])
        XCTAssertEqual(session.machine.transport, .polling)
        XCTAssertEqual(session.nextDeadline, at(1000))
        XCTAssertEqual(session.poll(at(410)), [.parkPoll])
        XCTAssertEqual(session.send(text("4still")), .answerParkedPoll(text("4still")))
        XCTAssertEqual(session.probe(.control(.upgrade, ""), at(420)), [.closeProbe], "a late `5` is refused")
        XCTAssertEqual(session.notifyClosedCount, 0)
    }

    func testUpgradeTimeoutAndPingAtTheSameInstant() {
        var session = Recorded.polling()
        _ = session.poll(at(600))
        _ = session.probeAttached(at(700))  // upgrade deadline 1000 = ping deadline
        XCTAssertEqual(session.timer(at(1000)), [.closeProbe, .answerParkedPoll([text("2")])])
        XCTAssertEqual(session.nextDeadline, at(1400))
    }

    // MARK: - Heartbeat while upgrading

    func testHeartbeatContinuesWhileUpgrading() {
        var timing = EngineSessionTiming.test
        timing.upgradeTimeout = .milliseconds(60_000)
        var session = Recorded.polling(timing: timing)
        _ = session.poll(at(50))
        _ = session.probeAttached(at(100))
        XCTAssertEqual(session.nextDeadline, at(1000), "the heartbeat, not the distant upgrade deadline")
        XCTAssertEqual(session.timer(at(1000)), [.answerParkedPoll([text("2")])])
        XCTAssertEqual(session.post("3", at(1100)), [.answerPost])
        XCTAssertEqual(session.nextDeadline, at(2100), "the pong counted while upgrading")
    }

    /// The leak the wire reference warns about: a client that opens a probe and then goes silent must
    /// still be timed out by the heartbeat.
    func testAbandonedUpgradingSessionTimesOutWithPingTimeout() {
        var timing = EngineSessionTiming.test
        timing.upgradeTimeout = .milliseconds(60_000)
        var session = Recorded.polling(timing: timing)
        _ = session.probeAttached(at(100))
        _ = session.probe(.control(.ping, "probe"), at(110))
        XCTAssertEqual(session.timer(at(1000)), [], "ping queued for a GET that never comes")
        XCTAssertEqual(session.nextDeadline, at(1400))
        XCTAssertEqual(session.timer(at(1400)), [.closeProbe, .notifyClosed(.pingTimeout), .finish])
        session.assertStaysClosed()
    }

    func testAbandonedUnprobedUpgradeWithAParkedGetTimesOut() {
        var timing = EngineSessionTiming.test
        timing.upgradeTimeout = .milliseconds(60_000)
        var session = Recorded.polling(timing: timing)
        _ = session.probeAttached(at(100))
        XCTAssertEqual(session.poll(at(900)), [.parkPoll])
        XCTAssertEqual(session.timer(at(1000)), [.answerParkedPoll([text("2")])])
        XCTAssertEqual(session.poll(at(1010)), [.parkPoll])
        XCTAssertEqual(
            session.timer(at(1400)),
            [.closeProbe, .answerParkedPoll([text("1")]), .notifyClosed(.pingTimeout), .finish]
        )
    }

    func testOverlappingGetWhileUpgradingClosesProbeAndSession() {
        var session = Recorded.polling()
        _ = session.probeAttached(at(100))
        _ = session.poll(at(110))
        XCTAssertEqual(
            session.poll(at(120)),
            [.rejectPoll(.overlap), .closeProbe, .answerParkedPoll([text("1")]), .notifyClosed(.transportError), .finish]
        )
    }

    func testOverlappingPostWhileUpgradingClosesProbeAndSession() {
        var session = Recorded.probed()
        _ = session.postStarted(at(120))
        XCTAssertEqual(
            session.postStarted(at(130)),
            [.rejectPost(.overlap), .closeProbe, .notifyClosed(.transportError), .finish]
        )
    }

    func testAbandonedParkedGetWhileUpgradingClosesTheSession() {
        var session = Recorded.polling()
        _ = session.probeAttached(at(100))
        _ = session.poll(at(110))
        XCTAssertEqual(session.pollAbandoned(at(120)), [.closeProbe, .notifyClosed(.transportError), .finish])
    }
}
