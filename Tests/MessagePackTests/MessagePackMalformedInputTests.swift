import XCTest

@testable import MessagePack

/// Hostile input throws a precise error and never traps.
final class MessagePackMalformedInputTests: XCTestCase {
    /// One value using nearly every format, so its truncations cut through each of them.
    private var everyFormat: MessagePackValue {
        [
            nil, true, false, 0, 127, 255, 65_535, 4_294_967_295, .int(Int64.max), .uint(UInt64.max),
            -1, -33, -129, -32_769, -2_147_483_649, 1.5, .float(2.5),
            "", "fix", .string(String(repeating: "s", count: 40)), .string(String(repeating: "t", count: 300)),
            "ünïcødé \u{1F426}", .binary([1, 2, 3]), .binary([UInt8](repeating: 7, count: 300)),
            .ext(type: 1, data: [1]), .ext(type: 2, data: [1, 2]), .ext(type: 3, data: [1, 2, 3, 4]),
            .ext(type: 4, data: Array(repeating: 4, count: 8)), .ext(type: 5, data: Array(repeating: 5, count: 16)),
            .ext(type: 6, data: [1, 2, 3]), .ext(type: 7, data: Array(repeating: 7, count: 300)),
            .timestamp(seconds: 1, nanoseconds: 0), .timestamp(seconds: 1, nanoseconds: 1),
            .timestamp(seconds: -1, nanoseconds: 1),
            ["k": ["nested": [1, [2, [3]]]], "empty": [:]],
            .array(Array(repeating: 1, count: 20)),
        ]
    }

    func testEveryTruncationThrowsEndOrLengthError() throws {
        let bytes = MessagePackEncoder.encode(everyFormat) + hex("d7 00 0000010883436bff")
        let full = try MessagePackDecoder().decodePrefix(bytes)
        XCTAssertEqual(full.value, everyFormat)
        for length in 0..<full.byteCount {
            let prefix = Array(bytes[0..<length])
            do {
                let value = try MessagePackDecoder().decode(prefix)
                XCTFail("a \(length)-byte prefix decoded to \(value)")
            } catch {
                switch error {
                case .unexpectedEnd, .lengthExceedsInput: break
                default: XCTFail("a \(length)-byte prefix threw \(error)")
                }
            }
            XCTAssertThrowsError(try MessagePackDecoder().decodePrefix(prefix[...]))
        }
    }

    func testEmptyInput() {
        assertDecodeThrows([], .unexpectedEnd(offset: 0))
    }

    func testTruncatedScalarsReportWhereTheValueStarts() {
        assertDecodeThrows(hex("92 01 cd 01"), .unexpectedEnd(offset: 2))
        assertDecodeThrows(hex("cb 3ff0"), .unexpectedEnd(offset: 0))
        assertDecodeThrows(hex("d9"), .unexpectedEnd(offset: 0))
        assertDecodeThrows(hex("c8 00"), .unexpectedEnd(offset: 0))
        assertDecodeThrows(hex("d6 05 0102"), .unexpectedEnd(offset: 0))
        assertDecodeThrows(hex("c7 04 05 0102"), .lengthExceedsInput(offset: 0, declared: 4, available: 2))
    }

    func testHugeDeclaredLengthsThrowWithoutAllocating() {
        assertDecodeThrows(hex("db ffffffff 61"), .lengthExceedsInput(offset: 0, declared: 0xffff_ffff, available: 1))
        assertDecodeThrows(hex("c6 ffffffff"), .lengthExceedsInput(offset: 0, declared: 0xffff_ffff, available: 0))
        assertDecodeThrows(hex("c9 ffffffff 01 00"), .lengthExceedsInput(offset: 0, declared: 0xffff_ffff, available: 1))
        assertDecodeThrows(hex("dd ffffffff c0 c0"), .lengthExceedsInput(offset: 0, declared: 0xffff_ffff, available: 2))
        assertDecodeThrows(hex("df ffffffff c0 c0"), .lengthExceedsInput(offset: 0, declared: 0xffff_ffff, available: 2))
        assertDecodeThrows(hex("91 dc ffff"), .lengthExceedsInput(offset: 1, declared: 0xffff, available: 0))
    }

    func testContainerCountsAreCheckedAgainstTheMinimumEncodedSize() {
        // Three one-byte elements fit in three bytes; four do not.
        XCTAssertEqual(try MessagePackDecoder().decode(hex("93 c0 c0 c0")), [nil, nil, nil])
        assertDecodeThrows(hex("94 c0 c0 c0"), .lengthExceedsInput(offset: 0, declared: 4, available: 3))
        // A map entry needs a key and a value: two bytes.
        assertDecodeThrows(hex("82 c0 c0 c0"), .lengthExceedsInput(offset: 0, declared: 2, available: 3))
        assertDecodeThrows(hex("81 c0"), .lengthExceedsInput(offset: 0, declared: 1, available: 1))
    }

    func testNestingUpToTheLimitDecodes() throws {
        let arrays = [UInt8](repeating: 0x91, count: 100) + [0xc0]
        XCTAssertNoThrow(try MessagePackDecoder().decode(arrays))
        let maps = Array([[UInt8]](repeating: [0x81, 0x00], count: 100).joined()) + [0xc0]
        XCTAssertNoThrow(try MessagePackDecoder().decode(maps))
    }

    func testNestingPastTheLimitThrows() {
        assertDecodeThrows([UInt8](repeating: 0x91, count: 101) + [0xc0], .nestingTooDeep(limit: 100, offset: 100))
        let maps = Array([[UInt8]](repeating: [0x81, 0x00], count: 101).joined()) + [0xc0]
        assertDecodeThrows(maps, .nestingTooDeep(limit: 100, offset: 200))
        let shallow = MessagePackDecoder(maxDepth: 2)
        XCTAssertEqual(try shallow.decode(hex("91 91 01")), [[1]])
        assertDecodeThrows(hex("91 91 91 01"), .nestingTooDeep(limit: 2, offset: 2), decoder: shallow)
        assertDecodeThrows(hex("91 01"), .nestingTooDeep(limit: 0, offset: 0), decoder: MessagePackDecoder(maxDepth: 0))
    }

    func testMillionOpenArraysThrowsInsteadOfOverflowingTheStack() {
        assertDecodeThrows([UInt8](repeating: 0x91, count: 1_000_000), .nestingTooDeep(limit: 100, offset: 100))
    }

    func testInvalidUTF8Throws() {
        for bytes in [
            "a1 ff",  // never valid
            "a1 80",  // lone continuation byte
            "a2 c3 28",  // missing continuation
            "a2 c0 af",  // overlong "/"
            "a3 ed a0 80",  // UTF-16 surrogate
            "a3 f0 9f 98",  // four-byte sequence cut short
            "a4 f4 90 80 80",  // above U+10FFFF
        ] {
            assertDecodeThrows(hex(bytes), .invalidUTF8(offset: 0))
        }
        assertDecodeThrows(hex("81 a1 6b d9 01 ff"), .invalidUTF8(offset: 3))
    }

    func testValidUTF8EdgeCasesDecode() throws {
        XCTAssertEqual(try MessagePackDecoder().decode(hex("a1 00")), "\u{0}")
        XCTAssertEqual(try MessagePackDecoder().decode(hex("a4 f4 8f bf bf")), "\u{10FFFF}")
        XCTAssertEqual(try MessagePackDecoder().decode(hex("a3 ef bf bd")), "\u{FFFD}")
    }

    func testTrailingBytesThrowButPrefixDecodingReportsLength() throws {
        assertDecodeThrows(hex("c0 c0"), .trailingBytes(offset: 1, count: 1))
        assertDecodeThrows(hex("92 01 02 03 04"), .trailingBytes(offset: 3, count: 2))
        let (value, byteCount) = try MessagePackDecoder().decodePrefix(hex("92 01 02 03 04"))
        XCTAssertEqual(value, [1, 2])
        XCTAssertEqual(byteCount, 3)
    }

    func testUnusedFormatByteThrows() {
        assertDecodeThrows(hex("c1"), .invalidFormatByte(0xc1, offset: 0))
        assertDecodeThrows(hex("92 01 c1"), .invalidFormatByte(0xc1, offset: 2))
    }

    func testRandomGarbageNeverTraps() {
        var generator = SeededGenerator(seed: 0xbad_c0de)
        var outcomes = (decoded: 0, thrown: 0)
        for _ in 0..<5_000 {
            let length = Int.random(in: 0...64, using: &generator)
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if (try? MessagePackDecoder().decodePrefix(bytes)) != nil {
                outcomes.decoded += 1
            } else {
                outcomes.thrown += 1
            }
        }
        // Both paths were exercised.
        XCTAssertGreaterThan(outcomes.decoded, 100)
        XCTAssertGreaterThan(outcomes.thrown, 100)
    }

    func testCorruptedValidEncodingsNeverTrap() {
        var generator = SeededGenerator(seed: 42)
        let original = MessagePackEncoder.encode(everyFormat)
        for _ in 0..<2_000 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            _ = try? MessagePackDecoder().decode(bytes)
        }
    }
}
