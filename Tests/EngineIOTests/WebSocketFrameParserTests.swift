import NIOCore
import NIOWebSocket
import XCTest

@testable import EngineIO

/// The WebSocket frame parser on its own: bytes in, events out, no channel.
final class WebSocketFrameParserTests: XCTestCase {
    typealias Event = EngineWebSocketFrameParser.Event

    // MARK: - Helpers

    /// How a test frame encodes its payload length.
    enum LengthEncoding {
        case shortest
        case sixteenBit
        case sixtyFourBit
    }

    /// A client frame: masked with `mask` unless `mask` is nil.
    static func frame(
        _ opcode: UInt8,
        _ payload: [UInt8],
        fin: Bool = true,
        rsv: UInt8 = 0,
        mask: [UInt8]? = [0x37, 0xFA, 0x21, 0x3D],
        length: LengthEncoding = .shortest
    ) -> [UInt8] {
        var bytes: [UInt8] = [(fin ? 0x80 : 0) | rsv << 4 | opcode]
        let maskBit: UInt8 = mask == nil ? 0 : 0x80
        var encoding = length
        if encoding == .shortest {
            encoding = payload.count < 126 ? .shortest : (payload.count <= 0xFFFF ? .sixteenBit : .sixtyFourBit)
        }
        switch encoding {
        case .shortest:
            bytes.append(maskBit | UInt8(payload.count))
        case .sixteenBit:
            bytes.append(maskBit | 126)
            bytes += [UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        case .sixtyFourBit:
            bytes.append(maskBit | 127)
            bytes += (0..<8).reversed().map { UInt8((UInt64(payload.count) >> (UInt64($0) * 8)) & 0xFF) }
        }
        if let mask {
            bytes += mask
            bytes += payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
        } else {
            bytes += payload
        }
        return bytes
    }

    static func text(_ string: String, fin: Bool = true) -> [UInt8] { frame(0x1, Array(string.utf8), fin: fin) }

    /// Feeds `bytes` in pieces of the given sizes (the rest in one last piece) and collects the events.
    static func parse(_ bytes: [UInt8], pieces: [Int] = [], maxMessageSize: Int = 1 << 20) -> [Event] {
        var parser = EngineWebSocketFrameParser(maxMessageSize: maxMessageSize)
        return self.parse(bytes, pieces: pieces, with: &parser)
    }

    static func parse(_ bytes: [UInt8], pieces: [Int] = [], with parser: inout EngineWebSocketFrameParser) -> [Event] {
        var events: [Event] = []
        var start = 0
        for size in pieces + [bytes.count] {
            let end = min(bytes.count, start + size)
            // Put the piece in the middle of a bigger buffer, as a read buffer would hold it.
            var buffer = ByteBuffer(bytes: [0xEE, 0xEE] + bytes[start..<end] + [0xEE])
            buffer.moveReaderIndex(forwardBy: 2)
            buffer.moveWriterIndex(to: buffer.writerIndex - 1)
            while let event = parser.next(from: &buffer) { events.append(event) }
            XCTAssertEqual(buffer.readableBytes, 0, "every byte is consumed")
            start = end
            if start == bytes.count { break }
        }
        return events
    }

    static func text(_ string: String) -> Event { .text(ByteBuffer(string: string)) }
    static func binary(_ bytes: [UInt8]) -> Event { .binary(ByteBuffer(bytes: bytes)) }

    // MARK: - Frames

    /// A header announcing a large payload reserves a bounded buffer; the payload still arrives whole.
    func testAnnouncedLengthDoesNotReserveTheWholePayload() {
        let payload = (0..<(900 * 1024)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let bytes = Self.frame(0x2, payload)
        var parser = EngineWebSocketFrameParser(maxMessageSize: 1 << 20)
        var head = ByteBuffer(bytes: bytes.prefix(20))
        XCTAssertNil(parser.next(from: &head))
        XCTAssertLessThanOrEqual(parser.reservedCapacity, 128 * 1024, "reserved before the payload arrived")
        var rest = ByteBuffer(bytes: bytes.dropFirst(20))
        guard case .binary(let message)? = parser.next(from: &rest) else { return XCTFail("no binary message") }
        XCTAssertEqual(Array(message.readableBytesView), payload)
        XCTAssertEqual(parser.reservedCapacity, 0)
    }

    func testMaskedTextAndBinaryFrames() {
        XCTAssertEqual(Self.parse(Self.text("4hello")), [Self.text("4hello")])
        XCTAssertEqual(Self.parse(Self.frame(0x2, [0, 1, 255])), [Self.binary([0, 1, 255])])
        XCTAssertEqual(Self.parse(Self.frame(0x1, [])), [Self.text("")])
    }

    func testUnmaskingAtEveryLengthAndMask() {
        for length in [1, 3, 4, 7, 8, 9, 15, 16, 17, 33, 125] {
            let payload = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            for mask: [UInt8] in [[0, 0, 0, 0], [0xFF, 0xFF, 0xFF, 0xFF], [1, 2, 3, 4], [0x80, 0x7F, 0x01, 0xFE]] {
                XCTAssertEqual(Self.parse(Self.frame(0x2, payload, mask: mask)), [Self.binary(payload)], "length \(length), mask \(mask)")
            }
        }
    }

    func testPayloadLengthEncodings() {
        for length in [0, 125, 126, 127, 1000, 65_535, 65_536, 70_001] {
            let payload = (0..<length).map { UInt8(truncatingIfNeeded: $0) }
            XCTAssertEqual(Self.parse(Self.frame(0x2, payload)), [Self.binary(payload)], "length \(length)")
        }
        // Non-minimal encodings are accepted (as by NIO's decoder before).
        XCTAssertEqual(Self.parse(Self.frame(0x2, [9, 8], length: .sixteenBit)), [Self.binary([9, 8])])
        XCTAssertEqual(Self.parse(Self.frame(0x2, [9, 8], length: .sixtyFourBit)), [Self.binary([9, 8])])
    }

    func testSeveralFramesInOneRead() {
        let bytes = Self.text("4a") + Self.frame(0x9, [1]) + Self.frame(0x2, [2, 3]) + Self.text("4b")
        XCTAssertEqual(Self.parse(bytes), [Self.text("4a"), .ping(ByteBuffer(bytes: [1])), Self.binary([2, 3]), Self.text("4b")])
    }

    func testEverySplitPointGivesTheSameEvents() {
        let long = (0..<300).map { UInt8(truncatingIfNeeded: $0 * 7) }
        let parts: [[UInt8]] = [
            Self.text("4first"), Self.frame(0x2, long), Self.text("4frag", fin: false), Self.frame(0x9, Array("hb".utf8)),
            Self.frame(0x0, Array("men".utf8), fin: false), Self.frame(0x0, Array("ted".utf8)), Self.frame(0xA, []),
            Self.frame(0x1, Array("4x".utf8), length: .sixtyFourBit), Self.frame(0x8, [0x03, 0xE8, 0x62, 0x79]),
        ]
        let bytes = parts.flatMap { $0 }
        let expected: [Event] = [
            Self.text("4first"), Self.binary(long), .ping(ByteBuffer(string: "hb")), Self.text("4fragmented"),
            .pong(ByteBuffer()), Self.text("4x"), .close(code: 1000, reason: ByteBuffer(string: "by")),
        ]
        XCTAssertEqual(Self.parse(bytes), expected)
        for split in 1..<bytes.count {
            XCTAssertEqual(Self.parse(bytes, pieces: [split]), expected, "split at \(split)")
        }
        XCTAssertEqual(Self.parse(bytes, pieces: Array(repeating: 1, count: bytes.count)), expected, "one byte at a time")
        XCTAssertEqual(Self.parse(bytes, pieces: Array(repeating: 5, count: bytes.count / 5)), expected, "five bytes at a time")
    }

    // MARK: - Fragmentation and control frames

    func testFragmentedMessagesAreReassembled() {
        let text = Self.text("4hel", fin: false) + Self.frame(0x0, Array("lo ".utf8), fin: false) + Self.frame(0x0, Array("you".utf8))
        XCTAssertEqual(Self.parse(text), [Self.text("4hello you")])
        let binary = Self.frame(0x2, [1], fin: false) + Self.frame(0x0, [], fin: false) + Self.frame(0x0, [2, 3])
        XCTAssertEqual(Self.parse(binary), [Self.binary([1, 2, 3])])
    }

    func testControlFramesBetweenFragmentsComeOutAtOnce() {
        let parts: [[UInt8]] = [
            Self.frame(0x2, [1], fin: false), Self.frame(0x9, [7]), Self.frame(0x0, [2], fin: false), Self.frame(0xA, [8]),
            Self.frame(0x0, [3]),
        ]
        let bytes = parts.flatMap { $0 }
        XCTAssertEqual(Self.parse(bytes), [.ping(ByteBuffer(bytes: [7])), .pong(ByteBuffer(bytes: [8])), Self.binary([1, 2, 3])])
    }

    func testCloseFrames() {
        XCTAssertEqual(Self.parse(Self.frame(0x8, [0x03, 0xE9])), [.close(code: 1001, reason: ByteBuffer())])
        XCTAssertEqual(Self.parse(Self.frame(0x8, [])), [.close(code: nil, reason: ByteBuffer())])
        XCTAssertEqual(Self.parse(Self.frame(0x8, [0x0B, 0xB8, 0x62])), [.close(code: 3000, reason: ByteBuffer(string: "b"))])
    }

    func testTextThatIsNotUTF8FailsTheConnectionWith1007() {
        XCTAssertEqual(Self.parse(Self.frame(0x1, Array("4ok".utf8))), [Self.text("4ok")])
        XCTAssertEqual(Self.parse(Self.frame(0x1, [0x34, 0xFF, 0xFE])), [.failure(.dataInconsistentWithMessage)])
        // A character split between fragments is fine; a sequence the last fragment leaves open is not.
        let split = Self.frame(0x1, [0x34, 0xC3], fin: false) + Self.frame(0x0, [0xA9])
        XCTAssertEqual(Self.parse(split), [Self.text("4é")])
        let truncated = Self.frame(0x1, [0x34, 0xC3], fin: false) + Self.frame(0x0, [0x21])
        XCTAssertEqual(Self.parse(truncated), [.failure(.dataInconsistentWithMessage)])
        // Binary messages are not text.
        XCTAssertEqual(Self.parse(Self.frame(0x2, [0xFF])), [Self.binary([0xFF])])
    }

    func testCloseFramesThatBreakTheProtocolFailTheConnection() {
        // Codes no endpoint may send (RFC 6455 §7.4), a 1-byte payload, a reason that is not UTF-8.
        for code: UInt16 in [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535] {
            let bytes = Self.frame(0x8, [UInt8(code >> 8), UInt8(code & 0xFF)])
            XCTAssertEqual(Self.parse(bytes), [.failure(.protocolError)], "code \(code)")
        }
        XCTAssertEqual(Self.parse(Self.frame(0x8, [0x03])), [.failure(.protocolError)])
        XCTAssertEqual(Self.parse(Self.frame(0x8, [0x03, 0xE8, 0xFF, 0xFE])), [.failure(.dataInconsistentWithMessage)])
    }

    func testNothingAfterACloseFrame() {
        let bytes = Self.frame(0x8, [0x03, 0xE8]) + Self.text("4late") + [0xFF, 0xFF]
        XCTAssertEqual(Self.parse(bytes), [.close(code: 1000, reason: ByteBuffer())])
    }

    // MARK: - Protocol errors

    private func assertFailure(_ bytes: [UInt8], _ code: WebSocketErrorCode, maxMessageSize: Int = 1 << 20, _ message: String, line: UInt = #line) {
        XCTAssertEqual(Self.parse(bytes, maxMessageSize: maxMessageSize).last, .failure(code), message, line: line)
    }

    func testUnmaskedClientFrameIsAProtocolError() {
        self.assertFailure(Self.frame(0x1, Array("4hi".utf8), mask: nil), .protocolError, "unmasked")
    }

    func testReservedBitsAreAProtocolError() {
        for rsv: UInt8 in [1, 2, 4, 7] {
            self.assertFailure(Self.frame(0x1, Array("4hi".utf8), rsv: rsv), .protocolError, "rsv \(rsv)")
        }
    }

    func testUnknownOpcodesAreAProtocolError() {
        for opcode: UInt8 in [0x3, 0x4, 0x5, 0x6, 0x7, 0xB, 0xC, 0xD, 0xE, 0xF] {
            self.assertFailure(Self.frame(opcode, [1]), .protocolError, "opcode \(opcode)")
        }
    }

    func testBadControlFramesAreAProtocolError() {
        self.assertFailure(Self.frame(0x9, Array(repeating: 1, count: 126)), .protocolError, "ping longer than 125")
        self.assertFailure(Self.frame(0x8, [3, 232], length: .sixteenBit), .protocolError, "close with a 16-bit length")
        self.assertFailure(Self.frame(0x9, [1], fin: false), .protocolError, "fragmented ping")
        self.assertFailure(Self.frame(0xA, [], fin: false), .protocolError, "fragmented pong")
        self.assertFailure(Self.frame(0x8, [3, 232], fin: false), .protocolError, "fragmented close")
    }

    func testContinuationWithoutAMessageIsAProtocolError() {
        self.assertFailure(Self.frame(0x0, [1]), .protocolError, "continuation first")
        self.assertFailure(Self.text("4a") + Self.frame(0x0, [1]), .protocolError, "continuation after a final frame")
    }

    func testNewMessageInsideAFragmentedOneIsAProtocolError() {
        self.assertFailure(Self.text("4a", fin: false) + Self.text("4b"), .protocolError, "text inside text")
        self.assertFailure(Self.frame(0x2, [1], fin: false) + Self.frame(0x2, [2], fin: false), .protocolError, "binary inside binary")
    }

    func testSixtyFourBitLengthWithTheTopBitIsAProtocolError() {
        let header: [UInt8] = [0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 1]
        XCTAssertEqual(Self.parse(header), [.failure(.protocolError)], "decided before the masking key arrives")
    }

    func testAFailureEndsTheStream() {
        var parser = EngineWebSocketFrameParser(maxMessageSize: 100)
        XCTAssertEqual(Self.parse(Self.frame(0x1, [0x34], mask: nil) + Self.text("4x"), with: &parser), [.failure(.protocolError)])
        XCTAssertEqual(Self.parse(Self.text("4y"), with: &parser), [], "nothing after a failure")
        XCTAssertTrue(parser.isIdle)
    }

    // MARK: - Sizes

    func testFrameBeyondTheLimitIsRefusedFromItsHeader() {
        XCTAssertEqual(Self.parse(Self.frame(0x2, Array(repeating: 0, count: 100)), maxMessageSize: 100), [Self.binary(Array(repeating: 0, count: 100))])
        // Only the header of a 1 GiB frame: refused at once, nothing buffered.
        let header: [UInt8] = [0x82, 0xFF, 0, 0, 0, 0, 0x40, 0, 0, 0]
        XCTAssertEqual(Self.parse(header, maxMessageSize: 1 << 20), [.failure(.messageTooLarge)])
        self.assertFailure(Self.frame(0x1, Array(repeating: 0x34, count: 101)), .messageTooLarge, maxMessageSize: 100, "one byte too many")
        self.assertFailure(Array(Self.frame(0x1, Array(repeating: 0x34, count: 200)).prefix(4)), .messageTooLarge, maxMessageSize: 100, "16-bit length")
    }

    func testReassembledMessageBeyondTheLimitIsRefused() {
        let fits = Self.frame(0x2, Array(repeating: 1, count: 60), fin: false) + Self.frame(0x0, Array(repeating: 2, count: 40))
        XCTAssertEqual(Self.parse(fits, maxMessageSize: 100), [Self.binary(Array(repeating: 1, count: 60) + Array(repeating: 2, count: 40))])
        let tooBig = Self.frame(0x2, Array(repeating: 1, count: 60), fin: false) + Array(Self.frame(0x0, Array(repeating: 2, count: 41)).prefix(2))
        XCTAssertEqual(Self.parse(tooBig, maxMessageSize: 100), [.failure(.messageTooLarge)])
    }

    func testControlFramesDoNotCountTowardsTheMessageLimit() {
        let bytes = Self.frame(0x2, Array(repeating: 1, count: 10), fin: false) + Self.frame(0x9, Array(repeating: 9, count: 100)) + Self.frame(0x0, [2])
        XCTAssertEqual(Self.parse(bytes, maxMessageSize: 11), [.ping(ByteBuffer(bytes: Array(repeating: 9, count: 100))), Self.binary(Array(repeating: 1, count: 10) + [2])])
    }

    // MARK: - Memory

    func testParserHoldsNothingBetweenFrames() {
        var parser = EngineWebSocketFrameParser(maxMessageSize: 1 << 20)
        XCTAssertTrue(parser.isIdle)
        _ = Self.parse(Self.text("4a") + Self.frame(0x2, Array(repeating: 1, count: 5000)), with: &parser)
        XCTAssertTrue(parser.isIdle)
        _ = Self.parse(Array(Self.text("4partial").prefix(3)), with: &parser)
        XCTAssertFalse(parser.isIdle, "a split header is kept")
        XCTAssertEqual(Self.parse(Array(Self.text("4partial").dropFirst(3)), with: &parser), [Self.text("4partial")])
        XCTAssertTrue(parser.isIdle)
    }

    func testUnmaskRotatesTheKeyForEveryOffset() {
        let key: [UInt8] = [0x11, 0x22, 0x33, 0x44]
        let keyWord = key.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
        let source = (0..<23).map { UInt8($0) }
        for offset in 0..<4 {
            var output = [UInt8](repeating: 0, count: source.count)
            source.withUnsafeBytes { src in
                output.withUnsafeMutableBytes { dst in
                    EngineWebSocketFrameParser.unmask(src, into: dst.baseAddress!, key: EngineWebSocketFrameParser.rotated(keyWord, by: offset))
                }
            }
            XCTAssertEqual(output, source.enumerated().map { $0.element ^ key[($0.offset + offset) % 4] }, "offset \(offset)")
        }
    }
}
