import NIOHTTP1
import XCTest

@testable import EngineIO

/// The request checks in the reference's order: transport, Origin, then session id or handshake rules.
final class RequestValidatorTests: XCTestCase {
    private let configuration = EngineServerConfiguration()
    private let upgradeHeaders: HTTPHeaders = ["Connection": "Upgrade", "Upgrade": "websocket"]

    private func validate(
        _ query: [String: String],
        method: HTTPMethod = .GET,
        headers: HTTPHeaders = [:],
        upgrade: Bool = false,
        configuration: EngineServerConfiguration? = nil
    ) -> Result<EngineRoute, EngineHTTPError> {
        EngineRequestValidator.validate(
            method: method,
            query: query,
            headers: headers,
            isWebSocketUpgrade: upgrade,
            configuration: configuration ?? self.configuration
        )
    }

    func testPollingHandshake() {
        XCTAssertEqual(self.validate(["EIO": "4", "transport": "polling"]), .success(.handshake(.polling)))
    }

    func testWebSocketHandshakeWithUpgrade() {
        XCTAssertEqual(self.validate(["EIO": "4", "transport": "websocket"], upgrade: true), .success(.handshake(.websocket)))
    }

    func testMissingOrUnknownTransportIsCode0() {
        XCTAssertEqual(self.validate(["EIO": "4"]), .failure(.unknownTransport))
        XCTAssertEqual(self.validate(["EIO": "4", "transport": "flashsocket"]), .failure(.unknownTransport))
        XCTAssertEqual(self.validate(["EIO": "4", "transport": "Polling"]), .failure(.unknownTransport), "names are exact")
    }

    func testDisabledTransportIsCode0() {
        let pollingOnly = EngineServerConfiguration(transports: [.polling])
        XCTAssertEqual(
            self.validate(["EIO": "4", "transport": "websocket"], upgrade: true, configuration: pollingOnly),
            .failure(.unknownTransport)
        )
        let websocketOnly = EngineServerConfiguration(transports: [.websocket])
        XCTAssertEqual(
            self.validate(["EIO": "4", "transport": "polling", "sid": "x"], configuration: websocketOnly),
            .failure(.unknownTransport)
        )
    }

    func testOriginWithInvalidCharactersIsCode3() {
        for origin in ["http://a.com\u{7F}", "http://a.com\r\nX: y", "http://\u{0}", "http://a\u{1}.com"] {
            XCTAssertEqual(
                self.validate(["EIO": "4", "transport": "polling"], headers: ["Origin": origin]),
                .failure(.badRequest),
                origin.debugDescription
            )
        }
    }

    func testOrdinaryOriginsPass() {
        for origin in ["https://example.com", "null", "http://exämple.com", "http://a.com\tx"] {
            XCTAssertEqual(
                self.validate(["EIO": "4", "transport": "polling"], headers: ["Origin": origin]),
                .success(.handshake(.polling)),
                origin.debugDescription
            )
        }
    }

    func testTransportIsCheckedBeforeOrigin() {
        XCTAssertEqual(self.validate(["EIO": "4"], headers: ["Origin": "bad\u{7F}"]), .failure(.unknownTransport))
    }

    func testOriginIsCheckedBeforeTheSessionID() {
        XCTAssertEqual(
            self.validate(["transport": "polling", "sid": "abc"], headers: ["Origin": "bad\u{7F}"]),
            .failure(.badRequest)
        )
    }

    func testSessionIDRoutesToTheSessionWhateverTheMethodOrVersion() {
        XCTAssertEqual(self.validate(["transport": "polling", "sid": "abc"], method: .POST), .success(.session(sid: "abc", transport: .polling)))
        XCTAssertEqual(self.validate(["EIO": "3", "transport": "polling", "sid": "abc"], method: .GET), .success(.session(sid: "abc", transport: .polling)))
        XCTAssertEqual(
            self.validate(["EIO": "4", "transport": "websocket", "sid": "abc"], upgrade: true),
            .success(.session(sid: "abc", transport: .websocket))
        )
    }

    func testNonGetHandshakeIsCode2() {
        XCTAssertEqual(self.validate(["EIO": "4", "transport": "polling"], method: .POST), .failure(.badHandshakeMethod))
        XCTAssertEqual(self.validate(["EIO": "4", "transport": "polling"], method: .PUT), .failure(.badHandshakeMethod))
        XCTAssertEqual(self.validate(["EIO": "3", "transport": "polling"], method: .POST), .failure(.badHandshakeMethod), "method before version")
    }

    func testWebSocketHandshakeWithoutUpgradeIsCode3() {
        XCTAssertEqual(self.validate(["EIO": "4", "transport": "websocket"]), .failure(.badRequest))
        XCTAssertEqual(self.validate(["EIO": "3", "transport": "websocket"]), .failure(.badRequest), "upgrade before version")
    }

    func testOtherProtocolVersionsAreCode5() {
        XCTAssertEqual(self.validate(["EIO": "3", "transport": "polling"]), .failure(.unsupportedProtocolVersion))
        XCTAssertEqual(self.validate(["transport": "polling"]), .failure(.unsupportedProtocolVersion))
        XCTAssertEqual(self.validate(["EIO": "5", "transport": "websocket"], upgrade: true), .failure(.unsupportedProtocolVersion))
    }

    func testWebSocketUpgradeDetection() {
        XCTAssertTrue(EngineRequestValidator.isWebSocketUpgrade(self.upgradeHeaders))
        XCTAssertTrue(EngineRequestValidator.isWebSocketUpgrade(["Connection": "keep-alive, Upgrade", "Upgrade": "WebSocket"]))
        XCTAssertFalse(EngineRequestValidator.isWebSocketUpgrade(["Connection": "Upgrade"]))
        XCTAssertFalse(EngineRequestValidator.isWebSocketUpgrade(["Upgrade": "websocket"]))
        XCTAssertFalse(EngineRequestValidator.isWebSocketUpgrade(["Connection": "Upgrade", "Upgrade": "h2c"]))
        XCTAssertFalse(EngineRequestValidator.isWebSocketUpgrade([:]))
    }
}
