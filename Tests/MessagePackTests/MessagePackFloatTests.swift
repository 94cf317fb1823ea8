import XCTest

@testable import MessagePack

final class MessagePackFloatTests: XCTestCase {
    func testDoublesAreFloat64EvenWhenFloat32WouldDo() {
        assertCodes(0.5, hex("cb 3fe0000000000000"))
        assertCodes(.double(-0.0), hex("cb 8000000000000000"))
        assertCodes(.double(.greatestFiniteMagnitude), hex("cb 7fefffffffffffff"))
        assertCodes(.double(.leastNonzeroMagnitude), hex("cb 0000000000000001"))
    }

    func testIntegralDoublesStayDoubles() {
        XCTAssertEqual(MessagePackEncoder.encode(.double(2)), hex("cb 4000000000000000"))
    }

    func testFloat32DecodesAsFloatAndReencodesFaithfully() {
        assertCodes(.float(0.5), hex("ca 3f000000"))
        assertCodes(.float(-1.5), hex("ca bfc00000"))
        assertCodes(.float(.infinity), hex("ca 7f800000"))
    }

    func testFloat32NaNKeepsItsBits() throws {
        let bytes = hex("ca 7fc00001")
        let value = try MessagePackDecoder().decode(bytes)
        guard case .float(let number) = value else { return XCTFail("\(value)") }
        XCTAssertTrue(number.isNaN)
        XCTAssertEqual(MessagePackEncoder.encode(value), bytes)
    }

    func testNumericAccessors() {
        XCTAssertEqual(MessagePackValue.float(0.5).doubleValue, 0.5)
        XCTAssertEqual(MessagePackValue.double(3).int64Value, 3)
        XCTAssertNil(MessagePackValue.double(3.5).int64Value)
        XCTAssertEqual(MessagePackValue.uint(UInt64.max).doubleValue, 18_446_744_073_709_551_615.0)
        XCTAssertNil(MessagePackValue.uint(UInt64.max).int64Value)
    }
}
