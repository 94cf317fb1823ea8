import Foundation
import XCTest

@testable import SocketIO

/// The handshake's `time` reads as the reference's `new Date() + ""` on a server in UTC, so
/// `fetchSockets` answers look the same from Swift and Node nodes.
final class SocketIOHandshakeTimeTests: XCTestCase {
    func testKnownInstants() {
        let cases: [(Int, String)] = [
            (0, "Thu Jan 01 1970 00:00:00 GMT+0000 (Coordinated Universal Time)"),
            (1_796_367_000_000, "Fri Dec 04 2026 06:50:00 GMT+0000 (Coordinated Universal Time)"),
            (951_782_400_000, "Tue Feb 29 2000 00:00:00 GMT+0000 (Coordinated Universal Time)"),
            (-1, "Wed Dec 31 1969 23:59:59 GMT+0000 (Coordinated Universal Time)"),
            (4_102_444_799_999, "Thu Dec 31 2099 23:59:59 GMT+0000 (Coordinated Universal Time)"),
        ]
        for (milliseconds, expected) in cases {
            XCTAssertEqual(SocketIOHandshake.javaScriptDateString(millisecondsSince1970: milliseconds), expected, "\(milliseconds)")
        }
    }

    func testAgreesWithFoundationOverManyDays() {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE MMM dd yyyy HH:mm:ss"
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let milliseconds = Int.random(in: -2_000_000_000_000...8_000_000_000_000, using: &generator)
            let date = Date(timeIntervalSince1970: Double(milliseconds.quotientAndRemainder(dividingBy: 1000).quotient - (milliseconds < 0 && milliseconds % 1000 != 0 ? 1 : 0)))
            let expected = formatter.string(from: date) + " GMT+0000 (Coordinated Universal Time)"
            XCTAssertEqual(SocketIOHandshake.javaScriptDateString(millisecondsSince1970: milliseconds), expected, "\(milliseconds)")
        }
    }
}
