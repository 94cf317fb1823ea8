import NIOCore
import XCTest

@testable import EngineIO

/// Frame construction helpers and session ids.
final class EngineFrameTests: XCTestCase {
    func testTextMessageFrameIsTypeDigitPlusUTF8() {
        let frame = EngineFrame.message("héllo")
        XCTAssertEqual(frame.kind, .text)
        XCTAssertEqual(Array(frame.bytes.readableBytesView), Array("4héllo".utf8))
        XCTAssertEqual(frame.byteCount, 7)
        XCTAssertEqual(frame.packetType, .message)
    }

    func testBinaryMessageFrameHoldsTheRawBytes() {
        let frame = EngineFrame.message(binary: ByteBuffer(bytes: [0x34, 0, 0xFF]))
        XCTAssertEqual(frame.kind, .binary)
        XCTAssertEqual(Array(frame.bytes.readableBytesView), [0x34, 0, 0xFF], "no type prefix on binary frames")
        XCTAssertEqual(frame.byteCount, 3)
        XCTAssertEqual(frame.packetType, .message)
    }

    func testControlFrames() {
        XCTAssertEqual(EngineFrame.control(.pong, "probe"), text("3probe"))
        XCTAssertEqual(EngineFrame.control(.noop), text("6"))
        XCTAssertEqual(EngineFrame.control(.pong, "probe").packetType, .pong)
        XCTAssertEqual(EngineFrame.ping, text("2"))
        XCTAssertEqual(EngineFrame.noop, text("6"))
        XCTAssertEqual(EngineFrame.close, text("1"))
        XCTAssertEqual(EngineFrame.probePong, text("3probe"))
    }

    func testFrameFromAnInboundMessageEchoesIt() {
        XCTAssertEqual(EngineFrame(EngineMessage.text("hi")), text("4hi"))
        XCTAssertEqual(EngineFrame(EngineMessage.binary(ByteBuffer(bytes: [7]))), binary([7]))
    }

    func testPacketTypeOfMalformedTextFramesIsNil() {
        XCTAssertNil(EngineFrame(kind: .text, bytes: ByteBuffer()).packetType)
        XCTAssertNil(text("9").packetType)
    }

    func testPacketTypeReadsFromTheReaderIndex() {
        var bytes = ByteBuffer(string: "x3")
        bytes.moveReaderIndex(forwardBy: 1)
        XCTAssertEqual(EngineFrame(kind: .text, bytes: bytes).packetType, .pong)
    }

    func testFramesAreEqualByKindAndBytes() {
        XCTAssertEqual(EngineFrame.message("a"), text("4a"))
        XCTAssertNotEqual(EngineFrame(kind: .binary, bytes: ByteBuffer(string: "4a")), text("4a"))
    }

    // MARK: - Session ids

    private static let urlSafe = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")

    func testSessionIDIsTwentyURLSafeCharacters() {
        for _ in 0..<200 {
            let id = SessionIDGenerator.make()
            XCTAssertEqual(id.count, 20)
            XCTAssertTrue(id.allSatisfy { Self.urlSafe.contains($0) }, id)
        }
    }

    func testSessionIDsAreDistinct() {
        let ids = (0..<2000).map { _ in SessionIDGenerator.make() }
        XCTAssertEqual(Set(ids).count, ids.count)
    }

    func testSessionIDsUseTheWholeAlphabet() {
        // 2000 ids × 20 characters: every one of the 64 symbols shows up unless the generator is skewed.
        let seen = Set((0..<2000).flatMap { _ in SessionIDGenerator.make() })
        XCTAssertEqual(seen, Self.urlSafe)
    }

    func testSessionIDPrefixIsKeptAndTheLengthStaysTwenty() {
        let id = SessionIDGenerator.make(prefix: "node7-")
        XCTAssertTrue(id.hasPrefix("node7-"))
        XCTAssertEqual(id.count, 20)
        XCTAssertTrue(id.dropFirst(6).allSatisfy { Self.urlSafe.contains($0) })
        XCTAssertNotEqual(id, SessionIDGenerator.make(prefix: "node7-"))
    }

    func testOverlongPrefixIsCutToTwentyCharacters() {
        XCTAssertEqual(SessionIDGenerator.make(prefix: String(repeating: "p", count: 25)), String(repeating: "p", count: 20))
    }

    func testCloseReasonsUseTheReferenceWording() {
        XCTAssertEqual(EngineCloseReason.transportError.description, "transport error")
        XCTAssertEqual(EngineCloseReason.transportClose.description, "transport close")
        XCTAssertEqual(EngineCloseReason.forcedClose.description, "forced close")
        XCTAssertEqual(EngineCloseReason.pingTimeout.description, "ping timeout")
        XCTAssertEqual(EngineCloseReason.parseError.description, "parse error")
    }
}
