import NIOCore
import NIOEmbedded
import XCTest

@testable import EngineIO

/// The request gate in the engine's real pipeline (`EmbeddedChannel`): pipelined requests wait for
/// the answer before them, and a connection that pipelines without bound is closed.
final class HTTPRequestGateTests: XCTestCase {
    private var harness: EngineHTTPHarness!

    override func setUp() {
        super.setUp()
        self.harness = EngineHTTPHarness()
    }

    override func tearDown() {
        self.harness.shutdown()
        self.harness = nil
        super.tearDown()
    }

    func testARequestPipelinedBehindAParkedPollIsAnsweredAfterThePoll() throws {
        let sid = try self.harness.handshake()
        let polling = try self.harness.connect()
        let poster = try self.harness.connect()
        // The poll parks (nothing to send); a /healthz-style request pipelined behind it on the same
        // connection must not be answered first.
        try self.harness.write(
            ByteBuffer(
                string: "GET /engine.io/?EIO=4&transport=polling&sid=\(sid) HTTP/1.1\r\nHost: localhost\r\n\r\n"
                    + "GET /elsewhere HTTP/1.1\r\nHost: localhost\r\n\r\n"
            ),
            to: polling
        )
        XCTAssertNil(try self.harness.response(on: polling), "the poll is parked and the next request waits")
        try self.harness.post("/engine.io/?EIO=4&transport=polling&sid=\(sid)", body: "4hello", on: poster)
        XCTAssertEqual(try self.harness.response(on: poster)?.status, 200)
        let first = try XCTUnwrap(try self.harness.response(on: polling))
        XCTAssertEqual(first.status, 200)
        XCTAssertEqual(first.text, "4hello")
        let second = try XCTUnwrap(try self.harness.response(on: polling))
        XCTAssertEqual(second.status, 404, "the pipelined request is answered after the poll")
        XCTAssertTrue(polling.isActive)
    }

    func testAConnectionPipeliningWithoutBoundIsClosed() throws {
        let sid = try self.harness.handshake()
        let polling = try self.harness.connect()
        var bytes = "GET /engine.io/?EIO=4&transport=polling&sid=\(sid) HTTP/1.1\r\nHost: localhost\r\n\r\n"
        for _ in 0..<EngineHTTPRequestGate.maxHeldParts { bytes += "GET /x HTTP/1.1\r\n\r\n" }
        self.harness.writeCatchingPipelineError(ByteBuffer(string: bytes), to: polling)
        XCTAssertFalse(polling.isActive)
    }
}
