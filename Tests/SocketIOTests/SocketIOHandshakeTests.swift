import EngineIO
import NIOHTTP1
import SocketIOProtocol
import XCTest

@testable import SocketIO

/// A socket's handshake reads its headers, query and time from the Engine.IO request it keeps.
final class SocketIOHandshakeTests: XCTestCase {
    private func engineRequest() -> EngineHandshakeRequest {
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: "example.test")
        headers.add(name: "Origin", value: "https://app.example.test")
        headers.add(name: "X-Token", value: "abc")
        return EngineHandshakeRequest(
            method: .GET, uri: "/socket.io/?EIO=4&transport=websocket&room=a%2Fb",
            headers: headers, query: ["EIO": "4", "transport": "websocket", "room": "a/b"], remoteAddress: nil
        )
    }

    func testDerivedFieldsMatchTheRequest() throws {
        let handshake = SocketIOHandshake(engine: self.engineRequest(), auth: ["token": "t"])
        XCTAssertEqual(handshake.headers, ["host": "example.test", "origin": "https://app.example.test", "x-token": "abc"])
        XCTAssertEqual(handshake.query, ["EIO": "4", "transport": "websocket", "room": "a/b"])
        XCTAssertTrue(handshake.xdomain)
        XCTAssertEqual(handshake.url, "/socket.io/?EIO=4&transport=websocket&room=a%2Fb")
        XCTAssertEqual(handshake.time, SocketIOHandshake.javaScriptDateString(millisecondsSince1970: handshake.issued))
        XCTAssertTrue(handshake.time.hasSuffix(" GMT+0000 (Coordinated Universal Time)"), handshake.time)
        XCTAssertFalse(handshake.time.isEmpty)
    }

    func testSettersOverrideTheDerivedValues() {
        var handshake = SocketIOHandshake(engine: self.engineRequest(), auth: nil)
        handshake.headers = ["a": "b"]
        handshake.query = ["q": "1"]
        handshake.time = "then"
        XCTAssertEqual(handshake.headers, ["a": "b"])
        XCTAssertEqual(handshake.query, ["q": "1"])
        XCTAssertEqual(handshake.time, "then")
    }

    /// The form carried between cluster nodes decodes to an equal handshake.
    func testValueRoundTrip() {
        let handshake = SocketIOHandshake(engine: self.engineRequest(), auth: ["token": "t"])
        let decoded = SocketIOHandshake(value: handshake.value)
        XCTAssertEqual(decoded, handshake)
        XCTAssertEqual(decoded.hashValue, handshake.hashValue)
    }
}
