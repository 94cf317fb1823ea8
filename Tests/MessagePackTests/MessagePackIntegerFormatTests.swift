import XCTest

@testable import MessagePack

/// Integers take the smallest form, unsigned for non-negative values as in notepack.io.
final class MessagePackIntegerFormatTests: XCTestCase {
    func testNonNegativeBoundaries() {
        assertCodes(0, hex("00"))
        assertCodes(127, hex("7f"))
        assertCodes(128, hex("cc 80"))
        assertCodes(255, hex("cc ff"))
        assertCodes(256, hex("cd 0100"))
        assertCodes(65_535, hex("cd ffff"))
        assertCodes(65_536, hex("ce 00010000"))
        assertCodes(4_294_967_295, hex("ce ffffffff"))
        assertCodes(4_294_967_296, hex("cf 0000000100000000"))
        assertCodes(.int(Int64.max), hex("cf 7fffffffffffffff"))
    }

    func testNegativeBoundaries() {
        assertCodes(-1, hex("ff"))
        assertCodes(-32, hex("e0"))
        assertCodes(-33, hex("d0 df"))
        assertCodes(-128, hex("d0 80"))
        assertCodes(-129, hex("d1 ff7f"))
        assertCodes(-32_768, hex("d1 8000"))
        assertCodes(-32_769, hex("d2 ffff7fff"))
        assertCodes(-2_147_483_648, hex("d2 80000000"))
        assertCodes(-2_147_483_649, hex("d3 ffffffff7fffffff"))
        assertCodes(-4_294_967_297, hex("d3 fffffffeffffffff"))
    }

    func testUnsignedAboveInt64MaxStaysUnsigned() {
        assertCodes(.uint(UInt64(Int64.max) + 1), hex("cf 8000000000000000"))
        assertCodes(.uint(UInt64.max), hex("cf ffffffffffffffff"))
    }

    func testSmallUnsignedValuesEncodeLikeInts() {
        XCTAssertEqual(MessagePackEncoder.encode(.uint(5)), hex("05"))
        XCTAssertEqual(MessagePackEncoder.encode(.uint(300)), hex("cd 012c"))
    }

    /// Other encoders may use wider forms than needed; all decode to the same `.int`.
    func testNonMinimalFormsDecodeToInt() throws {
        let decoder = MessagePackDecoder()
        XCTAssertEqual(try decoder.decode(hex("cc 01")), 1)
        XCTAssertEqual(try decoder.decode(hex("cd 0001")), 1)
        XCTAssertEqual(try decoder.decode(hex("ce 00000001")), 1)
        XCTAssertEqual(try decoder.decode(hex("cf 0000000000000001")), 1)
        XCTAssertEqual(try decoder.decode(hex("d0 7f")), 127)
        XCTAssertEqual(try decoder.decode(hex("d0 ff")), -1)
        XCTAssertEqual(try decoder.decode(hex("d1 7fff")), 32_767)
        XCTAssertEqual(try decoder.decode(hex("d1 ffff")), -1)
        XCTAssertEqual(try decoder.decode(hex("d2 7fffffff")), 2_147_483_647)
        XCTAssertEqual(try decoder.decode(hex("d2 ffffffff")), -1)
        XCTAssertEqual(try decoder.decode(hex("d3 0020000000000000")), .int(1 << 53))
        XCTAssertEqual(try decoder.decode(hex("d3 ffffffffffffffff")), -1)
    }

    func testIntegersAreNeverWrittenAsFloats() {
        for integer: Int64 in [0, 1, -1, 1 << 40, -(1 << 40), Int64.max, Int64.min] {
            let first = MessagePackEncoder.encode(.int(integer)).first
            XCTAssertNotEqual(first, 0xca, "\(integer)")
            XCTAssertNotEqual(first, 0xcb, "\(integer)")
        }
    }
}
