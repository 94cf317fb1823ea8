import XCTest

@testable import MessagePack

/// The timestamp extension (type −1) and notepack.io 2.x's extension type 0 values.
final class MessagePackTimestampTests: XCTestCase {
    func testTimestamp32ForWholeSecondsBelow2To32() {
        assertCodes(.timestamp(seconds: 0, nanoseconds: 0), hex("d6 ff 00000000"))
        // notepack.io 3.x: new Date("2000-06-13T00:00:00.000Z") → d6 ff 39 45 79 80.
        assertCodes(.timestamp(seconds: 960_854_400, nanoseconds: 0), hex("d6 ff 39457980"))
        assertCodes(.timestamp(seconds: 4_294_967_295, nanoseconds: 0), hex("d6 ff ffffffff"))
    }

    func testTimestamp64ForNanosecondsOrSecondsUpTo2To34() {
        // nanoseconds 1 << 34 | seconds 1.
        assertCodes(.timestamp(seconds: 1, nanoseconds: 1), hex("d7 ff 0000000400000001"))
        assertCodes(.timestamp(seconds: 4_294_967_296, nanoseconds: 0), hex("d7 ff 0000000100000000"))
        assertCodes(
            .timestamp(seconds: 17_179_869_183, nanoseconds: 999_999_999),
            hex("d7 ff ee6b27ff ffffffff")
        )
    }

    func testTimestamp96ForNegativeOrLargeSeconds() {
        assertCodes(.timestamp(seconds: -1, nanoseconds: 0), hex("c7 0c ff 00000000 ffffffffffffffff"))
        assertCodes(
            .timestamp(seconds: 17_179_869_184, nanoseconds: 5),
            hex("c7 0c ff 00000005 0000000400000000")
        )
        assertCodes(.timestamp(seconds: Int64.min, nanoseconds: 0), hex("c7 0c ff 00000000 8000000000000000"))
    }

    func testTimestampInOtherExtensionContainersDecodes() throws {
        XCTAssertEqual(try MessagePackDecoder().decode(hex("c7 04 ff 00000001")), .timestamp(seconds: 1, nanoseconds: 0))
    }

    func testExcessNanosecondsAreCarriedIntoSeconds() {
        XCTAssertEqual(
            MessagePackEncoder.encode(.timestamp(seconds: 1, nanoseconds: 2_500_000_000)),
            MessagePackEncoder.encode(.timestamp(seconds: 3, nanoseconds: 500_000_000))
        )
        XCTAssertEqual(
            MessagePackEncoder.encode(.timestamp(seconds: Int64.max, nanoseconds: 1_000_000_000)),
            MessagePackEncoder.encode(.timestamp(seconds: Int64.max, nanoseconds: 999_999_999))
        )
    }

    /// notepack.io 2.x writes a `Date` as `d7 00` + milliseconds since the epoch as a signed
    /// big-endian Int64 (vectors from its test suite).
    func testNotepackLegacyDates() throws {
        let decoder = MessagePackDecoder()
        let vectors: [(String, String)] = [
            ("d7 00 0000000000000000", "1970-01-01T00:00:00.000Z"),
            ("d7 00 ffffff9c80e28800", "1956-06-17T00:00:00.000Z"),
            ("d7 00 000000dfb7629c00", "2000-06-13T00:00:00.000Z"),
            ("d7 00 0000010883436bff", "2005-12-31T23:59:59.999Z"),
            ("d7 00 000004e111a31efe", "2140-01-01T13:14:15.678Z"),
        ]
        for (bytes, iso) in vectors {
            XCTAssertEqual(try decoder.decode(hex(bytes)).iso8601String, iso, bytes)
        }
        XCTAssertEqual(
            try decoder.decode(hex("d7 00 0000010883436bff")),
            .timestamp(seconds: 1_136_073_599, nanoseconds: 999_000_000)
        )
        // −1 ms is one millisecond before the epoch: seconds round down, nanoseconds stay positive.
        XCTAssertEqual(
            try decoder.decode(hex("d7 00 ffffffffffffffff")),
            .timestamp(seconds: -1, nanoseconds: 999_000_000)
        )
    }

    func testNotepackLegacyUndefinedAndArrayBuffer() throws {
        let decoder = MessagePackDecoder()
        XCTAssertEqual(try decoder.decode(hex("d4 00 00")), .nil)
        XCTAssertEqual(try decoder.decode(hex("92 d4 00 00 c0")), [nil, nil])
        XCTAssertEqual(try decoder.decode(hex("c7 04 00 01020304")), .binary([1, 2, 3, 4]))
        XCTAssertEqual(try decoder.decode(hex("c8 0001 00 09")), .binary([9]))
        // Other fixext sizes of type 0 carry no notepack meaning.
        XCTAssertEqual(try decoder.decode(hex("d5 00 0102")), .ext(type: 0, data: [1, 2]))
    }

    func testLegacyInterpretationCanBeTurnedOff() throws {
        let decoder = MessagePackDecoder(decodesNotepackLegacyExtensions: false)
        XCTAssertEqual(try decoder.decode(hex("d4 00 00")), .ext(type: 0, data: [0]))
        XCTAssertEqual(try decoder.decode(hex("d7 00 0000000000000001")), .ext(type: 0, data: [0, 0, 0, 0, 0, 0, 0, 1]))
        XCTAssertEqual(try decoder.decode(hex("c7 01 00 07")), .ext(type: 0, data: [7]))
    }

    func testMalformedTimestampsThrow() {
        assertDecodeThrows(hex("d5 ff 0001"), .invalidTimestamp(offset: 0))
        assertDecodeThrows(hex("c7 00 ff"), .invalidTimestamp(offset: 0))
        // timestamp 64 with nanoseconds 1 000 000 000 (0x3b9aca00 << 34).
        assertDecodeThrows(hex("d7 ff ee6b2800 00000000"), .invalidTimestamp(offset: 0))
        assertDecodeThrows(hex("91 c7 0c ff 3b9aca00 0000000000000000"), .invalidTimestamp(offset: 1))
    }
}
