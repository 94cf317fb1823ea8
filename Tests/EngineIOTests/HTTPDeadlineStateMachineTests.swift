import NIOCore
import XCTest

@testable import EngineIO

final class HTTPDeadlineStateMachineTests: XCTestCase {
    private let limits = EngineHTTPLimits(headersTimeout: .seconds(60), requestTimeout: .seconds(300), keepAliveTimeout: .seconds(5))
    private let start = NIODeadline.uptimeNanoseconds(1_000_000_000)

    private func at(_ seconds: Int64) -> NIODeadline { self.start + .seconds(seconds) }

    func testASilentConnectionGetsA408AtTheHeadersDeadline() {
        var machine = EngineHTTPDeadlineStateMachine(limits: self.limits, now: self.start)
        XCTAssertEqual(machine.start(), .arm(self.at(60)))
        XCTAssertEqual(machine.timerFired(now: self.at(59)), .arm(self.at(60)))
        XCTAssertEqual(machine.timerFired(now: self.at(60)), .close(.headers, answer408: true))
        XCTAssertEqual(machine.timerFired(now: self.at(61)), .disarm)
    }

    func testAHeadSentByteByByteStillHasTheHeadersDeadlineOfItsFirstByte() {
        var machine = EngineHTTPDeadlineStateMachine(limits: self.limits, now: self.start)
        for second in 1...59 { XCTAssertEqual(machine.bytesReceived(now: self.at(Int64(second))), .none) }
        XCTAssertEqual(machine.timerFired(now: self.at(60)), .close(.headers, answer408: true))
    }

    func testABodySentSlowlyGetsA408AtTheRequestDeadline() {
        var machine = EngineHTTPDeadlineStateMachine(limits: self.limits, now: self.start)
        XCTAssertEqual(machine.headReceived(now: self.at(1)), .arm(self.at(300)))
        XCTAssertEqual(machine.bytesReceived(now: self.at(200)), .none)
        XCTAssertEqual(machine.timerFired(now: self.at(300)), .close(.request, answer408: true))
    }

    func testAnEarlyAnswerMeansNo408AndTheRequestEndStartsTheKeepAliveDeadline() {
        var machine = EngineHTTPDeadlineStateMachine(limits: self.limits, now: self.start)
        _ = machine.headReceived(now: self.at(1))
        XCTAssertEqual(machine.responseEnded(now: self.at(2)), .none)
        XCTAssertEqual(machine.requestEnded(now: self.at(3)), .arm(self.at(8)))
        var slow = EngineHTTPDeadlineStateMachine(limits: self.limits, now: self.start)
        _ = slow.headReceived(now: self.at(1))
        _ = slow.responseEnded(now: self.at(2))
        XCTAssertEqual(slow.timerFired(now: self.at(300)), .close(.request, answer408: false))
    }

    func testAHeldResponseHasNoDeadlineHereAndKeepAliveFollowsIt() {
        var machine = EngineHTTPDeadlineStateMachine(limits: self.limits, now: self.start)
        _ = machine.headReceived(now: self.at(1))
        XCTAssertEqual(machine.requestEnded(now: self.at(1)), .disarm)
        XCTAssertEqual(machine.timerFired(now: self.at(1_000)), .disarm)
        XCTAssertEqual(machine.responseEnded(now: self.at(1_025)), .arm(self.at(1_030)))
        XCTAssertEqual(machine.timerFired(now: self.at(1_030)), .close(.keepAlive, answer408: false))
    }

    func testTheNextRequestsFirstByteReplacesTheKeepAliveDeadlineWithTheHeadersOne() {
        var machine = EngineHTTPDeadlineStateMachine(limits: self.limits, now: self.start)
        _ = machine.headReceived(now: self.at(0))
        _ = machine.requestEnded(now: self.at(0))
        _ = machine.responseEnded(now: self.at(1))
        XCTAssertEqual(machine.bytesReceived(now: self.at(4)), .arm(self.at(64)))
        XCTAssertEqual(machine.timerFired(now: self.at(6)), .arm(self.at(64)))
        XCTAssertEqual(machine.headReceived(now: self.at(10)), .arm(self.at(304)))
    }

    func testPipelinedBytesDuringAResponseStartTheNextHeadersDeadline() {
        var machine = EngineHTTPDeadlineStateMachine(limits: self.limits, now: self.start)
        _ = machine.headReceived(now: self.at(0))
        _ = machine.requestEnded(now: self.at(0))
        XCTAssertEqual(machine.bytesReceived(now: self.at(2)), .none)
        XCTAssertEqual(machine.responseEnded(now: self.at(20)), .arm(self.at(62)))
        XCTAssertEqual(machine.timerFired(now: self.at(62)), .close(.headers, answer408: true))
    }

    func testAPipelinedHeadDeliveredAfterTheResponseCountsFromItsDelivery() {
        var machine = EngineHTTPDeadlineStateMachine(limits: self.limits, now: self.start)
        _ = machine.headReceived(now: self.at(0))
        _ = machine.requestEnded(now: self.at(0))
        _ = machine.responseEnded(now: self.at(3))
        XCTAssertEqual(machine.headReceived(now: self.at(3)), .arm(self.at(303)))
    }
}

/// The deadlines and the cap on real pipelines (embedded channels, the loop's clock advanced by hand).
final class HTTPDeadlineHandlerTests: XCTestCase {
    private func harness(_ limits: EngineHTTPLimits) -> EngineHTTPHarness {
        var configuration = EngineServerConfiguration(compressionThreshold: nil)
        configuration.httpLimits = limits
        return EngineHTTPHarness(configuration: configuration)
    }

    func testASilentConnectionIsAnswered408AndClosedAtTheHeadersDeadline() throws {
        let harness = self.harness(EngineHTTPLimits(headersTimeout: .seconds(60)))
        defer { harness.shutdown() }
        let channel = try harness.connect()
        harness.loop.advanceTime(by: .seconds(59))
        XCTAssertTrue(channel.isActive)
        harness.loop.advanceTime(by: .seconds(1))
        XCTAssertEqual(try harness.response(on: channel)?.status, 408)
        XCTAssertFalse(channel.isActive)
        XCTAssertEqual(harness.server.statistics.headersTimeouts.load(ordering: .relaxed), 1)
    }

    func testHalfAHeadIsClosedAtTheHeadersDeadline() throws {
        let harness = self.harness(EngineHTTPLimits(headersTimeout: .seconds(10)))
        defer { harness.shutdown() }
        let channel = try harness.connect()
        try harness.write(ByteBuffer(string: "GET /engine.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: a\r\n"), to: channel)
        harness.loop.advanceTime(by: .seconds(10))
        XCTAssertEqual(try harness.response(on: channel)?.status, 408)
        XCTAssertFalse(channel.isActive)
    }

    func testHalfABodyIsClosedAtTheRequestDeadline() throws {
        let harness = self.harness(EngineHTTPLimits(headersTimeout: .seconds(10), requestTimeout: .seconds(30)))
        defer { harness.shutdown() }
        let sid = try harness.handshake()
        let channel = try harness.connect()
        try harness.write(
            ByteBuffer(string: "POST /engine.io/?EIO=4&transport=polling&sid=\(sid) HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n4abc"),
            to: channel
        )
        harness.loop.advanceTime(by: .seconds(20))
        XCTAssertTrue(channel.isActive, "the head came in time; the body has the request deadline")
        harness.loop.advanceTime(by: .seconds(10))
        XCTAssertEqual(try harness.response(on: channel)?.status, 408)
        XCTAssertFalse(channel.isActive)
        XCTAssertEqual(harness.server.statistics.requestTimeouts.load(ordering: .relaxed), 1)
    }

    func testAnIdleKeepAliveConnectionIsClosedWithoutAnAnswer() throws {
        let harness = self.harness(EngineHTTPLimits(keepAliveTimeout: .seconds(5)))
        defer { harness.shutdown() }
        let channel = try harness.connect()
        try harness.get("/engine.io/?EIO=4&transport=polling", on: channel)
        XCTAssertEqual(try harness.response(on: channel)?.status, 200)
        harness.loop.advanceTime(by: .seconds(4))
        XCTAssertTrue(channel.isActive)
        try harness.get("/engine.io/?EIO=4&transport=polling", on: channel)
        XCTAssertEqual(try harness.response(on: channel)?.status, 200, "a request in time resets the keep-alive deadline")
        harness.loop.advanceTime(by: .seconds(4))
        XCTAssertTrue(channel.isActive)
        harness.loop.advanceTime(by: .seconds(1))
        XCTAssertNil(try harness.response(on: channel))
        XCTAssertFalse(channel.isActive)
        XCTAssertEqual(harness.server.statistics.keepAliveTimeouts.load(ordering: .relaxed), 1)
    }

    func testAWebSocketOutlivesTheHTTPDeadlines() throws {
        let harness = self.harness(EngineHTTPLimits(headersTimeout: .seconds(1), requestTimeout: .seconds(1), keepAliveTimeout: .seconds(1)))
        defer { harness.shutdown() }
        let channel = try harness.connect()
        try harness.request(
            "GET /engine.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: localhost" + EngineHTTPHarness.webSocketUpgradeHeaders,
            on: channel
        )
        XCTAssertEqual(try harness.response(on: channel)?.status, 101)
        harness.loop.advanceTime(by: .seconds(10))
        XCTAssertTrue(channel.isActive)
    }

    func testConnectionsOverTheCapAreAnswered503AndClosed() throws {
        let harness = self.harness(EngineHTTPLimits(maxConnections: 2))
        defer { harness.shutdown() }
        let first = try harness.connect()
        let second = try harness.connect()
        let third = try harness.connect()
        harness.loop.run()
        XCTAssertEqual(try harness.response(on: third)?.status, 503)
        XCTAssertEqual(harness.server.statistics.connectionsRefused.load(ordering: .relaxed), 1)
        XCTAssertEqual(harness.server.statistics.openConnections.load(ordering: .relaxed), 2)
        try harness.get("/engine.io/?EIO=4&transport=polling", on: first)
        XCTAssertEqual(try harness.response(on: first)?.status, 200)
        try second.close().wait()
        harness.loop.run()
        let fourth = try harness.connect()
        try harness.get("/engine.io/?EIO=4&transport=polling", on: fourth)
        XCTAssertEqual(try harness.response(on: fourth)?.status, 200, "a closed connection frees its place")
    }
}
