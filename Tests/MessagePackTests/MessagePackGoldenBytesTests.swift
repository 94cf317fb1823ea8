import XCTest

@testable import MessagePack

/// Exact bytes other nodes of the cluster send and expect.
final class MessagePackGoldenBytesTests: XCTestCase {
    /// The classic adapter's broadcast for `io.emit("hello", "world")` from uid `AbCdEf`
    /// (docs/wire-reference.md §3).
    private let broadcastBytes: [UInt8] =
        [0x93, 0xa6] + utf8("AbCdEf")
        + [0x83, 0xa4] + utf8("type") + [0x02]
        + [0xa4] + utf8("data") + [0x92, 0xa5] + utf8("hello") + [0xa5] + utf8("world")
        + [0xa3] + utf8("nsp") + [0xa1] + utf8("/")
        + [0x83, 0xa5] + utf8("rooms") + [0x90]
        + [0xa6] + utf8("except") + [0x90]
        + [0xa5] + utf8("flags") + [0x80]

    private let broadcastValue: MessagePackValue = [
        "AbCdEf",
        ["type": 2, "data": ["hello", "world"], "nsp": "/"],
        ["rooms": [], "except": [], "flags": [:]],
    ]

    func testClassicAdapterBroadcastEncodesToReferenceBytes() {
        XCTAssertEqual(hexString(MessagePackEncoder.encode(broadcastValue)), hexString(broadcastBytes))
    }

    func testClassicAdapterBroadcastDecodesWithKeyOrderAndLookup() throws {
        let value = try MessagePackDecoder().decode(broadcastBytes)
        XCTAssertEqual(value, broadcastValue)
        XCTAssertEqual(value[0]?.stringValue, "AbCdEf")
        XCTAssertEqual(value[1]?["type"]?.int64Value, 2)
        XCTAssertEqual(value[1]?["nsp"], "/")
        XCTAssertEqual(value[1]?["data"], ["hello", "world"])
        XCTAssertEqual(value[1]?.mapEntries?.map(\.key), ["type", "data", "nsp"])
        XCTAssertEqual(value[2]?["flags"], .map([]))
        XCTAssertNil(value[2]?["missing"])
    }

    func testAppendingEncoderKeepsExistingBytes() {
        var buffer: [UInt8] = [0xde, 0xad]
        MessagePackEncoder.encode(broadcastValue, into: &buffer)
        XCTAssertEqual(buffer, [0xde, 0xad] + broadcastBytes)
    }

    /// Vectors from notepack.io's own test suite, for what JavaScript numbers and strings become.
    func testNotepackVectors() {
        assertCodes(1.1, hex("cb 3ff199999999999a"))
        assertCodes(1_234_567_891_234_567.5, hex("cb 43118b54f26ebc1e"))
        assertCodes(.double(.infinity), hex("cb 7ff0000000000000"))
        assertCodes(.double(-.infinity), hex("cb fff0000000000000"))
        assertCodes(-65_437_650_001_231, hex("d3 ffffc47c1c1de2b1"))
        assertCodes(-1_111_111_111_111_111, hex("d3 fffc0d7348ea8e39"))
        assertCodes(-4_503_599_627_370_496, hex("d3 fff0000000000000"))
        assertCodes(.int(-(1 << 53) + 1), hex("d3 ffe0000000000001"))
        assertCodes(.int(Int64.min), hex("d3 8000000000000000"))
        assertCodes(.int((1 << 53) - 1), hex("cf 001fffffffffffff"))
        assertCodes(.uint(1 << 63), hex("cf 8000000000000000"))
        assertCodes("α", hex("a2 ceb1"))
        assertCodes("亜", hex("a3 e4ba9c"))
        assertCodes("\u{1F426}", hex("a4 f09f90a6"))
        assertCodes(["a": 1, "b": 2, "c": 3], hex("83 a16101 a16202 a16303"))
        assertCodes(
            [
                "0": 0, "1": 1, "2": 2, "3": 3, "4": 4, "5": 5, "6": 6, "7": 7,
                "8": 8, "9": 9, "a": 10, "b": 11, "c": 12, "d": 13, "e": 14, "f": 15,
            ],
            hex("de0010 a13000a13101a13202a13303a13404a13505a13606a13707a13808a13909 a1610aa1620ba1630ca1640da1650ea1660f")
        )
    }

    func testNaNEncodesAsQuietNaNAndDecodesAsNaN() throws {
        XCTAssertEqual(MessagePackEncoder.encode(.double(.nan)), hex("cb 7ff8000000000000"))
        let decoded = try MessagePackDecoder().decode(hex("cb 7ff8000000000000"))
        XCTAssertEqual(decoded.doubleValue?.isNaN, true)
    }
}
