import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import NIOHTTP1
import XCTest

@testable import EngineIO

/// The HTTP long-polling front, end to end through `EngineServer.configureHTTPPipeline(on:)` on
/// `EmbeddedChannel`s: raw request bytes in, raw response bytes out.
final class HTTPFrontTests: XCTestCase {
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

    private func use(_ configuration: EngineServerConfiguration) {
        self.harness.shutdown()
        self.harness = EngineHTTPHarness(configuration: configuration)
    }

    private func expectError(
        _ response: RawHTTPResponse?,
        status: Int = 400,
        body: String,
        file: StaticString = #filePath,
        line: UInt = #line
    ) {
        guard let response else { return XCTFail("no response", file: file, line: line) }
        XCTAssertEqual(response.status, status, file: file, line: line)
        XCTAssertEqual(response.header("Content-Type"), "application/json", file: file, line: line)
        XCTAssertEqual(response.text, body, file: file, line: line)
    }

    // MARK: - Handshake

    func testHandshakeAnswersTheOpenPacket() throws {
        let channel = try self.harness.connect()
        try self.harness.get("/engine.io/?EIO=4&transport=polling&t=abc", on: channel)
        let response = try XCTUnwrap(try self.harness.response(on: channel))
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.header("Content-Type"), "text/plain; charset=UTF-8")
        XCTAssertEqual(response.header("Content-Length"), String(response.body.count))
        XCTAssertNil(response.header("Set-Cookie"), "no cookie unless configured")
        let json = try XCTUnwrap(EngineHTTPHarness.openPacketJSON(response.text), response.text)
        let sid = try XCTUnwrap(json["sid"] as? String)
        XCTAssertEqual(sid.count, 20)
        XCTAssertEqual(json["upgrades"] as? [String], ["websocket"])
        XCTAssertEqual(json["pingInterval"] as? Int, 25000)
        XCTAssertEqual(json["pingTimeout"] as? Int, 20000)
        XCTAssertEqual(json["maxPayload"] as? Int, 1_000_000)
        XCTAssertEqual(self.harness.server.sessionCount, 1)
        XCTAssertEqual(self.harness.log.sessions.map(\.id), [sid], "the application got the session")
        XCTAssertNotNil(self.harness.server.session(id: sid))
    }

    func testHandshakeAdvertisesNoUpgradesWhenTheyAreOff() throws {
        self.use(EngineServerConfiguration(allowUpgrades: false, compressionThreshold: nil))
        let channel = try self.harness.connect()
        try self.harness.get("/engine.io/?EIO=4&transport=polling", on: channel)
        let response = try XCTUnwrap(try self.harness.response(on: channel))
        XCTAssertEqual(EngineHTTPHarness.openPacketJSON(response.text)?["upgrades"] as? [String], [])
    }

    func testHandshakeOnACustomPathWithCustomTiming() throws {
        self.use(
            EngineServerConfiguration(
                path: "/socket.io",
                timing: EngineSessionTiming(pingInterval: .milliseconds(300), pingTimeout: .milliseconds(200)),
                maxHTTPBufferSize: 5000,
                compressionThreshold: nil
            )
        )
        let channel = try self.harness.connect()
        try self.harness.get("/socket.io/?EIO=4&transport=polling", on: channel)
        let json = try XCTUnwrap(EngineHTTPHarness.openPacketJSON(try XCTUnwrap(try self.harness.response(on: channel)).text))
        XCTAssertEqual(json["pingInterval"] as? Int, 300)
        XCTAssertEqual(json["pingTimeout"] as? Int, 200)
        XCTAssertEqual(json["maxPayload"] as? Int, 5000)
    }

    func testCookieIsSetOnTheHandshakeOnly() throws {
        self.use(EngineServerConfiguration(cookie: EngineCookie(), compressionThreshold: nil))
        let channel = try self.harness.connect()
        try self.harness.get("/engine.io/?EIO=4&transport=polling", on: channel)
        let handshake = try XCTUnwrap(try self.harness.response(on: channel))
        let sid = try EngineHTTPHarness.sid(fromOpenPacket: handshake.text)
        XCTAssertEqual(handshake.header("Set-Cookie"), "io=\(sid); Path=/; HttpOnly; SameSite=Lax")

        let other = try self.harness.connect()
        try self.harness.post("/engine.io/?EIO=4&transport=polling&sid=\(sid)", body: "4x", on: other)
        XCTAssertNil(try XCTUnwrap(try self.harness.response(on: other)).header("Set-Cookie"))
        try self.harness.get("/engine.io/?EIO=4&transport=polling&sid=\(sid)", on: other)
        let poll = try XCTUnwrap(try self.harness.response(on: other))
        XCTAssertEqual(poll.text, "4x")
        XCTAssertNil(poll.header("Set-Cookie"))
    }

    func testConfiguredSessionIDGeneratorIsUsedAndACollisionIsRetried() throws {
        let ids = NIOLockedValueBox(["first", "first", "second"])
        self.use(
            EngineServerConfiguration(
                compressionThreshold: nil,
                sessionIDGenerator: { ids.withLockedValue { $0.removeFirst() } }
            )
        )
        XCTAssertEqual(try self.harness.handshake(), "first")
        XCTAssertEqual(try self.harness.handshake(), "second", "the taken id is not handed out twice")
        XCTAssertEqual(self.harness.server.sessionCount, 2)
    }

    func testSessionIDIsJSONEscapedInTheOpenPacket() throws {
        self.use(EngineServerConfiguration(compressionThreshold: nil, sessionIDGenerator: { #"a"b\c"# }))
        XCTAssertEqual(try self.harness.handshake(), #"a"b\c"#)
    }

    // MARK: - Errors

    func testUnknownSessionIDIs400Code1() throws {
        let channel = try self.harness.connect()
        try self.harness.get("/engine.io/?EIO=4&transport=polling&sid=doesnotexist", on: channel)
        self.expectError(try self.harness.response(on: channel), body: #"{"code":1,"message":"Session ID unknown"}"#)
    }

    func testRequestErrorsInOrderOnOneKeepAliveConnection() throws {
        let channel = try self.harness.connect()
        try self.harness.get("/engine.io/?EIO=4", on: channel)
        self.expectError(try self.harness.response(on: channel), body: #"{"code":0,"message":"Transport unknown"}"#)
        try self.harness.get("/engine.io/?EIO=4&transport=flash", on: channel)
        self.expectError(try self.harness.response(on: channel), body: #"{"code":0,"message":"Transport unknown"}"#)
        try self.harness.request("POST /engine.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\nContent-Length: 0", on: channel)
        self.expectError(try self.harness.response(on: channel), body: #"{"code":2,"message":"Bad handshake method"}"#)
        try self.harness.get("/engine.io/?EIO=3&transport=polling", on: channel)
        self.expectError(try self.harness.response(on: channel), body: #"{"code":5,"message":"Unsupported protocol version"}"#)
        XCTAssertEqual(self.harness.server.sessionCount, 0)
        XCTAssertTrue(channel.isActive, "errors keep the connection alive")
    }

    /// A control character in `Origin` never reaches the engine's own check over HTTP/1.1: NIO's parser
    /// refuses the header first and its error handler answers a bare 400. Either way, no session.
    func testOriginWithAControlCharacterIsRefused() throws {
        let channel = try self.harness.connect()
        self.harness.writeCatchingPipelineError(
            ByteBuffer(string: "GET /engine.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\nOrigin: http://a\u{7F}b\r\n\r\n"),
            to: channel
        )
        XCTAssertEqual(try self.harness.response(on: channel)?.status, 400)
        XCTAssertEqual(self.harness.server.sessionCount, 0)
        XCTAssertEqual(self.harness.log.sessions.count, 0)
    }

    func testWebSocketHandshakeWithoutUpgradeHeadersIsCode3() throws {
        let channel = try self.harness.connect()
        try self.harness.get("/engine.io/?EIO=4&transport=websocket", on: channel)
        let response = try XCTUnwrap(try self.harness.response(on: channel))
        XCTAssertEqual(response.status, 400)
        XCTAssertEqual(response.text, #"{"code":3,"message":"Bad request"}"#)
    }

    func testPollingRequestNamingTheWrongTransportIsCode3() throws {
        let sid = try self.harness.handshake()
        let channel = try self.harness.connect()
        try self.harness.get("/engine.io/?EIO=4&transport=websocket&sid=\(sid)", on: channel)
        self.expectError(try self.harness.response(on: channel), body: #"{"code":3,"message":"Bad request"}"#)
        XCTAssertEqual(self.harness.server.sessionCount, 1, "the session survives a bad request")
    }

    func testOtherMethodsOnASessionAreCode3() throws {
        let sid = try self.harness.handshake()
        let channel = try self.harness.connect()
        try self.harness.request("PUT /engine.io/?EIO=4&transport=polling&sid=\(sid) HTTP/1.1\r\nHost: x\r\nContent-Length: 0", on: channel)
        self.expectError(try self.harness.response(on: channel), body: #"{"code":3,"message":"Bad request"}"#)
    }

    func testPathsOutsideTheEngineGet404WithoutAFallback() throws {
        let channel = try self.harness.connect()
        try self.harness.get("/health", on: channel)
        let response = try XCTUnwrap(try self.harness.response(on: channel))
        XCTAssertEqual(response.status, 404)
        XCTAssertEqual(response.text, "Not Found")
    }

    // MARK: - Polling data flow

    func testPostThenGetReturnsTheEcho() throws {
        let sid = try self.harness.handshake()
        let poster = try self.harness.connect()
        try self.harness.post("/engine.io/?EIO=4&transport=polling&sid=\(sid)", body: "4hello", on: poster)
        let ok = try XCTUnwrap(try self.harness.response(on: poster))
        XCTAssertEqual(ok.status, 200)
        XCTAssertEqual(ok.header("Content-Type"), "text/html")
        XCTAssertEqual(ok.text, "ok")
        XCTAssertEqual(self.harness.log.messages, [.text("hello")])

        let poller = try self.harness.connect()
        try self.harness.get("/engine.io/?EIO=4&transport=polling&sid=\(sid)", on: poller)
        let poll = try XCTUnwrap(try self.harness.response(on: poller))
        XCTAssertEqual(poll.status, 200)
        XCTAssertEqual(poll.header("Content-Type"), "text/plain; charset=UTF-8")
        XCTAssertEqual(poll.text, "4hello")
    }

    func testParkedGetIsAnsweredByTheEchoOfAPostOnAnotherConnection() throws {
        let sid = try self.harness.handshake()
        let poller = try self.harness.connect()
        try self.harness.get("/engine.io/?EIO=4&transport=polling&sid=\(sid)", on: poller)
        XCTAssertNil(try self.harness.response(on: poller), "the GET waits while there is nothing to send")

        let poster = try self.harness.connect()
        try self.harness.post("/engine.io/?EIO=4&transport=polling&sid=\(sid)", body: "4hé\u{1e}bAQID", on: poster)
        XCTAssertEqual(try self.harness.response(on: poster)?.text, "ok")
        XCTAssertEqual(self.harness.log.messages, [.text("hé"), .binary(ByteBuffer(bytes: [1, 2, 3]))])
        // The first echo releases the parked GET; the second waits for the next GET.
        XCTAssertEqual(try self.harness.response(on: poller)?.text, "4hé")
        try self.harness.get("/engine.io/?EIO=4&transport=polling&sid=\(sid)", on: poller)
        XCTAssertEqual(try self.harness.response(on: poller)?.text, "bAQID")
    }

    func testSeveralQueuedFramesGoOutAsOnePayload() throws {
        let sid = try self.harness.handshake()
        let channel = try self.harness.connect()
        try self.harness.post("/engine.io/?EIO=4&transport=polling&sid=\(sid)", body: "4a\u{1e}4b\u{1e}4c", on: channel)
        _ = try self.harness.response(on: channel)
        try self.harness.get("/engine.io/?EIO=4&transport=polling&sid=\(sid)", on: channel)
        XCTAssertEqual(try self.harness.response(on: channel)?.text, "4a\u{1e}4b\u{1e}4c")
    }

    func testApplicationSendFromOutsideTheHandlerReachesTheParkedGet() throws {
        let sid = try self.harness.handshake()
        let poller = try self.harness.connect()
        try self.harness.get("/engine.io/?EIO=4&transport=polling&sid=\(sid)", on: poller)
        let session = try XCTUnwrap(self.harness.server.session(id: sid))
        session.send(text: "pushed")
        self.harness.loop.run()
        XCTAssertEqual(try self.harness.response(on: poller)?.text, "4pushed")
    }

    // MARK: - Failures and closes

    func testOverlappingGetIs400AndTheParkedGetGetsTheClosePacket() throws {
        let sid = try self.harness.handshake()
        let first = try self.harness.connect()
        try self.harness.get("/engine.io/?EIO=4&transport=polling&sid=\(sid)", on: first)
        let second = try self.harness.connect()
        try self.harness.get("/engine.io/?EIO=4&transport=polling&sid=\(sid)", on: second)

        let rejected = try XCTUnwrap(try self.harness.response(on: second))
        XCTAssertEqual(rejected.status, 400)
        XCTAssertEqual(rejected.body, [])
        XCTAssertEqual(try self.harness.response(on: first)?.text, "1")
        XCTAssertEqual(self.harness.log.closes, [.transportError])
        XCTAssertEqual(self.harness.server.sessionCount, 0, "the session left the registry")

        try self.harness.get("/engine.io/?EIO=4&transport=polling&sid=\(sid)", on: second)
        self.expectError(try self.harness.response(on: second), body: #"{"code":1,"message":"Session ID unknown"}"#)
    }

    func testClientDroppingTheParkedGetClosesTheSession() throws {
        let sid = try self.harness.handshake()
        let poller = try self.harness.connect()
        try self.harness.get("/engine.io/?EIO=4&transport=polling&sid=\(sid)", on: poller)
        try poller.close().wait()
        self.harness.loop.run()
        XCTAssertEqual(self.harness.log.closes, [.transportError])
        XCTAssertEqual(self.harness.server.sessionCount, 0)
    }

    func testServerCloseReleasesTheParkedGetWithTheClosePacket() throws {
        let sid = try self.harness.handshake()
        let poller = try self.harness.connect()
        try self.harness.get("/engine.io/?EIO=4&transport=polling&sid=\(sid)", on: poller)
        try XCTUnwrap(self.harness.server.session(id: sid)).close()
        self.harness.loop.run()
        XCTAssertEqual(try self.harness.response(on: poller)?.text, "1")
        XCTAssertEqual(self.harness.log.closes, [.forcedClose])
        XCTAssertEqual(self.harness.server.sessionCount, 0)
    }

    func testServerCloseWithoutAGetHandsTheClosePacketToTheNextGet() throws {
        let sid = try self.harness.handshake()
        let channel = try self.harness.connect()
        try self.harness.post("/engine.io/?EIO=4&transport=polling&sid=\(sid)", body: "4bye", on: channel)
        _ = try self.harness.response(on: channel)
        self.harness.server.closeAllSessions()
        self.harness.loop.run()
        XCTAssertEqual(self.harness.log.closes, [.forcedClose], "the application learns at once")
        XCTAssertEqual(self.harness.server.sessionCount, 1, "held until the client fetched the close packet")
        try self.harness.get("/engine.io/?EIO=4&transport=polling&sid=\(sid)", on: channel)
        XCTAssertEqual(try self.harness.response(on: channel)?.text, "4bye\u{1e}1")
        XCTAssertEqual(self.harness.server.sessionCount, 0)
    }

    func testClosePacketFromTheClientEndsTheSession() throws {
        let sid = try self.harness.handshake()
        let channel = try self.harness.connect()
        try self.harness.post("/engine.io/?EIO=4&transport=polling&sid=\(sid)", body: "1", on: channel)
        XCTAssertEqual(try self.harness.response(on: channel)?.text, "ok")
        XCTAssertEqual(self.harness.log.closes, [.transportClose])
        XCTAssertEqual(self.harness.server.sessionCount, 0)
    }

    func testMalformedPostIsAnsweredAndClosesWithParseError() throws {
        let sid = try self.harness.handshake()
        let channel = try self.harness.connect()
        try self.harness.post("/engine.io/?EIO=4&transport=polling&sid=\(sid)", body: "4ok\u{1e}9bad", on: channel)
        XCTAssertEqual(try self.harness.response(on: channel)?.text, "ok")
        XCTAssertEqual(self.harness.log.messages, [], "nothing from a payload that does not parse")
        XCTAssertEqual(self.harness.log.closes, [.parseError])
    }

    func testPostOverMaxHTTPBufferSizeByContentLengthIs413() throws {
        self.use(EngineServerConfiguration(maxHTTPBufferSize: 8, compressionThreshold: nil))
        let sid = try self.harness.handshake()
        let channel = try self.harness.connect()
        try self.harness.post("/engine.io/?EIO=4&transport=polling&sid=\(sid)", body: "4twelve bytes", on: channel)
        let response = try XCTUnwrap(try self.harness.response(on: channel))
        XCTAssertEqual(response.status, 413)
        XCTAssertEqual(response.header("Connection"), "close")
        XCTAssertEqual(self.harness.log.messages, [])
        XCTAssertEqual(self.harness.log.closes, [.transportError])
        XCTAssertEqual(self.harness.server.sessionCount, 0)
        XCTAssertFalse(channel.isActive, "the connection is closed after a 413")
    }

    func testChunkedPostGrowingOverMaxHTTPBufferSizeIs413() throws {
        self.use(EngineServerConfiguration(maxHTTPBufferSize: 8, compressionThreshold: nil))
        let sid = try self.harness.handshake()
        let channel = try self.harness.connect()
        try self.harness.write(
            ByteBuffer(
                string: "POST /engine.io/?EIO=4&transport=polling&sid=\(sid) HTTP/1.1\r\nHost: x\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n5\r\n4abcd\r\n"
            ),
            to: channel
        )
        XCTAssertNil(try self.harness.response(on: channel), "5 bytes are within the limit")
        try self.harness.write(ByteBuffer(string: "5\r\nefghi\r\n0\r\n\r\n"), to: channel)
        XCTAssertEqual(try self.harness.response(on: channel)?.status, 413)
        XCTAssertEqual(self.harness.log.messages, [])
        XCTAssertEqual(self.harness.log.closes, [.transportError])
    }

    func testOverlappingPostIs400AndClosesTheSession() throws {
        let sid = try self.harness.handshake()
        let slow = try self.harness.connect()
        try self.harness.write(
            ByteBuffer(string: "POST /engine.io/?EIO=4&transport=polling&sid=\(sid) HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n4abc"),
            to: slow
        )
        let fast = try self.harness.connect()
        try self.harness.post("/engine.io/?EIO=4&transport=polling&sid=\(sid)", body: "4x", on: fast)
        let rejected = try XCTUnwrap(try self.harness.response(on: fast))
        XCTAssertEqual(rejected.status, 400)
        XCTAssertEqual(rejected.body, [])
        XCTAssertEqual(self.harness.log.closes, [.transportError])

        try self.harness.write(ByteBuffer(string: "defghi"), to: slow)
        XCTAssertEqual(try self.harness.response(on: slow)?.text, "ok", "the first POST is still answered")
        XCTAssertEqual(self.harness.log.messages, [], "nothing is delivered after the close")
    }

    /// What must hold whether or not the session survives (see the machine's
    /// `testAbandonedPostClosesWithTransportErrorLikeTheReference`): the partial body is never
    /// delivered, and the next POST is not treated as an overlap.
    func testPostWhoseConnectionDropsMidBodyIsNeverDelivered() throws {
        let sid = try self.harness.handshake()
        let dropped = try self.harness.connect()
        try self.harness.write(
            ByteBuffer(string: "POST /engine.io/?EIO=4&transport=polling&sid=\(sid) HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n4abc"),
            to: dropped
        )
        try dropped.close().wait()
        self.harness.loop.run()
        XCTAssertEqual(self.harness.log.messages, [], "a partial body is never delivered")

        let channel = try self.harness.connect()
        try self.harness.post("/engine.io/?EIO=4&transport=polling&sid=\(sid)", body: "4again", on: channel)
        let response = try XCTUnwrap(try self.harness.response(on: channel))
        XCTAssertNotEqual(response.text, "", "not the empty 400 of an overlapping POST")
        XCTAssertEqual(self.harness.log.closes.filter { $0 != .transportError }, [])
    }

    // MARK: - CORS

    func testCORSPreflightAndResponseHeaders() throws {
        self.use(EngineServerConfiguration(cors: EngineCORSPolicy(allowCredentials: true), compressionThreshold: nil))
        let channel = try self.harness.connect()
        try self.harness.request(
            "OPTIONS /engine.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\nOrigin: https://app.example\r\n"
                + "Access-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: content-type",
            on: channel
        )
        let preflight = try XCTUnwrap(try self.harness.response(on: channel))
        XCTAssertEqual(preflight.status, 204)
        XCTAssertEqual(preflight.header("Access-Control-Allow-Origin"), "https://app.example")
        XCTAssertEqual(preflight.header("Access-Control-Allow-Credentials"), "true")
        XCTAssertEqual(preflight.header("Access-Control-Allow-Methods"), "GET,POST,OPTIONS")
        XCTAssertEqual(preflight.header("Access-Control-Allow-Headers"), "content-type")

        try self.harness.get("/engine.io/?EIO=4&transport=polling", headers: "\r\nOrigin: https://app.example", on: channel)
        let handshake = try XCTUnwrap(try self.harness.response(on: channel))
        XCTAssertEqual(handshake.status, 200)
        XCTAssertEqual(handshake.header("Access-Control-Allow-Origin"), "https://app.example")
        XCTAssertEqual(handshake.header("Access-Control-Allow-Credentials"), "true")
    }

    func testNoCORSHeadersWithoutAPolicy() throws {
        let channel = try self.harness.connect()
        try self.harness.get("/engine.io/?EIO=4&transport=polling", headers: "\r\nOrigin: https://app.example", on: channel)
        let response = try XCTUnwrap(try self.harness.response(on: channel))
        XCTAssertEqual(response.status, 200)
        XCTAssertNil(response.header("Access-Control-Allow-Origin"))
    }

    // MARK: - Compression

    func testLargePollingResponsesAreCompressedSmallOnesAreNot() throws {
        self.use(EngineServerConfiguration())  // threshold 1024
        let sid = try self.harness.handshake()
        let channel = try self.harness.connect()
        let big = String(repeating: "x", count: 2000)
        try self.harness.post("/engine.io/?EIO=4&transport=polling&sid=\(sid)", body: "4" + big, on: channel)
        XCTAssertNil(try XCTUnwrap(try self.harness.response(on: channel)).header("Content-Encoding"), "`ok` is small")
        try self.harness.get("/engine.io/?EIO=4&transport=polling&sid=\(sid)", headers: "\r\nAccept-Encoding: gzip", on: channel)
        let response = try XCTUnwrap(try self.harness.response(on: channel))
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.header("Content-Encoding"), "gzip")
        XCTAssertLessThan(response.body.count, 2001, "compressed")
    }
}
