import Foundation
import NIOHTTP1
import XCTest

@testable import EngineIO

/// The engine's own WebSocket opening handshake: SHA-1 and `Sec-WebSocket-Accept`.
final class WebSocketHandshakeTests: XCTestCase {
    private func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    func testSHA1KnownAnswers() {
        // FIPS 180-2 appendix A and the empty message.
        XCTAssertEqual(self.hex(SHA1.digest(Array("abc".utf8))), "a9993e364706816aba3e25717850c26c9cd0d89d")
        XCTAssertEqual(self.hex(SHA1.digest([UInt8]())), "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        XCTAssertEqual(
            self.hex(SHA1.digest(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1"
        )
        XCTAssertEqual(
            self.hex(SHA1.digest([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))),
            "34aa973cd4c4daa4f61eeb2bdbad27316534016f"
        )
    }

    func testSHA1AroundTheBlockBoundary() {
        // 55, 56 and 64 bytes exercise the padding that spills into a second block.
        XCTAssertEqual(self.hex(SHA1.digest([UInt8](repeating: 0x61, count: 55))), "c1c8bbdc22796e28c0e15163d20899b65621d65a")
        XCTAssertEqual(self.hex(SHA1.digest([UInt8](repeating: 0x61, count: 56))), "c2db330f6083854c99d4b5bfb6e8f29f201be699")
        XCTAssertEqual(self.hex(SHA1.digest([UInt8](repeating: 0x61, count: 64))), "0098ba824b5c16427bd7a1122a5a442a25ec644d")
    }

    func testAcceptValueOfTheRFC6455Example() {
        let headers: HTTPHeaders = ["Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version": "13"]
        XCTAssertEqual(EngineWebSocketHandshake.acceptValue(for: headers), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    }

    func testInvalidHandshakesHaveNoAcceptValue() {
        XCTAssertNil(EngineWebSocketHandshake.acceptValue(for: ["Sec-WebSocket-Version": "13"]), "no key")
        XCTAssertNil(
            EngineWebSocketHandshake.acceptValue(for: ["Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version": "8"]),
            "old version"
        )
        XCTAssertNil(
            EngineWebSocketHandshake.acceptValue(for: ["Sec-WebSocket-Key": "c2hvcnQ=", "Sec-WebSocket-Version": "13"]),
            "a key must be 16 bytes"
        )
        XCTAssertNil(
            EngineWebSocketHandshake.acceptValue(for: ["Sec-WebSocket-Key": "not base64!!", "Sec-WebSocket-Version": "13"])
        )
    }
}
