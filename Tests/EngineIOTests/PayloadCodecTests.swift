import NIOCore
import XCTest

@testable import EngineIO

/// Polling payloads: `\x1e`-separated records, binary as `b` + base64.
final class PayloadCodecTests: XCTestCase {
    private func encode(_ frames: [EngineFrame]) -> String {
        var buffer = ByteBuffer()
        EnginePayloadCodec.encode(frames, into: &buffer)
        XCTAssertEqual(buffer.readableBytes, EnginePayloadCodec.encodedLength(frames), "encodedLength matches encode")
        return String(buffer: buffer)
    }

    private func decode(_ string: String, maxPackets: Int = .max) throws -> [EngineInboundPacket] {
        try EnginePayloadCodec.decode(ByteBuffer(string: string), maxPackets: maxPackets)
    }

    private func assertDecodingFails(
        _ string: String,
        maxPackets: Int = .max,
        with expected: EngineDecodingError,
        file: StaticString = #filePath,
        line: UInt = #line
    ) {
        XCTAssertThrowsError(try self.decode(string, maxPackets: maxPackets), file: file, line: line) { error in
            XCTAssertEqual(error as? EngineDecodingError, expected, "input \(string.debugDescription)", file: file, line: line)
        }
    }

    // MARK: - Encoding

    func testWireReferenceExample() {
        XCTAssertEqual(self.encode([.message("hello"), .message(binary: ByteBuffer(bytes: [1, 2, 3]))]), "4hello\u{1e}bAQID")
    }

    func testSingleFrameHasNoSeparator() {
        XCTAssertEqual(self.encode([text("2")]), "2")
    }

    func testEmptyFrameListIsAnEmptyBody() {
        XCTAssertEqual(self.encode([]), "")
        XCTAssertEqual(EnginePayloadCodec.encodedLength([EngineFrame]()), 0)
    }

    func testControlFramesAndEmptyMessages() {
        XCTAssertEqual(self.encode([text("6"), .message(""), text("1")]), "6\u{1e}4\u{1e}1")
    }

    func testEmptyBinaryIsJustB() {
        XCTAssertEqual(self.encode([binary([])]), "b")
    }

    func testEncodeAppendsToWhatIsAlreadyInTheBuffer() {
        var buffer = ByteBuffer(string: "prefix:")
        EnginePayloadCodec.encode([text("4a"), text("4b")], into: &buffer)
        XCTAssertEqual(String(buffer: buffer), "prefix:4a\u{1e}4b")
    }

    func testEncodedLengthForMixedFrames() {
        let frames = [text("4héllo"), binary([1, 2, 3, 4]), text("2")]
        // 7 UTF-8 bytes + 1 + (1 + 8) + 1 + 1
        XCTAssertEqual(EnginePayloadCodec.encodedLength(frames), 19)
        XCTAssertEqual(self.encode(frames).utf8.count, 19)
    }

    // MARK: - Decoding

    func testDecodeWireReferenceExample() throws {
        XCTAssertEqual(
            try self.decode("4hello\u{1e}bAQID"),
            [.message(.text("hello")), .message(.binary(ByteBuffer(bytes: [1, 2, 3])))]
        )
    }

    func testDecodeControlPacketsKeepTheirData() throws {
        XCTAssertEqual(
            try self.decode("2probe\u{1e}3\u{1e}1\u{1e}6\u{1e}5"),
            [.control(.ping, "probe"), .control(.pong, ""), .control(.close, ""), .control(.noop, ""), .control(.upgrade, "")]
        )
    }

    func testDecodeEmptyMessageAndEmptyBinary() throws {
        XCTAssertEqual(try self.decode("4\u{1e}b"), [.message(.text("")), .message(.binary(ByteBuffer()))])
    }

    func testDecodeUnpaddedBase64() throws {
        XCTAssertEqual(try self.decode("bAQ"), [.message(.binary(ByteBuffer(bytes: [1])))])
    }

    func testDecodeReadsFromTheReaderIndex() throws {
        var buffer = ByteBuffer(string: "junk4ok")
        buffer.moveReaderIndex(forwardBy: 4)
        XCTAssertEqual(try EnginePayloadCodec.decode(buffer), [.message(.text("ok"))])
    }

    func testRoundTrips() throws {
        let cases: [[EngineFrame]] = [
            [.message("hello")],
            [.message(""), .message("")],
            [.message("héllo wörld ✓ 🌍"), .message("日本語")],
            [.message(binary: ByteBuffer(bytes: Array(0...255)))],
            [.message(binary: ByteBuffer(bytes: [0xFF])), .message(binary: ByteBuffer(bytes: [0xFF, 0xFE]))],
            [.message("a"), .message(binary: ByteBuffer()), .message("{\"json\":[1,2]}")],
            (0..<50).map { .message("m\($0)") },
        ]
        for frames in cases {
            var buffer = ByteBuffer()
            EnginePayloadCodec.encode(frames, into: &buffer)
            let decoded = try EnginePayloadCodec.decode(buffer)
            let expected: [EngineInboundPacket] = frames.map { frame in
                switch frame.kind {
                case .text: return .message(.text(String(String(buffer: frame.bytes).dropFirst())))
                case .binary: return .message(.binary(frame.bytes))
                }
            }
            XCTAssertEqual(decoded, expected)
        }
    }

    // MARK: - Malformed input

    func testEmptyPayloadIsAnEmptyRecord() {
        self.assertDecodingFails("", with: .emptyPacket)
    }

    func testEmptyRecordsAnywhereAreRejected() {
        self.assertDecodingFails("\u{1e}4a", with: .emptyPacket)
        self.assertDecodingFails("4a\u{1e}\u{1e}4b", with: .emptyPacket)
        self.assertDecodingFails("4a\u{1e}", with: .emptyPacket)
    }

    func testUnknownTypeDigitIsRejected() {
        self.assertDecodingFails("7", with: .unknownPacketType(UInt8(ascii: "7")))
        self.assertDecodingFails("4a\u{1e}x", with: .unknownPacketType(UInt8(ascii: "x")))
        self.assertDecodingFails("/", with: .unknownPacketType(UInt8(ascii: "/")))
    }

    func testBadBase64IsRejected() {
        self.assertDecodingFails("b!!!!", with: .invalidBase64)
        self.assertDecodingFails("bA", with: .invalidBase64)  // one symbol of a quantum is impossible
        self.assertDecodingFails("bAQID====", with: .invalidBase64)  // too much padding
        self.assertDecodingFails("bAQ=ID", with: .invalidBase64)  // padding inside
        self.assertDecodingFails("b-_8", with: .invalidBase64)  // URL-safe alphabet is not polling's base64
    }

    func testTooManyPacketsIsRejected() throws {
        self.assertDecodingFails("4a\u{1e}4b\u{1e}4c", maxPackets: 2, with: .tooManyPackets(limit: 2))
        XCTAssertEqual(try self.decode("4a\u{1e}4b\u{1e}4c", maxPackets: 3).count, 3, "exactly the limit is fine")
    }

    // MARK: - Single packets

    func testDecodeTextPacket() throws {
        func decode(_ string: String) throws -> EngineInboundPacket {
            try EngineInboundPacket.decodeText(ByteBuffer(string: string).readableBytesView)
        }
        XCTAssertEqual(try decode("4hi"), .message(.text("hi")))
        XCTAssertEqual(try decode("4"), .message(.text("")))
        XCTAssertEqual(try decode("4😀 ü"), .message(.text("😀 ü")))
        XCTAssertEqual(try decode("2probe"), .control(.ping, "probe"))
        XCTAssertEqual(try decode("3probe"), .control(.pong, "probe"))
        XCTAssertEqual(try decode("5"), .control(.upgrade, ""))
        XCTAssertEqual(try decode("0{}"), .control(.open, "{}"))
        XCTAssertThrowsError(try decode("")) { XCTAssertEqual($0 as? EngineDecodingError, .emptyPacket) }
        XCTAssertThrowsError(try decode("8")) { XCTAssertEqual($0 as? EngineDecodingError, .unknownPacketType(0x38)) }
        XCTAssertThrowsError(try decode("bAQID"), "binary only exists inside polling payloads") {
            XCTAssertEqual($0 as? EngineDecodingError, .unknownPacketType(UInt8(ascii: "b")))
        }
    }

    func testPacketTypeDigits() {
        XCTAssertEqual(EnginePacketType.allCases.map(\.asciiDigit), Array("0123456".utf8))
        for type in EnginePacketType.allCases {
            XCTAssertEqual(EnginePacketType(asciiDigit: type.asciiDigit), type)
        }
        XCTAssertNil(EnginePacketType(asciiDigit: UInt8(ascii: "7")))
        XCTAssertNil(EnginePacketType(asciiDigit: UInt8(ascii: "/")))
        XCTAssertNil(EnginePacketType(asciiDigit: 0))
    }
}
