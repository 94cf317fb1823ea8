import NIOCore
import XCTest

@testable import EngineIO

/// handshaking → polling / websocket, and the handshake deadline.
final class SessionStateMachineOpeningTests: XCTestCase {
    func testNewSessionIsHandshakingWithTheHandshakeDeadline() {
        let session = Recorded(now: at(0))
        XCTAssertEqual(session.state, .handshaking(deadline: at(200)))
        XCTAssertEqual(session.nextDeadline, at(200))
        XCTAssertNil(session.machine.transport)
        XCTAssertFalse(session.machine.isClosingOrClosed)
    }

    func testOpenOnPollingQueuesTheOpenPacketForTheFirstGet() {
        var session = Recorded(now: at(0))
        XCTAssertEqual(session.open(.polling, at(50)), [], "nothing is written before the handshake GET asks")
        XCTAssertEqual(session.machine.transport, .polling)
        XCTAssertEqual(session.machine.bufferedBytes, testOpenFrame.byteCount)
        XCTAssertEqual(session.poll(at(50)), [.answerPoll([testOpenFrame])])
        XCTAssertEqual(session.machine.bufferedBytes, 0)
        XCTAssertEqual(session.poll(at(60)), [.parkPoll], "the queue is empty after the open packet went out")
    }

    func testOpenOnWebSocketWritesTheOpenPacket() {
        var session = Recorded(now: at(0))
        XCTAssertEqual(session.open(.websocket, at(50)), [.writeWebSocket([testOpenFrame])])
        XCTAssertEqual(session.machine.transport, .websocket)
        XCTAssertEqual(session.machine.bufferedBytes, 0)
    }

    func testHeartbeatStartsWhenTheSessionOpensNotWhenItWasCreated() {
        var polling = Recorded(now: at(0))
        _ = polling.open(.polling, at(150))
        XCTAssertEqual(polling.nextDeadline, at(1150))

        var websocket = Recorded(now: at(0))
        _ = websocket.open(.websocket, at(150))
        XCTAssertEqual(websocket.nextDeadline, at(1150))
    }

    func testHandshakeTimeoutClosesWithTransportError() {
        var session = Recorded(now: at(0))
        XCTAssertEqual(session.timer(at(199)), [], "an early timer does nothing")
        XCTAssertEqual(session.state, .handshaking(deadline: at(200)))
        XCTAssertEqual(session.timer(at(200)), [.notifyClosed(.transportError), .finish])
        XCTAssertNil(session.nextDeadline)
        session.assertStaysClosed()
    }

    func testServerCloseWhileHandshaking() {
        var session = Recorded(now: at(0))
        XCTAssertEqual(session.close(at(10)), [.notifyClosed(.forcedClose), .finish])
        session.assertStaysClosed()
    }

    func testRequestsBeforeTheOpenPacketAreTransportMismatches() {
        var session = Recorded(now: at(0))
        XCTAssertEqual(session.poll(at(10)), [.rejectPoll(.transportMismatch)])
        XCTAssertEqual(session.postStarted(at(10)), [.rejectPost(.transportMismatch)])
        XCTAssertEqual(session.probeAttached(at(10)), [.closeProbe])
        XCTAssertEqual(session.notifyClosedCount, 0, "none of these ends a session that is still opening")
        XCTAssertEqual(session.nextDeadline, at(200))
    }

    func testVolatileSendWhileHandshakingIsDropped() {
        var session = Recorded(now: at(0))
        XCTAssertEqual(session.send(text("4v"), volatile: true), .dropped)
        XCTAssertEqual(session.machine.bufferedBytes, 0)
    }

    // MARK: - Believed bugs (see the report): a frame sent before the open packet

    /// The open packet must be the first packet of a session. A frame the application sends while the
    /// session is still handshaking is queued, and `open(on: .polling)` then appends the open packet
    /// *behind* it, so the handshake GET answers `4early\x1e0{…}` and the client fails the handshake.
    func testFrameSentWhileHandshakingFollowsTheOpenPacketOverPolling() {
        var session = Recorded(now: at(0))
        XCTAssertEqual(session.send(text("4early")), .queued)
        _ = session.open(.polling, at(10))
        XCTAssertEqual(session.poll(at(10)), [.answerPoll([testOpenFrame, text("4early")])])
    }

    /// Same cause over WebSocket: `open(on: .websocket)` writes only the open packet; the frame queued
    /// while handshaking is never written (and keeps counting against the outbound buffer).
    func testFrameSentWhileHandshakingIsNotLostOverWebSocket() {
        var session = Recorded(now: at(0))
        XCTAssertEqual(session.send(text("4early")), .queued)
        XCTAssertEqual(session.open(.websocket, at(10)), [.writeWebSocket([testOpenFrame, text("4early")])])
        XCTAssertEqual(session.machine.bufferedBytes, 0)
    }
}
