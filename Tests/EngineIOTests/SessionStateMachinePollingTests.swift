import NIOCore
import XCTest

@testable import EngineIO

/// Long-polling: parked GETs, the outbound queue, POSTs and their failure modes.
final class SessionStateMachinePollingTests: XCTestCase {
    // MARK: - GET

    func testGetWithNothingToSendIsParked() {
        var session = Recorded.polling()
        XCTAssertEqual(session.poll(at(10)), [.parkPoll])
    }

    func testSendWhileAGetIsParkedAnswersThatGet() {
        var session = Recorded.polling()
        _ = session.poll(at(10))
        XCTAssertEqual(session.send(text("4hello")), .answerParkedPoll(text("4hello")))
        XCTAssertEqual(session.send(text("4next")), .queued, "the parked GET was used up by the first send")
        XCTAssertEqual(session.poll(at(20)), [.answerPoll([text("4next")])])
    }

    func testSendWithoutAParkedGetQueuesAndTheNextGetDrainsTheQueueInOrder() {
        var session = Recorded.polling()
        XCTAssertEqual(session.send(text("4a")), .queued)
        XCTAssertEqual(session.send(binary([1, 2, 3])), .queued)
        XCTAssertEqual(session.send(text("4c")), .queued)
        XCTAssertEqual(session.machine.bufferedBytes, 2 + 3 + 2)
        XCTAssertEqual(session.poll(at(10)), [.answerPoll([text("4a"), binary([1, 2, 3]), text("4c")])])
        XCTAssertEqual(session.machine.bufferedBytes, 0)
        XCTAssertEqual(session.poll(at(20)), [.parkPoll], "everything went out with the previous GET")
    }

    func testOverlappingGetIsRejectedAndTheParkedGetCarriesTheClosePacket() {
        var session = Recorded.polling()
        _ = session.poll(at(10))
        XCTAssertEqual(
            session.poll(at(20)),
            [.rejectPoll(.overlap), .answerParkedPoll([text("1")]), .notifyClosed(.transportError), .finish]
        )
        session.assertStaysClosed()
    }

    func testAbandonedParkedGetClosesWithTransportError() {
        var session = Recorded.polling()
        _ = session.poll(at(10))
        XCTAssertEqual(session.pollAbandoned(at(20)), [.notifyClosed(.transportError), .finish])
        session.assertStaysClosed()
    }

    func testTransportErrorsCarryTheReferenceDescription() {
        var dropped = Recorded.polling()
        _ = dropped.poll(at(10))
        XCTAssertNil(dropped.machine.closeDescription)
        _ = dropped.pollAbandoned(at(20))
        XCTAssertEqual(dropped.machine.closeDescription, "poll connection closed prematurely")

        var overlapping = Recorded.polling()
        _ = overlapping.poll(at(10))
        _ = overlapping.poll(at(20))
        XCTAssertEqual(overlapping.machine.closeDescription, "overlap from client")

        var closedByClient = Recorded.polling()
        _ = closedByClient.post("1", at(10))
        XCTAssertNil(closedByClient.machine.closeDescription, "only transport errors have a description")
    }

    func testAbandonWithoutAParkedGetIsIgnored() {
        var session = Recorded.polling()
        XCTAssertEqual(session.pollAbandoned(at(20)), [])
        XCTAssertEqual(session.poll(at(30)), [.parkPoll], "the session is still open")
    }

    // MARK: - POST

    func testPostDeliversMessagesInOrderAndIsAnswered() {
        var session = Recorded.polling()
        XCTAssertEqual(session.postStarted(at(10)), [])
        XCTAssertEqual(
            session.postCompleted("4hello\u{1e}bAQID\u{1e}4\u{1e}4wörld", at(11)),
            [
                .answerPost,
                .deliver(.text("hello")),
                .deliver(.binary(ByteBuffer(bytes: [1, 2, 3]))),
                .deliver(.text("")),
                .deliver(.text("wörld")),
            ]
        )
    }

    func testPostSlotIsFreedAfterEachPost() {
        var session = Recorded.polling()
        XCTAssertEqual(session.post("4a", at(10)), [.answerPost, .deliver(.text("a"))])
        XCTAssertEqual(session.post("4b", at(20)), [.answerPost, .deliver(.text("b"))], "a second POST after the first is fine")
    }

    func testPostWithAGetParkedDoesNotDisturbTheGet() {
        var session = Recorded.polling()
        _ = session.poll(at(10))
        XCTAssertEqual(session.post("4a", at(20)), [.answerPost, .deliver(.text("a"))])
        XCTAssertEqual(session.send(text("4reply")), .answerParkedPoll(text("4reply")))
    }

    func testClosePacketInAPostClosesWithTransportCloseAndStopsDelivery() {
        var session = Recorded.polling()
        XCTAssertEqual(
            session.post("4a\u{1e}1\u{1e}4b", at(10)),
            [.answerPost, .deliver(.text("a")), .notifyClosed(.transportClose), .finish]
        )
        session.assertStaysClosed()
    }

    func testClosePacketInAPostReleasesTheParkedGetWithANoop() {
        // The reference's polling transport answers a held GET with `6` when the client closes.
        var session = Recorded.polling()
        _ = session.poll(at(10))
        XCTAssertEqual(
            session.post("1", at(20)),
            [.answerPost, .answerParkedPoll([text("6")]), .notifyClosed(.transportClose), .finish]
        )
        XCTAssertEqual(session.poll(at(21)), [.rejectPoll(.sessionClosed)], "a later GET gets code 1")
    }

    func testClientPingIsAProtocolErrorOutsideTheProbe() {
        var session = Recorded.polling()
        XCTAssertEqual(session.post("2", at(10)), [.answerPost, .notifyClosed(.transportError), .finish])
        session.assertStaysClosed()
    }

    func testUndecodablePostIsAnsweredAndClosesWithParseError() {
        for body in ["9oops", "", "4a\u{1e}\u{1e}4b", "b!!!!", "4ok\u{1e}x"] {
            var session = Recorded.polling()
            XCTAssertEqual(
                session.post(body, at(10)),
                [.answerPost, .notifyClosed(.parseError), .finish],
                "body \(body.debugDescription)"
            )
            XCTAssertEqual(session.state, .closed)
        }
    }

    func testPacketsWithoutMeaningOverPollingAreIgnored() {
        var session = Recorded.polling()
        XCTAssertEqual(session.post("6\u{1e}5\u{1e}0", at(10)), [.answerPost])
        XCTAssertEqual(session.poll(at(20)), [.parkPoll], "still open")
    }

    func testOverlappingPostIsRejectedAndClosesTheSession() {
        var session = Recorded.polling()
        _ = session.poll(at(5))
        XCTAssertEqual(session.postStarted(at(10)), [])
        XCTAssertEqual(
            session.postStarted(at(20)),
            [.rejectPost(.overlap), .answerParkedPoll([text("1")]), .notifyClosed(.transportError), .finish]
        )
        XCTAssertEqual(session.postCompleted("4late", at(30)), [.answerPost], "the first POST is still answered, nothing delivered")
        session.assertStaysClosed()
    }

    func testPostTooLargeIs413AndClosesTheSession() {
        var session = Recorded.polling()
        _ = session.postStarted(at(10))
        XCTAssertEqual(session.postTooLarge(at(20)), [.rejectPost(.payloadTooLarge), .notifyClosed(.transportError), .finish])
        session.assertStaysClosed()
    }

    func testPostTooLargeReleasesTheParkedGetWithTheClosePacket() {
        var session = Recorded.polling()
        _ = session.poll(at(5))
        _ = session.postStarted(at(10))
        XCTAssertEqual(
            session.postTooLarge(at(20)),
            [.rejectPost(.payloadTooLarge), .answerParkedPoll([text("1")]), .notifyClosed(.transportError), .finish]
        )
    }

    func testAbandonedPostIsIgnoredWhenNoPostIsInFlight() {
        var session = Recorded.polling()
        XCTAssertEqual(session.post("4a", at(10)), [.answerPost, .deliver(.text("a"))])
        XCTAssertEqual(session.postAbandoned(at(20)), [], "the POST was already complete")
        XCTAssertEqual(session.notifyClosedCount, 0)
    }

    /// The reference closes the session when a POST's connection goes away before its body is complete
    /// (engine.io `lib/transports/polling.ts`, `onDataRequest`: the request's `close` listener calls
    /// `this.onError("data request connection closed prematurely")`, i.e. `transport error`), just as it
    /// does for a dropped parked GET. `postAbandoned(now:)` only frees the POST slot and returns `[]`, so
    /// the session lingers until the ping timeout.
    func testAbandonedPostClosesWithTransportErrorLikeTheReference() {
        var session = Recorded.polling()
        _ = session.poll(at(5))
        _ = session.postStarted(at(10))
        XCTAssertEqual(
            session.postAbandoned(at(20)),
            [.answerParkedPoll([text("1")]), .notifyClosed(.transportError), .finish]
        )
    }

    func testPongInAPostAnswersThePing() {
        var session = Recorded.polling()
        _ = session.timer(at(1000))  // ping queued, pong due by 1400
        XCTAssertEqual(session.post("3", at(1100)), [.answerPost])
        XCTAssertEqual(session.nextDeadline, at(2100), "the next ping is one interval after the pong")
        XCTAssertEqual(session.timer(at(1400)), [], "no ping timeout after the pong")
    }
}
