import NIOCore
import NIOWebSocket
import XCTest

@testable import EngineIO

/// The zlib wrappers and what the frame parser does with RSV1: round trips, context takeover, the
/// bound on inflated size, invalid data.
final class PerMessageDeflateCodecTests: XCTestCase {
    typealias Event = EngineWebSocketFrameParser.Event

    private static func repetitive(_ count: Int) -> ByteBuffer {
        var buffer = ByteBuffer()
        var index = 0
        while buffer.readableBytes < count {
            buffer.writeString("4{\"event\":\"tick\",\"n\":\(index % 97)}")
            index += 1
        }
        return buffer.getSlice(at: 0, length: count) ?? buffer
    }

    func testRoundTripWithContextTakeover() throws {
        let deflater = try XCTUnwrap(EngineDeflater(windowBits: 15, noContextTakeover: false))
        let inflater = try XCTUnwrap(EngineInflater(noContextTakeover: false))
        var sizes: [Int] = []
        for count in [2000, 2000, 50_000, 1] {
            let message = Self.repetitive(count)
            let compressed = try XCTUnwrap(deflater.compress(message, headroom: 10))
            XCTAssertEqual(compressed.readerIndex, 10, "room for a frame header")
            XCTAssertNotEqual(compressed.getBytes(at: compressed.writerIndex - 4, length: 4), [0, 0, 0xFF, 0xFF], "tail cut")
            sizes.append(compressed.readableBytes)
            XCTAssertEqual(inflater.inflate(compressed, limit: 1 << 20), .inflated(message))
        }
        XCTAssertLessThan(sizes[0], 2000 / 4)
        XCTAssertLessThan(sizes[1], sizes[0], "the second message refers to the first one's window")
    }

    /// Empty messages (which zlib alone cannot sync-flush twice in a row) round trip as one 0x00 byte.
    func testEmptyMessages() throws {
        let deflater = try XCTUnwrap(EngineDeflater(windowBits: 15, noContextTakeover: false))
        let inflater = try XCTUnwrap(EngineInflater(noContextTakeover: false))
        for message in [ByteBuffer(), ByteBuffer(), Self.repetitive(2000), ByteBuffer()] {
            let compressed = try XCTUnwrap(deflater.compress(message))
            XCTAssertEqual(inflater.inflate(compressed, limit: 4096), .inflated(message))
        }
    }

    func testNoContextTakeoverResetsBothSides() throws {
        let deflater = try XCTUnwrap(EngineDeflater(windowBits: 10, noContextTakeover: true))
        let message = Self.repetitive(3000)
        let first = try XCTUnwrap(deflater.compress(message))
        let second = try XCTUnwrap(deflater.compress(message))
        XCTAssertEqual(first, second, "each message compressed from an empty window")
        // A fresh inflater decodes the second message alone.
        let inflater = try XCTUnwrap(EngineInflater(noContextTakeover: true))
        XCTAssertEqual(inflater.inflate(second, limit: 1 << 20), .inflated(message))
        XCTAssertEqual(inflater.inflate(first, limit: 1 << 20), .inflated(message))
    }

    /// A 1 KB message that inflates to a megabyte is stopped at the limit, with an output no bigger
    /// than the limit (rounded up to a power of two).
    func testDeflateBombStopsAtTheLimit() throws {
        let deflater = try XCTUnwrap(EngineDeflater(windowBits: 15, noContextTakeover: false))
        let zeros = ByteBuffer(repeating: 0x30, count: 1 << 20)
        let bomb = try XCTUnwrap(deflater.compress(zeros))
        XCTAssertLessThan(bomb.readableBytes, 2048)
        let inflater = try XCTUnwrap(EngineInflater(noContextTakeover: false))
        XCTAssertEqual(inflater.inflate(bomb, limit: 100_000), .tooLarge)
        XCTAssertEqual(try XCTUnwrap(EngineInflater(noContextTakeover: false)).inflate(bomb, limit: 1 << 20), .inflated(zeros), "exactly the limit is fine")
        XCTAssertEqual(try XCTUnwrap(EngineInflater(noContextTakeover: false)).inflate(bomb, limit: (1 << 20) - 1), .tooLarge)
    }

    func testInvalidDeflateData() throws {
        let inflater = try XCTUnwrap(EngineInflater(noContextTakeover: false))
        // 0xFF: a block of the reserved type 3.
        XCTAssertEqual(inflater.inflate(ByteBuffer(bytes: [0xFF, 0xFF, 0xFF]), limit: 1000), .invalid)
        XCTAssertEqual(Event.compressedText(ByteBuffer(bytes: [0xFF, 0x00])).inflated(with: inflater, limit: 1000), .failure(.dataInconsistentWithMessage))
    }

    func testInflatedEvents() throws {
        let deflater = try XCTUnwrap(EngineDeflater(windowBits: 15, noContextTakeover: false))
        let inflater = try XCTUnwrap(EngineInflater(noContextTakeover: false))
        let text = ByteBuffer(string: "4héllo")
        XCTAssertEqual(Event.compressedText(try XCTUnwrap(deflater.compress(text))).inflated(with: inflater, limit: 100), .text(text))
        let binary = ByteBuffer(bytes: [0, 1, 2, 0xFF])
        XCTAssertEqual(Event.compressedBinary(try XCTUnwrap(deflater.compress(binary))).inflated(with: inflater, limit: 100), .binary(binary))
        let notUTF8 = ByteBuffer(bytes: [0x34, 0xC3, 0x28])
        XCTAssertEqual(
            Event.compressedText(try XCTUnwrap(deflater.compress(notUTF8))).inflated(with: inflater, limit: 100),
            .failure(.dataInconsistentWithMessage)
        )
        let big = ByteBuffer(repeating: 0x61, count: 5000)
        XCTAssertEqual(Event.compressedBinary(try XCTUnwrap(deflater.compress(big))).inflated(with: inflater, limit: 4999), .failure(.messageTooLarge))
        XCTAssertEqual(Event.ping(ByteBuffer()).inflated(with: nil, limit: 1), .ping(ByteBuffer()))
    }

    // MARK: - RSV1 in the frame parser

    private static func parse(_ bytes: [UInt8], deflate: Bool) -> [Event] {
        var parser = EngineWebSocketFrameParser(maxMessageSize: 1 << 20, perMessageDeflate: deflate)
        return WebSocketFrameParserTests.parse(bytes, with: &parser)
    }

    private static let rsv1: UInt8 = 4

    func testRSV1MarksACompressedMessageWhenNegotiated() throws {
        let deflater = try XCTUnwrap(EngineDeflater(windowBits: 15, noContextTakeover: false))
        let compressed = Array(buffer: try XCTUnwrap(deflater.compress(ByteBuffer(string: "4hello hello hello"))))
        XCTAssertEqual(
            Self.parse(WebSocketFrameParserTests.frame(0x1, compressed, rsv: Self.rsv1), deflate: true),
            [.compressedText(ByteBuffer(bytes: compressed))]
        )
        // Fragmented: RSV1 on the first frame only; the continuation carries the rest.
        let head = Array(compressed.prefix(3))
        let tail = Array(compressed.dropFirst(3))
        let fragmented = WebSocketFrameParserTests.frame(0x2, head, fin: false, rsv: Self.rsv1) + WebSocketFrameParserTests.frame(0x0, tail)
        XCTAssertEqual(Self.parse(fragmented, deflate: true), [.compressedBinary(ByteBuffer(bytes: compressed))])
        // Frames without RSV1 stay plain (text checked as UTF-8 as before).
        XCTAssertEqual(Self.parse(WebSocketFrameParserTests.text("4hi"), deflate: true), [.text(ByteBuffer(string: "4hi"))])
    }

    func testRSV1IsAProtocolErrorOutsideTheFirstDataFrame() {
        let refused: [(String, [UInt8], Bool)] = [
            ("not negotiated", WebSocketFrameParserTests.frame(0x1, [0x01], rsv: Self.rsv1), false),
            ("on a continuation", WebSocketFrameParserTests.frame(0x1, [0x34], fin: false) + WebSocketFrameParserTests.frame(0x0, [0x34], rsv: Self.rsv1), true),
            ("on a ping", WebSocketFrameParserTests.frame(0x9, [], rsv: Self.rsv1), true),
            ("on a close", WebSocketFrameParserTests.frame(0x8, [0x03, 0xE8], rsv: Self.rsv1), true),
            ("RSV2", WebSocketFrameParserTests.frame(0x1, [0x34], rsv: 2), true),
            ("RSV3", WebSocketFrameParserTests.frame(0x1, [0x34], rsv: 1), true),
        ]
        for (name, bytes, deflate) in refused {
            XCTAssertEqual(Self.parse(bytes, deflate: deflate), [.failure(.protocolError)], name)
        }
    }
}
