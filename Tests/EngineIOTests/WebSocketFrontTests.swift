import NIOCore
import NIOEmbedded
import XCTest

@testable import EngineIO

/// WebSocket sessions and the polling → WebSocket upgrade, end to end on `EmbeddedChannel`s.
final class WebSocketFrontTests: XCTestCase {
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

    private let textOpcode: UInt8 = 0x1

    /// Sends the upgrade request and checks the 101.
    private func upgrade(_ target: String, on channel: EmbeddedChannel, file: StaticString = #filePath, line: UInt = #line) throws {
        try self.harness.get(target, headers: EngineHTTPHarness.webSocketUpgradeHeaders, on: channel)
        let response = try XCTUnwrap(try self.harness.response(on: channel), "no upgrade response", file: file, line: line)
        XCTAssertEqual(response.status, 101, file: file, line: line)
        XCTAssertEqual(response.header("Sec-WebSocket-Accept"), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", file: file, line: line)
    }

    func testWebSocketHandshakeOpensASessionAndEchoes() throws {
        let channel = try self.harness.connect()
        try self.upgrade("/engine.io/?EIO=4&transport=websocket", on: channel)
        let opening = try self.harness.webSocketFrames(on: channel)
        XCTAssertEqual(opening.count, 1)
        XCTAssertEqual(opening.first?.opcode, self.textOpcode)
        let json = try XCTUnwrap(EngineHTTPHarness.openPacketJSON(opening.first?.text ?? ""))
        XCTAssertEqual((json["sid"] as? String)?.count, 20)
        XCTAssertEqual(json["pingInterval"] as? Int, 25000)
        XCTAssertEqual(self.harness.server.sessionCount, 1)
        XCTAssertEqual(self.harness.log.sessions.count, 1)

        try self.harness.write(EngineHTTPHarness.clientTextFrame("4hello"), to: channel)
        XCTAssertEqual(try self.harness.webSocketFrames(on: channel), [RawWebSocketFrame(opcode: self.textOpcode, payload: Array("4hello".utf8))])

        try self.harness.write(EngineHTTPHarness.clientFrame(opcode: 0x2, [0, 1, 255]), to: channel)
        XCTAssertEqual(try self.harness.webSocketFrames(on: channel), [RawWebSocketFrame(opcode: 0x2, payload: [0, 1, 255])], "binary stays binary, no prefix")
        XCTAssertEqual(self.harness.log.messages, [.text("hello"), .binary(ByteBuffer(bytes: [0, 1, 255]))])
    }

    /// The wire reference (and engine.io's `upgrades(transport)`): `upgrades` lists what the *current*
    /// transport may upgrade to, `[]` for a session that starts on WebSocket.
    func testWebSocketHandshakeAdvertisesNoUpgrades() throws {
        let channel = try self.harness.connect()
        try self.upgrade("/engine.io/?EIO=4&transport=websocket", on: channel)
        let opening = try self.harness.webSocketFrames(on: channel)
        let json = try XCTUnwrap(EngineHTTPHarness.openPacketJSON(opening.first?.text ?? ""))
        XCTAssertEqual(json["upgrades"] as? [String], [])
    }

    func testGarbageTextFrameClosesWithParseError() throws {
        let channel = try self.harness.connect()
        try self.upgrade("/engine.io/?EIO=4&transport=websocket", on: channel)
        _ = try self.harness.webSocketFrames(on: channel)
        try self.harness.write(EngineHTTPHarness.clientTextFrame("9?"), to: channel)
        XCTAssertEqual(self.harness.log.closes, [.parseError])
        XCTAssertEqual(self.harness.server.sessionCount, 0)
        XCTAssertEqual(try self.harness.webSocketFrames(on: channel).last?.opcode, 0x8, "a WebSocket close frame goes out")
    }

    func testClientClosingTheSocketIsTransportClose() throws {
        let channel = try self.harness.connect()
        try self.upgrade("/engine.io/?EIO=4&transport=websocket", on: channel)
        try channel.close().wait()
        self.harness.loop.run()
        XCTAssertEqual(self.harness.log.closes, [.transportClose])
        XCTAssertEqual(self.harness.server.sessionCount, 0)
    }

    func testClientCloseFrameIsAnsweredAndEndsTheSession() throws {
        let channel = try self.harness.connect()
        try self.upgrade("/engine.io/?EIO=4&transport=websocket", on: channel)
        _ = try self.harness.webSocketFrames(on: channel)
        try self.harness.write(EngineHTTPHarness.clientFrame(opcode: 0x8, [0x03, 0xE8]), to: channel)
        XCTAssertEqual(try self.harness.webSocketFrames(on: channel).first, RawWebSocketFrame(opcode: 0x8, payload: [0x03, 0xE8]))
        XCTAssertFalse(channel.isActive)
        XCTAssertEqual(self.harness.log.closes, [.transportClose])
        XCTAssertEqual(self.harness.server.sessionCount, 0)
    }

    func testWebSocketPingFrameGetsAPongAndIsNoEngineIOPacket() throws {
        let channel = try self.harness.connect()
        try self.upgrade("/engine.io/?EIO=4&transport=websocket", on: channel)
        _ = try self.harness.webSocketFrames(on: channel)
        try self.harness.write(EngineHTTPHarness.clientFrame(opcode: 0x9, Array("hb".utf8)), to: channel)
        XCTAssertEqual(try self.harness.webSocketFrames(on: channel), [RawWebSocketFrame(opcode: 0xA, payload: Array("hb".utf8))])
        XCTAssertEqual(self.harness.log.closes, [], "a WebSocket-level ping is not an Engine.IO client ping")
    }

    func testEngineIOPingFromTheClientIsAProtocolError() throws {
        let channel = try self.harness.connect()
        try self.upgrade("/engine.io/?EIO=4&transport=websocket", on: channel)
        try self.harness.write(EngineHTTPHarness.clientTextFrame("2"), to: channel)
        XCTAssertEqual(self.harness.log.closes, [.transportError])
    }

    func testServerCloseSendsOnlyACloseFrameOverTheWebSocket() throws {
        let channel = try self.harness.connect()
        try self.upgrade("/engine.io/?EIO=4&transport=websocket", on: channel)
        _ = try self.harness.webSocketFrames(on: channel)
        self.harness.server.closeAllSessions()
        self.harness.loop.run()
        let frames = try self.harness.webSocketFrames(on: channel)
        XCTAssertEqual(frames.map(\.opcode), [0x8], "a close frame and no `1` packet, as the reference")
        XCTAssertEqual(self.harness.log.closes, [.forcedClose])
    }

    func testRefusedUpgradeForAnUnknownSessionIsAPlain400() throws {
        let channel = try self.harness.connect()
        // A refused upgrade may make the pipeline fire an error as well as answer (NIO's own upgrader
        // does); only the answer matters to the client.
        self.harness.writeCatchingPipelineError(
            ByteBuffer(
                string: "GET /engine.io/?EIO=4&transport=websocket&sid=nosuchsession HTTP/1.1\r\nHost: x"
                    + EngineHTTPHarness.webSocketUpgradeHeaders + "\r\n\r\n"
            ),
            to: channel
        )
        let response = try XCTUnwrap(try self.harness.response(on: channel))
        XCTAssertEqual(response.status, 400)
        XCTAssertEqual(response.header("Content-Type"), "text/html")
        XCTAssertEqual(response.text, "Session ID unknown")
        XCTAssertEqual(response.header("Connection"), "close")
    }

    func testRefusedUpgradeForAnUnsupportedVersionIsAPlain400() throws {
        let channel = try self.harness.connect()
        self.harness.writeCatchingPipelineError(
            ByteBuffer(
                string: "GET /engine.io/?EIO=3&transport=websocket HTTP/1.1\r\nHost: x"
                    + EngineHTTPHarness.webSocketUpgradeHeaders + "\r\n\r\n"
            ),
            to: channel
        )
        let response = try XCTUnwrap(try self.harness.response(on: channel))
        XCTAssertEqual(response.status, 400)
        XCTAssertEqual(response.text, "Unsupported protocol version")
        XCTAssertEqual(self.harness.server.sessionCount, 0)
    }

    func testUpgradeRequestWithoutAValidKeyIsAPlain400() throws {
        let channel = try self.harness.connect()
        self.harness.writeCatchingPipelineError(
            ByteBuffer(
                string: "GET /engine.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n"
                    + "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ),
            to: channel
        )
        let response = try XCTUnwrap(try self.harness.response(on: channel))
        XCTAssertEqual(response.status, 400)
        XCTAssertEqual(response.text, "Bad request")
        XCTAssertEqual(self.harness.server.sessionCount, 0)
    }

    /// Some clients (aiohttp) reuse the polling connection for the WebSocket: the probe may follow
    /// polling requests on one keep-alive connection.
    func testUpgradeOnTheKeepAliveConnectionThatDidThePolling() throws {
        let channel = try self.harness.connect()
        try self.harness.get("/engine.io/?EIO=4&transport=polling", on: channel)
        let sid = try EngineHTTPHarness.sid(fromOpenPacket: try XCTUnwrap(try self.harness.response(on: channel)).text)
        try self.harness.post("/engine.io/?EIO=4&transport=polling&sid=\(sid)", body: "4first", on: channel)
        XCTAssertEqual(try self.harness.response(on: channel)?.text, "ok")

        try self.upgrade("/engine.io/?EIO=4&transport=websocket&sid=\(sid)", on: channel)
        try self.harness.write(EngineHTTPHarness.clientTextFrame("2probe"), to: channel)
        XCTAssertEqual(try self.harness.webSocketFrames(on: channel).map(\.text), ["3probe"])
        try self.harness.write(EngineHTTPHarness.clientTextFrame("5"), to: channel)
        XCTAssertEqual(
            try self.harness.webSocketFrames(on: channel).map(\.text),
            ["4first"],
            "the echo queued for polling is flushed to the WebSocket"
        )
        XCTAssertEqual(self.harness.log.upgrades, 1)
    }

    func testUpgradeFromPollingToWebSocket() throws {
        let sid = try self.harness.handshake()
        let polling = "/engine.io/?EIO=4&transport=polling&sid=\(sid)"
        let poller = try self.harness.connect()
        try self.harness.get(polling, on: poller)
        XCTAssertNil(try self.harness.response(on: poller))

        let socket = try self.harness.connect()
        try self.upgrade("/engine.io/?EIO=4&transport=websocket&sid=\(sid)", on: socket)
        XCTAssertEqual(try self.harness.webSocketFrames(on: socket), [], "no open packet on a probe")

        try self.harness.write(EngineHTTPHarness.clientTextFrame("2probe"), to: socket)
        XCTAssertEqual(try self.harness.webSocketFrames(on: socket).map(\.text), ["3probe"])
        XCTAssertEqual(try self.harness.response(on: poller)?.text, "6", "the parked GET is released with a noop")

        // Data sent over polling while the client upgrades still arrives and is echoed through polling.
        let poster = try self.harness.connect()
        try self.harness.post(polling, body: "4during", on: poster)
        XCTAssertEqual(try self.harness.response(on: poster)?.text, "ok")
        try self.harness.get(polling, on: poller)
        XCTAssertEqual(try self.harness.response(on: poller)?.text, "4during")
        try self.harness.get(polling, on: poller)
        XCTAssertNil(try self.harness.response(on: poller), "a GET after the probe waits a moment for the 5")

        try self.harness.write(EngineHTTPHarness.clientTextFrame("5"), to: socket)
        XCTAssertEqual(try self.harness.response(on: poller)?.status, 400, "the 5 came first: refused as on WebSocket")
        XCTAssertEqual(self.harness.log.upgrades, 1)
        XCTAssertEqual(try self.harness.webSocketFrames(on: socket), [])

        try self.harness.write(EngineHTTPHarness.clientTextFrame("4now on ws"), to: socket)
        XCTAssertEqual(try self.harness.webSocketFrames(on: socket).map(\.text), ["4now on ws"])

        try self.harness.get(polling, on: poller)
        let mismatch = try XCTUnwrap(try self.harness.response(on: poller))
        XCTAssertEqual(mismatch.status, 400)
        XCTAssertEqual(mismatch.text, #"{"code":3,"message":"Bad request"}"#)
        XCTAssertEqual(self.harness.log.closes, [], "the session lives on over WebSocket")
    }

    func testUpgradeFlushesWhatWasQueuedForPolling() throws {
        let sid = try self.harness.handshake()
        let socket = try self.harness.connect()
        try self.upgrade("/engine.io/?EIO=4&transport=websocket&sid=\(sid)", on: socket)
        try self.harness.write(EngineHTTPHarness.clientTextFrame("2probe"), to: socket)
        _ = try self.harness.webSocketFrames(on: socket)

        let session = try XCTUnwrap(self.harness.server.session(id: sid))
        session.send(text: "queued-1")
        session.send(text: "queued-2")
        self.harness.loop.run()
        try self.harness.write(EngineHTTPHarness.clientTextFrame("5"), to: socket)
        XCTAssertEqual(try self.harness.webSocketFrames(on: socket).map(\.text), ["4queued-1", "4queued-2"])
    }

    func testBadPacketOnTheProbeClosesItAndPollingContinues() throws {
        let sid = try self.harness.handshake()
        let socket = try self.harness.connect()
        try self.upgrade("/engine.io/?EIO=4&transport=websocket&sid=\(sid)", on: socket)
        try self.harness.write(EngineHTTPHarness.clientTextFrame("4not a probe"), to: socket)
        XCTAssertEqual(try self.harness.webSocketFrames(on: socket).last?.opcode, 0x8, "the probe is closed")
        XCTAssertEqual(self.harness.log.messages, [], "nothing is delivered from a probe")

        let channel = try self.harness.connect()
        try self.harness.post("/engine.io/?EIO=4&transport=polling&sid=\(sid)", body: "4still polling", on: channel)
        _ = try self.harness.response(on: channel)
        try self.harness.get("/engine.io/?EIO=4&transport=polling&sid=\(sid)", on: channel)
        XCTAssertEqual(try self.harness.response(on: channel)?.text, "4still polling")
        XCTAssertEqual(self.harness.log.closes, [])
    }

    func testProbeIsRefusedWhenUpgradesAreOff() throws {
        self.harness.shutdown()
        self.harness = EngineHTTPHarness(configuration: EngineServerConfiguration(allowUpgrades: false, compressionThreshold: nil))
        let sid = try self.harness.handshake()
        let socket = try self.harness.connect()
        try self.upgrade("/engine.io/?EIO=4&transport=websocket&sid=\(sid)", on: socket)
        XCTAssertEqual(try self.harness.webSocketFrames(on: socket).last?.opcode, 0x8, "the probe is closed at once")
        try self.harness.write(EngineHTTPHarness.clientTextFrame("2probe"), to: socket)
        XCTAssertFalse(try self.harness.webSocketFrames(on: socket).contains { $0.text == "3probe" })
        XCTAssertEqual(self.harness.log.closes, [])
    }
    // MARK: - Frames (the engine's own WebSocket handler)

    func testProtocolErrorSendsA1002CloseAndFailsTheSession() throws {
        let channel = try self.harness.connect()
        try self.upgrade("/engine.io/?EIO=4&transport=websocket", on: channel)
        _ = try self.harness.webSocketFrames(on: channel)
        let unmasked = WebSocketFrameParserTests.frame(0x1, Array("4hi".utf8), mask: nil)
        try self.harness.write(ByteBuffer(bytes: unmasked), to: channel)
        XCTAssertEqual(try self.harness.webSocketFrames(on: channel), [RawWebSocketFrame(opcode: 0x8, payload: [0x03, 0xEA])])
        XCTAssertFalse(channel.isActive)
        XCTAssertEqual(self.harness.log.messages, [])
        XCTAssertEqual(self.harness.log.closes, [.transportError])
        XCTAssertEqual(self.harness.server.sessionCount, 0)
    }

    func testTooBigMessageSendsA1009Close() throws {
        self.harness.shutdown()
        self.harness = EngineHTTPHarness(configuration: EngineServerConfiguration(maxHTTPBufferSize: 20_000, compressionThreshold: nil))
        let channel = try self.harness.connect()
        try self.upgrade("/engine.io/?EIO=4&transport=websocket", on: channel)
        _ = try self.harness.webSocketFrames(on: channel)
        let header = Array(WebSocketFrameParserTests.frame(0x2, Array(repeating: 0, count: 20_001)).prefix(14))
        try self.harness.write(ByteBuffer(bytes: header), to: channel)
        XCTAssertEqual(try self.harness.webSocketFrames(on: channel), [RawWebSocketFrame(opcode: 0x8, payload: [0x03, 0xF1])])
        XCTAssertEqual(self.harness.log.closes, [.transportError])
    }

    func testFragmentedMessageWithAPingInsideIsDeliveredWhole() throws {
        let channel = try self.harness.connect()
        try self.upgrade("/engine.io/?EIO=4&transport=websocket", on: channel)
        _ = try self.harness.webSocketFrames(on: channel)
        var bytes = WebSocketFrameParserTests.frame(0x1, Array("4hel".utf8), fin: false)
        bytes += WebSocketFrameParserTests.frame(0x9, [7])
        bytes += WebSocketFrameParserTests.frame(0x0, Array("lo".utf8))
        try self.harness.write(ByteBuffer(bytes: bytes), to: channel)
        XCTAssertEqual(
            try self.harness.webSocketFrames(on: channel),
            [RawWebSocketFrame(opcode: 0xA, payload: [7]), RawWebSocketFrame(opcode: 0x1, payload: Array("4hello".utf8))]
        )
        XCTAssertEqual(self.harness.log.messages, [.text("hello")])
    }

    func testLargeMessagesGoOutWithLongLengths() throws {
        let channel = try self.harness.connect()
        try self.upgrade("/engine.io/?EIO=4&transport=websocket", on: channel)
        _ = try self.harness.webSocketFrames(on: channel)
        for count in [125, 126, 1_000, 1_025, 65_535, 65_536, 100_000] {
            let payload = (0..<count).map { UInt8(truncatingIfNeeded: $0) }
            try self.harness.write(ByteBuffer(bytes: WebSocketFrameParserTests.frame(0x2, payload)), to: channel)
            XCTAssertEqual(try self.harness.webSocketFrames(on: channel), [RawWebSocketFrame(opcode: 0x2, payload: payload)], "\(count) bytes")
        }
    }

    func testFramesInTheSameReadAsTheUpgradeRequestAreRead() throws {
        let channel = try self.harness.connect()
        var bytes = ByteBuffer(
            string: "GET /engine.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x" + EngineHTTPHarness.webSocketUpgradeHeaders + "\r\n\r\n"
        )
        bytes.writeBytes(WebSocketFrameParserTests.text("4early"))
        try self.harness.write(bytes, to: channel)
        XCTAssertEqual(try self.harness.response(on: channel)?.status, 101)
        XCTAssertEqual(try self.harness.webSocketFrames(on: channel).dropFirst().map(\.text), ["4early"])
        XCTAssertEqual(self.harness.log.messages, [.text("early")])
    }
}
