import NIOCore
import NIOEmbedded
import NIOHTTP1
import XCTest

@testable import EngineIO

/// The engine's HTTP front with a host framework's HTTP server after it on the same connection
/// (`configureHTTPPipeline(on:passingOtherRequestsOn: true)`, as `SocketIOHummingbird` installs it):
/// requests outside the engine's path go on to the next handler one by one, the engine's own requests
/// never reach it, and a WebSocket upgrade puts the engine's WebSocket handler ahead of it.
final class HTTPPassOnTests: XCTestCase {
    private var harness: EngineHTTPHarness!
    private var channels: [EmbeddedChannel] = []

    override func setUp() {
        super.setUp()
        self.harness = EngineHTTPHarness()
    }

    override func tearDown() {
        for channel in self.channels { _ = try? channel.finish(acceptAlreadyClosed: true) }
        self.channels = []
        self.harness.shutdown()
        self.harness = nil
        super.tearDown()
    }

    /// Stands for the host framework: records the request parts it gets and answers each request
    /// `200 app:<uri>` through the engine's HTTP handlers.
    private final class HostApplication: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        var parts: [String] = []
        /// Extra response headers and body padding, for the compression test.
        var extraHeaders: HTTPHeaders = [:]
        var padding = ""
        private var uri = ""

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch Self.unwrapInboundIn(data) {
            case .head(let head):
                self.uri = head.uri
                self.parts.append("head \(head.method) \(head.uri)")
            case .body(let chunk):
                self.parts.append("body \(String(buffer: chunk))")
            case .end:
                self.parts.append("end")
                let body = ByteBuffer(string: "app:" + self.uri + self.padding)
                var headers = self.extraHeaders
                headers.add(name: "Content-Length", value: String(body.readableBytes))
                let head = HTTPResponseHead(version: .http1_1, status: .ok, headers: headers)
                context.write(Self.wrapOutboundOut(.head(head)), promise: nil)
                context.write(Self.wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
                context.writeAndFlush(Self.wrapOutboundOut(.end(nil)), promise: nil)
            }
        }
    }

    private func connect(host application: HostApplication) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel(loop: self.harness.loop)
        try self.harness.server.configureHTTPPipeline(on: channel, passingOtherRequestsOn: true)
        try channel.pipeline.syncOperations.addHandler(application)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 41_000 + self.channels.count)).wait()
        self.channels.append(channel)
        return channel
    }

    func testRequestsOutsideThePathGoToTheNextHandlerAndEngineRequestsDoNot() throws {
        let application = HostApplication()
        let channel = try self.connect(host: application)

        try self.harness.get("/health", on: channel)
        XCTAssertEqual(try self.harness.response(on: channel)?.text, "app:/health")
        XCTAssertEqual(application.parts, ["head GET /health", "end"])

        try self.harness.get("/engine.io/?EIO=4&transport=polling", on: channel)
        let open = try XCTUnwrap(try self.harness.response(on: channel))
        XCTAssertEqual(open.status, 200)
        XCTAssertNotNil(EngineHTTPHarness.openPacketJSON(open.text), open.text)
        try self.harness.get("/engine.io/?EIO=3&transport=polling", on: channel)
        let refused = try XCTUnwrap(try self.harness.response(on: channel))
        XCTAssertEqual(refused.status, 400)
        XCTAssertEqual(refused.text, #"{"code":5,"message":"Unsupported protocol version"}"#)
        XCTAssertEqual(application.parts.count, 2, "the engine's requests never reach the next handler")

        try self.harness.post("/upload", body: "hello", on: channel)
        XCTAssertEqual(try self.harness.response(on: channel)?.text, "app:/upload")
        XCTAssertEqual(application.parts.suffix(3), ["head POST /upload", "body hello", "end"])
        XCTAssertTrue(channel.isActive, "the keep-alive connection stays open")
    }

    /// Pipelined requests of both kinds on one connection are answered in order.
    func testPipelinedRequestsOfBothKindsAreAnsweredInOrder() throws {
        let application = HostApplication()
        let channel = try self.connect(host: application)
        let request = { (target: String) in "GET \(target) HTTP/1.1\r\nHost: localhost\r\n\r\n" }
        try self.harness.write(
            ByteBuffer(string: request("/a") + request("/engine.io/?EIO=4&transport=polling") + request("/b")),
            to: channel
        )
        XCTAssertEqual(try self.harness.response(on: channel)?.text, "app:/a")
        let open = try XCTUnwrap(try self.harness.response(on: channel))
        XCTAssertNotNil(EngineHTTPHarness.openPacketJSON(open.text), open.text)
        XCTAssertEqual(try self.harness.response(on: channel)?.text, "app:/b")
        XCTAssertEqual(application.parts, ["head GET /a", "end", "head GET /b", "end"])
    }

    /// After an application request and a polling handshake, the upgrade on the same connection hands
    /// the WebSocket's bytes to the engine, not to the handler after it.
    func testUpgradeAfterAnApplicationRequestPutsTheWebSocketAheadOfTheNextHandler() throws {
        let application = HostApplication()
        let channel = try self.connect(host: application)
        try self.harness.get("/health", on: channel)
        XCTAssertEqual(try self.harness.response(on: channel)?.text, "app:/health")

        try self.harness.get("/engine.io/?EIO=4&transport=polling", on: channel)
        let sid = try EngineHTTPHarness.sid(fromOpenPacket: try XCTUnwrap(try self.harness.response(on: channel)).text)
        try self.harness.get("/engine.io/?EIO=4&transport=websocket&sid=\(sid)", headers: EngineHTTPHarness.webSocketUpgradeHeaders, on: channel)
        XCTAssertEqual(try self.harness.response(on: channel)?.status, 101)

        try self.harness.write(EngineHTTPHarness.clientTextFrame("2probe"), to: channel)
        XCTAssertEqual(try self.harness.webSocketFrames(on: channel).map(\.text), ["3probe"])
        try self.harness.write(EngineHTTPHarness.clientTextFrame("5"), to: channel)
        try self.harness.write(EngineHTTPHarness.clientTextFrame("4hello"), to: channel)
        XCTAssertEqual(try self.harness.webSocketFrames(on: channel).map(\.text).filter { $0 != "6" }, ["4hello"])
        XCTAssertEqual(self.harness.log.upgrades, 1)
        XCTAssertEqual(application.parts, ["head GET /health", "end"])
    }

    /// The engine's response compression sees the host's responses too (as it sees the fallback's):
    /// one the host already encoded is left exactly as it is, a plain one above the threshold is
    /// compressed like the engine's own.
    func testHostResponsesWithTheirOwnEncodingAreNotCompressedAgain() throws {
        self.harness.shutdown()
        self.harness = EngineHTTPHarness(configuration: EngineServerConfiguration(compressionThreshold: 64))
        let application = HostApplication()
        application.padding = String(repeating: "x", count: 200)
        let channel = try self.connect(host: application)

        application.extraHeaders = ["Content-Encoding": "br"]
        try self.harness.get("/asset", headers: "\r\nAccept-Encoding: gzip", on: channel)
        let encoded = try XCTUnwrap(try self.harness.response(on: channel))
        XCTAssertEqual(encoded.headerValues("Content-Encoding"), ["br"])
        XCTAssertEqual(encoded.text, "app:/asset" + application.padding)

        application.extraHeaders = [:]
        try self.harness.get("/page", headers: "\r\nAccept-Encoding: gzip", on: channel)
        let plain = try XCTUnwrap(try self.harness.response(on: channel))
        XCTAssertEqual(plain.headerValues("Content-Encoding"), ["gzip"])
    }

    /// Without the option the fallback answers other paths (404 with none), as before.
    func testWithoutPassingOnOtherPathsGetTheFallback() throws {
        let channel = try self.harness.connect()
        try self.harness.get("/health", on: channel)
        XCTAssertEqual(try self.harness.response(on: channel)?.status, 404)
    }
}
