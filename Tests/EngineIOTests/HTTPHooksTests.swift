import NIOCore
import NIOEmbedded
import NIOHTTP1
import XCTest

@testable import EngineIO

/// The two hooks that run as Swift tasks (allowRequest and the fallback responder). They complete on
/// another thread, which `EmbeddedEventLoop` cannot take, so these tests use `NIOAsyncTestingChannel`
/// and wait for the response bytes as an event (never for an amount of time).
final class HTTPHooksTests: XCTestCase {
    private func makeChannel(_ server: EngineServer) async throws -> NIOAsyncTestingChannel {
        let channel = NIOAsyncTestingChannel()
        try await channel.testingEventLoop.executeInContext { try server.configureHTTPPipeline(on: channel) }
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 40_000)).get()
        return channel
    }

    /// Writes `request`; errors the pipeline fires (a refused upgrade) are expected and ignored.
    private func send(_ request: String, to channel: NIOAsyncTestingChannel) async {
        _ = try? await channel.writeInbound(ByteBuffer(string: request))
    }

    /// Waits until one whole response has been written. A watchdog fails the test instead of hanging
    /// it if the server never answers; it plays no part in a passing run.
    private func response(from channel: NIOAsyncTestingChannel) async throws -> RawHTTPResponse {
        try await withThrowingTaskGroup(of: RawHTTPResponse?.self) { group in
            group.addTask {
                var bytes: [UInt8] = []
                while true {
                    let buffer = try await channel.waitForOutboundWrite(as: ByteBuffer.self)
                    bytes += buffer.readableBytesView
                    if let (response, _) = EngineHTTPHarness.parseResponse(bytes) { return response }
                }
            }
            group.addTask {
                try await Task.sleep(nanoseconds: 30_000_000_000)
                return nil
            }
            let first = try await group.next()!
            group.cancelAll()
            return try XCTUnwrap(first, "no response within the watchdog period")
        }
    }

    private func shutdown(_ channel: NIOAsyncTestingChannel) async {
        try? await channel.close().get()
        await channel.testingEventLoop.shutdownGracefully()
    }

    private func tokenServer(connections: AppLog = AppLog()) -> EngineServer {
        let configuration = EngineServerConfiguration(
            compressionThreshold: nil,
            allowRequest: { request in
                switch request.headers.first(name: "authorization") {
                case "Bearer good": return .allow
                case "Bearer silent": return .deny(message: nil)
                default: return .deny(message: "bad token")
                }
            }
        )
        return EngineServer(configuration: configuration) { session in
            connections.sessions.append(session)
        }
    }

    func testAllowRequestDenialIs403Code4WithTheMessage() async throws {
        let server = self.tokenServer()
        let channel = try await self.makeChannel(server)
        await self.send("GET /engine.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer nope\r\n\r\n", to: channel)
        let response = try await self.response(from: channel)
        XCTAssertEqual(response.status, 403)
        XCTAssertEqual(response.header("Content-Type"), "application/json")
        XCTAssertEqual(response.text, #"{"code":4,"message":"bad token"}"#)
        XCTAssertEqual(server.sessionCount, 0)
        await self.shutdown(channel)
    }

    func testAllowRequestDenialWithoutAMessageSaysForbidden() async throws {
        let server = self.tokenServer()
        let channel = try await self.makeChannel(server)
        await self.send("GET /engine.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer silent\r\n\r\n", to: channel)
        let response = try await self.response(from: channel)
        XCTAssertEqual(response.status, 403)
        XCTAssertEqual(response.text, #"{"code":4,"message":"Forbidden"}"#)
        await self.shutdown(channel)
    }

    func testAllowRequestApprovalOpensTheSession() async throws {
        let server = self.tokenServer()
        let channel = try await self.makeChannel(server)
        await self.send("GET /engine.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer good\r\n\r\n", to: channel)
        let response = try await self.response(from: channel)
        XCTAssertEqual(response.status, 200)
        let sid = try EngineHTTPHarness.sid(fromOpenPacket: response.text)
        XCTAssertNotNil(server.session(id: sid))
        await self.shutdown(channel)
    }

    func testAllowRequestDenialOfAWebSocketHandshakeIsAPlain400() async throws {
        let server = self.tokenServer()
        let channel = try await self.makeChannel(server)
        await self.send(
            "GET /engine.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer nope"
                + EngineHTTPHarness.webSocketUpgradeHeaders + "\r\n\r\n",
            to: channel
        )
        let response = try await self.response(from: channel)
        XCTAssertEqual(response.status, 400)
        XCTAssertEqual(response.header("Content-Type"), "text/html")
        XCTAssertEqual(response.text, "bad token")
        XCTAssertEqual(server.sessionCount, 0)
        await self.shutdown(channel)
    }

    func testFallbackAnswersOtherPathsWithTheRequestDetails() async throws {
        let server = EngineServer(
            configuration: EngineServerConfiguration(compressionThreshold: nil),
            fallback: { request in
                EngineHTTPResponse(
                    status: .accepted,
                    body: "\(request.method) \(request.path) a=\(request.query["a"] ?? "-") body=\(String(buffer: request.body))"
                )
            },
            onConnection: { _ in }
        )
        let channel = try await self.makeChannel(server)
        await self.send("POST /api/items?a=1%202 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nxyz", to: channel)
        let response = try await self.response(from: channel)
        XCTAssertEqual(response.status, 202)
        XCTAssertEqual(response.header("Content-Type"), "text/plain; charset=utf-8")
        XCTAssertEqual(response.text, "POST /api/items a=1 2 body=xyz")
        await self.shutdown(channel)
    }

    func testAnAllowRequestThatDoesNotDecideIsRefusedAtItsDeadline() async throws {
        var configuration = EngineServerConfiguration(compressionThreshold: nil, allowRequest: { _ in
            try? await Task.sleep(for: .seconds(3600))
            return .allow
        })
        configuration.httpLimits.allowRequestTimeout = .seconds(10)
        let server = EngineServer(configuration: configuration) { _ in }
        let channel = try await self.makeChannel(server)
        await self.send("GET /engine.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\n\r\n", to: channel)
        await channel.testingEventLoop.advanceTime(by: .seconds(10))
        let response = try await self.response(from: channel)
        XCTAssertEqual(response.status, 403)
        XCTAssertEqual(response.text, #"{"code":4,"message":"allowRequest did not decide in time"}"#)
        XCTAssertEqual(server.sessionCount, 0)
        XCTAssertEqual(server.statistics.allowRequestTimeouts.load(ordering: .relaxed), 1)
        await self.shutdown(channel)
    }

    func testAFallbackThatDoesNotAnswerGets503AtItsDeadline() async throws {
        var configuration = EngineServerConfiguration(compressionThreshold: nil)
        configuration.httpLimits.fallbackTimeout = .seconds(30)
        let server = EngineServer(
            configuration: configuration,
            fallback: { _ in
                try? await Task.sleep(for: .seconds(3600))
                return EngineHTTPResponse(body: "too late")
            },
            onConnection: { _ in }
        )
        let channel = try await self.makeChannel(server)
        await self.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n", to: channel)
        await channel.testingEventLoop.advanceTime(by: .seconds(30))
        let response = try await self.response(from: channel)
        XCTAssertEqual(response.status, 503)
        XCTAssertEqual(response.header("Connection"), "close")
        XCTAssertEqual(server.statistics.fallbackTimeouts.load(ordering: .relaxed), 1)
        await self.shutdown(channel)
    }
}
