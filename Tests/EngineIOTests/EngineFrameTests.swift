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

    // MARK: - Frames built for WebSocket

    func testFramedTextCarriesItsWebSocketMessageInTheSameStorage() {
        let (frame, written) = EngineFrame.framed(.text, capacity: 8) { buffer -> Int in
            buffer.writeString("4hello")
        }
        XCTAssertEqual(written, 6)
        XCTAssertEqual(frame, text("4hello"), "polling transports still read the plain packet")
        XCTAssertEqual(frame.webSocketMessage.map { Array($0.readableBytesView) }, [0x81, 6] + Array("4hello".utf8))
    }

    func testFramedMessagesUseTheLongerLengthForms() {
        let medium = String(repeating: "m", count: 300)
        let (frame16, _) = EngineFrame.framed(.text, capacity: 16) { $0.writeString(medium) }
        XCTAssertEqual(frame16.webSocketMessage.map { Array($0.readableBytesView.prefix(4)) }, [0x81, 126, 0x01, 0x2C])
        XCTAssertEqual(frame16.webSocketMessage?.readableBytes, 4 + 300)

        let large = [UInt8](repeating: 7, count: 70_000)
        let (frame64, _) = EngineFrame.framed(.binary, capacity: 16) { $0.writeBytes(large) }
        XCTAssertEqual(frame64.webSocketMessage.map { Array($0.readableBytesView.prefix(10)) }, [0x82, 127, 0, 0, 0, 0, 0, 0x01, 0x11, 0x70])
        XCTAssertEqual(frame64.webSocketMessage?.readableBytes, 10 + 70_000)
        XCTAssertEqual(frame64.bytes.readableBytes, 70_000)
    }

    func testFramedFallsBackToAPlainFrameWhenTheBodyReplacesTheBuffer() {
        let (frame, _) = EngineFrame.framed(.text, capacity: 8) { $0 = ByteBuffer(string: "4x") }
        XCTAssertEqual(frame, text("4x"))
        XCTAssertNil(frame.webSocketMessage, "no room in front: the transport writes the header itself")
    }

    func testPreparedForBroadcastCopiesTheBytesAndFramesThem() {
        let original = text("4hi")
        let prepared = original.preparedForBroadcast()
        XCTAssertEqual(prepared, original)
        XCTAssertEqual(prepared.webSocketMessage.map { Array($0.readableBytesView) }, [0x81, 3] + Array("4hi".utf8))
        XCTAssertNil(original.webSocketMessage)
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
