import NIOCore
import NIOEmbedded
import XCTest

@testable import EngineIO

/// permessage-deflate through the whole server on `EmbeddedChannel`s: the 101's answer, what the
/// transport compresses (threshold, a frame's `compress` flag), and a compressed message from the
/// client reaching the session.
final class WebSocketDeflateFrontTests: XCTestCase {
    private var harness: EngineHTTPHarness!

    override func setUp() {
        super.setUp()
        self.harness = EngineHTTPHarness(
            configuration: EngineServerConfiguration(compressionThreshold: nil, perMessageDeflate: EnginePerMessageDeflate(threshold: 200))
        )
    }

    override func tearDown() {
        self.harness.shutdown()
        self.harness = nil
        super.tearDown()
    }

    private func open(offer: String?) throws -> (EmbeddedChannel, RawHTTPResponse) {
        let channel = try self.harness.connect()
        let extensions = offer.map { "\r\nSec-WebSocket-Extensions: \($0)" } ?? ""
        try self.harness.get("/engine.io/?EIO=4&transport=websocket", headers: EngineHTTPHarness.webSocketUpgradeHeaders + extensions, on: channel)
        let response = try XCTUnwrap(try self.harness.response(on: channel))
        return (channel, response)
    }

    func testCompressesAtTheThresholdUnlessTheFrameSaysNot() throws {
        let (channel, response) = try self.open(offer: "permessage-deflate; client_max_window_bits")
        XCTAssertEqual(response.status, 101)
        XCTAssertEqual(response.header("Sec-WebSocket-Extensions"), "permessage-deflate")
        let opening = try self.harness.webSocketFrames(on: channel)
        XCTAssertEqual(opening.map(\.rsv1), [false], "the open packet is under the threshold")
        let session = try XCTUnwrap(self.harness.log.sessions.first)
        let inflater = try XCTUnwrap(EngineInflater(noContextTakeover: false))

        let big = String(repeating: "deflate me ", count: 40)
        session.sendOnEventLoop(.message(big))
        channel.embeddedEventLoop.run()
        let compressed = try XCTUnwrap(try self.harness.webSocketFrames(on: channel).first)
        XCTAssertTrue(compressed.rsv1)
        XCTAssertLessThan(compressed.payload.count, big.utf8.count / 4)
        XCTAssertEqual(inflater.inflate(ByteBuffer(bytes: compressed.payload), limit: 10_000), .inflated(ByteBuffer(string: "4" + big)))

        session.sendOnEventLoop(EngineFrame.message(big).compressed(false))

        channel.embeddedEventLoop.run()
        XCTAssertEqual(try self.harness.webSocketFrames(on: channel), [RawWebSocketFrame(opcode: 0x1, payload: Array(("4" + big).utf8))])

        session.sendOnEventLoop(.message("small"))

        channel.embeddedEventLoop.run()
        XCTAssertEqual(try self.harness.webSocketFrames(on: channel), [RawWebSocketFrame(opcode: 0x1, payload: Array("4small".utf8))])
    }

    func testNoOfferNoCompression() throws {
        let (channel, response) = try self.open(offer: nil)
        XCTAssertEqual(response.status, 101)
        XCTAssertNil(response.header("Sec-WebSocket-Extensions"))
        _ = try self.harness.webSocketFrames(on: channel)
        let session = try XCTUnwrap(self.harness.log.sessions.first)
        let big = String(repeating: "x", count: 1000)
        session.sendOnEventLoop(.message(big))
        channel.embeddedEventLoop.run()
        XCTAssertEqual(try self.harness.webSocketFrames(on: channel), [RawWebSocketFrame(opcode: 0x1, payload: Array(("4" + big).utf8))])
    }

    func testBadOfferIsA400() throws {
        let (_, response) = try self.open(offer: "permessage-deflate; client_max_window_bits=99")
        XCTAssertEqual(response.status, 400)
        XCTAssertTrue(self.harness.log.sessions.isEmpty)
    }
}
