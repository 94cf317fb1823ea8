import NIOCore
import XCTest

@testable import EngineIO

/// Server-initiated close, the closing state, volatile sends and the outbound buffer limit.
final class SessionStateMachineCloseTests: XCTestCase {
    func testServerCloseOverWebSocketClosesTheSocketWithoutAClosePacket() {
        var session = Recorded.websocket()
        XCTAssertEqual(
            session.close(at(10)),
            [.closeWebSocket, .notifyClosed(.forcedClose), .finish]
        )
        session.assertStaysClosed()
    }

    func testServerCloseOverPollingAnswersTheParkedGetWithTheClosePacket() {
        var session = Recorded.polling()
        _ = session.poll(at(10))
        XCTAssertEqual(session.close(at(20)), [.answerParkedPoll([text("1")]), .notifyClosed(.forcedClose), .finish])
        session.assertStaysClosed()
    }

    func testServerCloseOverPollingWithoutAGetWaitsForTheNextGet() {
        var session = Recorded.polling()
        _ = session.send(text("4a"))
        _ = session.send(text("4b"))
        XCTAssertEqual(session.close(at(100)), [.notifyClosed(.forcedClose)], "the application learns at once")
        XCTAssertEqual(session.state, .closing(deadline: at(800)))
        XCTAssertTrue(session.machine.isClosingOrClosed)
        XCTAssertNil(session.machine.transport)
        XCTAssertEqual(session.send(text("4c")), .dropped, "nothing new is accepted while closing")
        XCTAssertEqual(session.timer(at(799)), [])
        XCTAssertEqual(session.poll(at(200)), [.answerPoll([text("4a"), text("4b"), text("1")]), .finish])
        XCTAssertEqual(session.notifyClosedCount, 1)
        session.assertStaysClosed()
        // A request that reaches the session before it leaves the registry finds it gone, as the
        // reference answers once it has forgotten the session.
        XCTAssertEqual(session.poll(at(201)), [.rejectPoll(.sessionClosed)])
        XCTAssertEqual(session.postStarted(at(201)), [.rejectPost(.sessionClosed)])
    }

    func testADrainAnswersTheParkedGetWithANoopAndNoClosePacket() {
        var session = Recorded.polling()
        _ = session.poll(at(10))
        XCTAssertEqual(session.drain(at(20)), [.answerParkedPoll([text("6")]), .notifyClosed(.forcedClose), .finish])
        XCTAssertEqual(session.poll(at(21)), [.rejectPoll(.sessionClosed)], "the client's next GET finds the session gone")
    }

    func testADrainWithoutAGetEndsAtOnceOrKeepsQueuedMessagesForTheNextGet() {
        var idle = Recorded.polling()
        XCTAssertEqual(idle.drain(at(10)), [.notifyClosed(.forcedClose), .finish])
        var busy = Recorded.polling()
        _ = busy.send(text("4a"))
        XCTAssertEqual(busy.drain(at(100)), [.notifyClosed(.forcedClose)])
        XCTAssertEqual(busy.poll(at(200)), [.answerPoll([text("4a")]), .finish], "no close packet")
    }

    func testADrainOverWebSocketIsAServerClose() {
        var session = Recorded.websocket()
        XCTAssertEqual(session.drain(at(10)), [.closeWebSocket, .notifyClosed(.forcedClose), .finish])
    }

    func testClosingSessionFinishesAtCloseTimeoutWhenNoGetComes() {
        var session = Recorded.polling()
        _ = session.close(at(100))
        XCTAssertEqual(session.timer(at(799)), [])
        XCTAssertEqual(session.timer(at(800)), [.finish])
        XCTAssertEqual(session.notifyClosedCount, 1)
        session.assertStaysClosed()
    }

    func testClosingSessionIgnoresEverythingButTheGet() {
        var session = Recorded.polling()
        _ = session.close(at(100))
        XCTAssertEqual(session.pollAbandoned(at(110)), [])
        XCTAssertEqual(session.postStarted(at(120)), [])
        XCTAssertEqual(session.postCompleted("4x\u{1e}1", at(121)), [.answerPost], "answered, nothing delivered")
        XCTAssertEqual(session.postTooLarge(at(130)), [.rejectPost(.payloadTooLarge)])
        XCTAssertEqual(session.ws(.message(.text("x")), at(140)), [])
        XCTAssertEqual(session.wsClosed(failed: true, at(140)), [])
        XCTAssertEqual(session.probeClosed(at(140)), [])
        XCTAssertEqual(session.close(at(150)), [], "a second close does nothing")
        XCTAssertEqual(session.state, .closing(deadline: at(800)), "nothing moved the close deadline")
        XCTAssertEqual(session.notifyClosedCount, 1)
    }

    func testServerCloseWhileUpgradingClosesTheProbe() {
        var parked = Recorded.polling()
        _ = parked.poll(at(50))
        _ = parked.probeAttached(at(100))
        XCTAssertEqual(
            parked.close(at(110)),
            [.closeProbe, .answerParkedPoll([text("1")]), .notifyClosed(.forcedClose), .finish]
        )

        var probed = Recorded.probed()
        _ = probed.send(text("4q"))
        XCTAssertEqual(probed.close(at(110)), [.closeProbe, .notifyClosed(.forcedClose)])
        XCTAssertEqual(probed.poll(at(120)), [.answerPoll([text("4q"), text("1")]), .finish])
    }

    func testServerCloseTwiceNotifiesOnce() {
        var session = Recorded.websocket()
        _ = session.close(at(10))
        XCTAssertEqual(session.close(at(20)), [])
        XCTAssertEqual(session.notifyClosedCount, 1)
    }

    /// Every way a session can end, each checked for exactly one notifyClosed and one finish, and for
    /// staying silent afterwards.
    func testEveryPathNotifiesClosedExactlyOnce() {
        typealias Path = (name: String, reason: EngineCloseReason, run: (inout Recorded) -> Void)
        let paths: [Path] = [
            ("handshake timeout", .transportError, { _ = $0.timer(at(200)) }),
            ("close while handshaking", .forcedClose, { _ = $0.close(at(10)) }),
            ("overlapping GET", .transportError, { s in s = .polling(); _ = s.poll(at(1)); _ = s.poll(at(2)) }),
            ("abandoned GET", .transportError, { s in s = .polling(); _ = s.poll(at(1)); _ = s.pollAbandoned(at(2)) }),
            ("overlapping POST", .transportError, { s in s = .polling(); _ = s.postStarted(at(1)); _ = s.postStarted(at(2)) }),
            ("POST too large", .transportError, { s in s = .polling(); _ = s.postStarted(at(1)); _ = s.postTooLarge(at(2)) }),
            ("close packet by POST", .transportClose, { s in s = .polling(); _ = s.post("1", at(1)) }),
            ("client ping by POST", .transportError, { s in s = .polling(); _ = s.post("2", at(1)) }),
            ("bad POST", .parseError, { s in s = .polling(); _ = s.post("z", at(1)) }),
            ("ping timeout on polling", .pingTimeout, { s in s = .polling(); _ = s.timer(at(1000)); _ = s.timer(at(1400)) }),
            ("ping timeout while upgrading", .pingTimeout, { s in
                var timing = EngineSessionTiming.test
                timing.upgradeTimeout = .seconds(60)
                s = .polling(timing: timing); _ = s.probeAttached(at(1)); _ = s.timer(at(1000)); _ = s.timer(at(1400))
            }),
            ("ping timeout on websocket", .pingTimeout, { s in s = .websocket(); _ = s.timer(at(1000)); _ = s.timer(at(1400)) }),
            ("websocket closed", .transportClose, { s in s = .websocket(); _ = s.wsClosed(failed: false, at(1)) }),
            ("websocket failed", .transportError, { s in s = .websocket(); _ = s.wsClosed(failed: true, at(1)) }),
            ("websocket garbage", .parseError, { s in s = .websocket(); _ = s.wsGarbage(at(1)) }),
            ("close packet on websocket", .transportClose, { s in s = .websocket(); _ = s.ws(.control(.close, ""), at(1)) }),
            ("upgraded then closed", .transportClose, { s in
                s = .probed(); _ = s.probe(.control(.upgrade, ""), at(150)); _ = s.wsClosed(failed: false, at(160))
            }),
            ("server close on websocket", .forcedClose, { s in s = .websocket(); _ = s.close(at(1)) }),
            ("server close with parked GET", .forcedClose, { s in s = .polling(); _ = s.poll(at(1)); _ = s.close(at(2)) }),
            ("server close then GET", .forcedClose, { s in s = .polling(); _ = s.close(at(1)); _ = s.poll(at(2)) }),
            ("server close then close timeout", .forcedClose, { s in s = .polling(); _ = s.close(at(1)); _ = s.timer(at(701)) }),
            ("buffer overflow", .transportError, { s in
                s = .polling(maxBufferedBytes: 4); _ = s.send(text("4abc")); _ = s.send(text("4d"))
            }),
        ]
        for path in paths {
            var session = Recorded(now: at(0))
            path.run(&session)
            XCTAssertEqual(session.closeReasons, [path.reason], path.name)
            XCTAssertEqual(session.finishCount, 1, path.name)
            XCTAssertEqual(session.log.last, .finish, "finish is the last action: \(path.name)")
            session.assertStaysClosed()
        }
    }

    // MARK: - Volatile sends and the buffer limit

    func testVolatileSendIsDroppedWhenNoTransportIsReady() {
        var polling = Recorded.polling()
        XCTAssertEqual(polling.send(text("4v"), volatile: true), .dropped)
        XCTAssertEqual(polling.machine.bufferedBytes, 0)
        XCTAssertEqual(polling.poll(at(10)), [.parkPoll], "the dropped frame is not waiting for the GET")
        XCTAssertEqual(polling.send(text("4v"), volatile: true), .answerParkedPoll(text("4v")), "a parked GET is ready")

        var probed = Recorded.probed()
        XCTAssertEqual(probed.send(text("4v"), volatile: true), .dropped)

        var closing = Recorded.polling()
        _ = closing.close(at(10))
        XCTAssertEqual(closing.send(text("4v"), volatile: true), .dropped)
    }

    func testVolatileSendNeverOverflows() {
        var session = Recorded.polling(maxBufferedBytes: 4)
        _ = session.send(text("4abc"))
        XCTAssertEqual(session.send(text("4toolong"), volatile: true), .dropped)
        XCTAssertEqual(session.notifyClosedCount, 0)
    }

    func testOutboundBufferOverflowClosesWithTransportError() {
        var session = Recorded.polling(maxBufferedBytes: 10)
        XCTAssertEqual(session.send(text("4abcdefgh")), .queued)  // 9 bytes
        XCTAssertEqual(session.send(text("4")), .queued, "exactly at the limit still fits")  // 10 bytes
        XCTAssertEqual(session.send(text("4x")), .overflow([.notifyClosed(.transportError), .finish]))
        session.assertStaysClosed()
    }

    func testOverflowWhileUpgradingAlsoClosesTheProbe() {
        var session = Recorded.polling(maxBufferedBytes: 2)
        XCTAssertEqual(session.probeAttached(at(100)), [])
        XCTAssertEqual(session.send(text("4ab")), .overflow([.closeProbe, .notifyClosed(.transportError), .finish]))
    }

    func testTheOpenPacketIsNeverRefusedByTheBufferLimit() {
        var session = Recorded(now: at(0), maxBufferedBytes: 1)
        XCTAssertEqual(session.open(.polling, at(0)), [])
        XCTAssertEqual(session.poll(at(1)), [.answerPoll([testOpenFrame])], "the open packet is forced into the queue")
        XCTAssertEqual(session.send(text("4")), .queued)
    }
}
