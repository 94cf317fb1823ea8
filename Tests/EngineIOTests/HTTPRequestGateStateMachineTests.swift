import XCTest

@testable import EngineIO

/// One request at a time, reads stopped only when a client pipelines, a 400 only when no answer is
/// under way.
final class HTTPRequestGateStateMachineTests: XCTestCase {
    func testRequestsAnsweredOneAfterTheOtherNeverHoldARead() {
        var machine = EngineHTTPRequestGateStateMachine()
        for _ in 0..<3 {
            XCTAssertEqual(machine.partReceived(.head), .deliver)
            XCTAssertEqual(machine.partReceived(.body), .deliver)
            XCTAssertEqual(machine.partReceived(.end), .deliver)
            // A parked poll: the pipeline keeps asking to read while the answer is pending.
            XCTAssertEqual(machine.readRequested(), .read)
            machine.responseHeadWritten(informational: false)
            XCTAssertEqual(machine.responseEnded(), .none)
            XCTAssertEqual(machine.exchange, .idle)
        }
    }

    func testAPipelinedRequestWaitsForTheAnswerBeforeItAndReadsResumeAfterIt() {
        var machine = EngineHTTPRequestGateStateMachine()
        XCTAssertEqual(machine.partReceived(.head), .deliver)
        XCTAssertEqual(machine.partReceived(.end), .deliver)
        XCTAssertEqual(machine.partReceived(.head), .hold)
        XCTAssertEqual(machine.partReceived(.body), .hold)
        XCTAssertEqual(machine.readRequested(), .hold)
        XCTAssertEqual(machine.partReceived(.end), .hold)
        machine.responseHeadWritten(informational: false)
        XCTAssertEqual(machine.responseEnded(), .releaseHeldParts)
        XCTAssertEqual(machine.heldPartReady(.head), .deliver)
        XCTAssertEqual(machine.heldPartReady(.body), .deliver)
        XCTAssertEqual(machine.heldPartReady(.end), .deliver)
        XCTAssertTrue(machine.heldPartsDrained(), "the read held meanwhile is issued now")
        XCTAssertEqual(machine.exchange, .responseEndPending)
        XCTAssertEqual(machine.readRequested(), .read)
    }

    func testASecondHeldRequestWaitsForTheFirstHeldOnesAnswer() {
        var machine = EngineHTTPRequestGateStateMachine()
        _ = machine.partReceived(.head)
        _ = machine.partReceived(.end)
        for part in [EngineHTTPRequestGateStateMachine.Part.head, .end, .head, .end] {
            XCTAssertEqual(machine.partReceived(part), .hold)
        }
        XCTAssertEqual(machine.responseEnded(), .releaseHeldParts)
        XCTAssertEqual(machine.heldPartReady(.head), .deliver)
        XCTAssertEqual(machine.heldPartReady(.end), .deliver)
        XCTAssertEqual(machine.heldPartReady(.head), .hold, "its own answer is not out yet")
        XCTAssertEqual(machine.partReceived(.head), .hold, "new parts queue behind the held ones")
        XCTAssertEqual(machine.responseEnded(), .releaseHeldParts)
        XCTAssertEqual(machine.heldPartReady(.head), .deliver)
    }

    func testAnAnswerBeforeTheRequestEndsLetsTheNextRequestThroughAfterTheEnd() {
        var machine = EngineHTTPRequestGateStateMachine()
        _ = machine.partReceived(.head)
        machine.responseHeadWritten(informational: false)
        XCTAssertEqual(machine.responseEnded(), .none)  // an early 413
        XCTAssertEqual(machine.exchange, .requestEndPending)
        XCTAssertEqual(machine.partReceived(.body), .deliver)
        XCTAssertEqual(machine.partReceived(.end), .deliver)
        XCTAssertEqual(machine.exchange, .idle)
        XCTAssertEqual(machine.partReceived(.head), .deliver)
    }

    func testAParserErrorGetsA400OnlyWhenNoAnswerIsUnderWay() {
        var idle = EngineHTTPRequestGateStateMachine()
        XCTAssertEqual(idle.parserFailed(), .answerAndPass)
        var answering = EngineHTTPRequestGateStateMachine()
        _ = answering.partReceived(.head)
        answering.responseHeadWritten(informational: false)  // an early answer, the request still open
        XCTAssertEqual(answering.parserFailed(), .pass)
        var informational = EngineHTTPRequestGateStateMachine()
        _ = informational.partReceived(.head)
        informational.responseHeadWritten(informational: true)  // 100 Continue ends nothing
        XCTAssertEqual(informational.parserFailed(), .answerAndPass)
    }

    func testAParserErrorAfterARequestReadInFullWaitsForItsAnswer() {
        var machine = EngineHTTPRequestGateStateMachine()
        _ = machine.partReceived(.head)
        _ = machine.partReceived(.end)
        XCTAssertEqual(machine.parserFailed(), .hold, "the 200 owed for the request goes out before the 400")
        XCTAssertEqual(machine.readRequested(), .hold)
        XCTAssertEqual(machine.heldParserErrorReady(), .hold)
        machine.responseHeadWritten(informational: false)
        XCTAssertEqual(machine.responseEnded(), .releaseHeldParts)
        XCTAssertEqual(machine.heldParserErrorReady(), .answerAndPass)
    }

    func testAParserErrorBehindAHeldRequestWaitsForThatRequestsAnswerToo() {
        var machine = EngineHTTPRequestGateStateMachine()
        _ = machine.partReceived(.head)
        _ = machine.partReceived(.end)
        XCTAssertEqual(machine.partReceived(.head), .hold)
        XCTAssertEqual(machine.partReceived(.end), .hold)
        XCTAssertEqual(machine.parserFailed(), .hold)
        XCTAssertEqual(machine.responseEnded(), .releaseHeldParts)
        XCTAssertEqual(machine.heldPartReady(.head), .deliver)
        XCTAssertEqual(machine.heldPartReady(.end), .deliver)
        XCTAssertEqual(machine.heldParserErrorReady(), .hold)
        XCTAssertEqual(machine.responseEnded(), .releaseHeldParts)
        XCTAssertEqual(machine.heldParserErrorReady(), .answerAndPass)
    }

    func testQuiescingAnIdleConnectionClosesItAtOnce() {
        var machine = EngineHTTPRequestGateStateMachine()
        XCTAssertEqual(machine.quiesceRequested(), .close)
        XCTAssertEqual(machine.partReceived(.head), .drop)
        XCTAssertEqual(machine.readRequested(), .hold)
    }

    func testQuiescingDuringAHeldPollClosesAfterItsAnswerAndDropsPipelinedRequests() {
        var machine = EngineHTTPRequestGateStateMachine()
        _ = machine.partReceived(.head)
        _ = machine.partReceived(.end)
        XCTAssertEqual(machine.partReceived(.head), .hold)
        XCTAssertEqual(machine.quiesceRequested(), .dropHeldParts)
        XCTAssertEqual(machine.partReceived(.head), .drop)
        XCTAssertTrue(machine.responseHeadWritten(informational: false), "the last answer says Connection: close")
        XCTAssertEqual(machine.responseEnded(), .closeAfterWrite)
    }

    func testQuiescingWhileARequestIsReadClosesAfterItIsReadAndAnswered() {
        var machine = EngineHTTPRequestGateStateMachine()
        _ = machine.partReceived(.head)
        XCTAssertEqual(machine.quiesceRequested(), .dropHeldParts)
        XCTAssertEqual(machine.partReceived(.body), .deliver)
        XCTAssertEqual(machine.partReceived(.end), .deliver)
        XCTAssertFalse(machine.deliveredEndClosesConnection(), "its answer is still owed")
        XCTAssertEqual(machine.partReceived(.head), .drop)
        XCTAssertEqual(machine.responseEnded(), .closeAfterWrite)

        var answeredEarly = EngineHTTPRequestGateStateMachine()
        _ = answeredEarly.partReceived(.head)
        _ = answeredEarly.responseEnded()  // an early 413
        XCTAssertEqual(answeredEarly.quiesceRequested(), .dropHeldParts)
        XCTAssertEqual(answeredEarly.partReceived(.end), .deliver)
        XCTAssertTrue(answeredEarly.deliveredEndClosesConnection(), "answered already: close once it is read")
    }
}
