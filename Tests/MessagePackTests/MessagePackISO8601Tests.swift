import XCTest

@testable import MessagePack

/// Timestamps render like JavaScript's `Date.prototype.toISOString()`.
final class MessagePackISO8601Tests: XCTestCase {
    private func iso(_ seconds: Int64, _ nanoseconds: UInt32 = 0) -> String {
        MessagePackTimestamp.iso8601String(seconds: seconds, nanoseconds: nanoseconds)
    }

    func testCommonDates() {
        XCTAssertEqual(iso(0), "1970-01-01T00:00:00.000Z")
        XCTAssertEqual(iso(1_704_164_645, 678_000_000), "2024-01-02T03:04:05.678Z")
        XCTAssertEqual(iso(4_294_967_296), "2106-02-07T06:28:16.000Z")
        XCTAssertEqual(iso(17_179_869_184), "2514-05-30T01:53:04.000Z")
    }

    func testLeapYears() {
        XCTAssertEqual(iso(1_709_251_199), "2024-02-29T23:59:59.000Z")
        XCTAssertEqual(iso(951_825_600), "2000-02-29T12:00:00.000Z")
        XCTAssertEqual(iso(-2_203_891_200), "1900-03-01T00:00:00.000Z")
        XCTAssertEqual(iso(-2_203_891_200 - 1), "1900-02-28T23:59:59.000Z")
    }

    func testMillisecondsAreTruncatedNotRounded() {
        XCTAssertEqual(iso(0, 999_999_999), "1970-01-01T00:00:00.999Z")
        XCTAssertEqual(iso(0, 1_000_000), "1970-01-01T00:00:00.001Z")
        XCTAssertEqual(iso(0, 999_999), "1970-01-01T00:00:00.000Z")
    }

    func testBeforeTheEpoch() {
        XCTAssertEqual(iso(-1), "1969-12-31T23:59:59.000Z")
        XCTAssertEqual(iso(-1, 999_000_000), "1969-12-31T23:59:59.999Z")
        XCTAssertEqual(iso(-62_135_596_800), "0001-01-01T00:00:00.000Z")
    }

    func testYearsOutsideFourDigitsUseTheExpandedForm() {
        XCTAssertEqual(iso(253_402_300_799), "9999-12-31T23:59:59.000Z")
        XCTAssertEqual(iso(253_402_300_800), "+010000-01-01T00:00:00.000Z")
        XCTAssertEqual(iso(-62_167_219_200), "0000-01-01T00:00:00.000Z")
        XCTAssertEqual(iso(-62_198_755_200), "-000001-01-01T00:00:00.000Z")
    }

    func testExtremeSecondsDoNotTrap() {
        XCTAssertTrue(iso(Int64.max, 1_999_999_999).hasPrefix("+"))
        XCTAssertTrue(iso(Int64.min).hasPrefix("-"))
    }

    func testValueAccessor() {
        XCTAssertEqual(MessagePackValue.timestamp(seconds: 86_400, nanoseconds: 5_000_000).iso8601String, "1970-01-02T00:00:00.005Z")
        XCTAssertNil(MessagePackValue.int(0).iso8601String)
    }
}
