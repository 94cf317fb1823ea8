import NIOCore
import XCTest

@testable import EngineIO

/// A session on its own WebSocket: delivery, sends, and the ways the socket ends.
final class SessionStateMachineWebSocketTests: XCTestCase {
    func testMessagesAreDelivered() {
        var session = Recorded.websocket()
        XCTAssertEqual(session.ws(.message(.text("héllo")), at(10)), [.deliver(.text("héllo"))])
        XCTAssertEqual(
            session.ws(.message(.binary(ByteBuffer(bytes: [0, 255]))), at(20)),
            [.deliver(.binary(ByteBuffer(bytes: [0, 255])))]
        )
    }

    func testSendsAreWrittenEvenWhenVolatile() {
        var session = Recorded.websocket()
        XCTAssertEqual(session.send(text("4a")), .writeWebSocket(text("4a")))
        XCTAssertEqual(session.send(text("4v"), volatile: true), .writeWebSocket(text("4v")))
        XCTAssertEqual(session.machine.bufferedBytes, 0, "nothing is queued on a WebSocket session")
    }

    func testSocketClosedByTheClientIsTransportClose() {
        var session = Recorded.websocket()
        XCTAssertEqual(session.wsClosed(failed: false, at(10)), [.notifyClosed(.transportClose), .finish])
        session.assertStaysClosed()
    }

    func testSocketFailureIsTransportError() {
        var session = Recorded.websocket()
        XCTAssertEqual(session.wsClosed(failed: true, at(10)), [.notifyClosed(.transportError), .finish])
        session.assertStaysClosed()
    }

    func testGarbageFrameIsParseErrorAndClosesTheSocket() {
        var session = Recorded.websocket()
        XCTAssertEqual(session.wsGarbage(at(10)), [.closeWebSocket, .notifyClosed(.parseError), .finish])
        session.assertStaysClosed()
    }

    func testClosePacketIsTransportClose() {
        var session = Recorded.websocket()
        XCTAssertEqual(
            session.ws(.control(.close, ""), at(10)),
            [.closeWebSocket, .notifyClosed(.transportClose), .finish]
        )
    }

    func testClientPingIsTransportError() {
        var session = Recorded.websocket()
        XCTAssertEqual(
            session.ws(.control(.ping, ""), at(10)),
            [.closeWebSocket, .notifyClosed(.transportError), .finish]
        )
    }

    func testControlPacketsWithoutMeaningAreIgnored() {
        var session = Recorded.websocket()
        XCTAssertEqual(session.ws(.control(.noop, ""), at(10)), [])
        XCTAssertEqual(session.ws(.control(.upgrade, ""), at(10)), [])
        XCTAssertEqual(session.ws(.control(.open, ""), at(10)), [])
        XCTAssertEqual(session.notifyClosedCount, 0)
    }

    func testWebSocketEventsOnAPollingSessionAreIgnored() {
        var session = Recorded.polling()
        XCTAssertEqual(session.ws(.message(.text("x")), at(10)), [])
        XCTAssertEqual(session.wsGarbage(at(10)), [])
        XCTAssertEqual(session.wsClosed(failed: true, at(10)), [])
        XCTAssertEqual(session.poll(at(20)), [.parkPoll], "still open on polling")
    }

    func testPollingRequestsOnAWebSocketSessionAreTransportMismatches() {
        var session = Recorded.websocket()
        XCTAssertEqual(session.poll(at(10)), [.rejectPoll(.transportMismatch)])
        XCTAssertEqual(session.postStarted(at(10)), [.rejectPost(.transportMismatch)])
        XCTAssertEqual(session.notifyClosedCount, 0)
    }
}
