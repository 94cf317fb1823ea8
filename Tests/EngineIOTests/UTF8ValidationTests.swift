import XCTest

@testable import EngineIO

final class UTF8ValidationTests: XCTestCase {
    private func valid(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes(UTF8Validation.isValid)
    }

    func testWellFormedTextIsValid() {
        for text in ["", "4hello", "42[\"é\",\"€\",\"𝄞\"]", String(repeating: "a", count: 100) + "ü", "\u{10FFFF}", "\u{D7FF}\u{E000}"] {
            XCTAssertTrue(self.valid(Array(text.utf8)), text)
        }
    }

    func testIllFormedSequencesAreRefused() {
        let cases: [[UInt8]] = [
            [0xFF], [0xFE], [0x80], [0xBF],  // never a lead byte
            [0xC0, 0xAF], [0xC1, 0xBF],  // overlong two-byte forms
            [0xE0, 0x80, 0xAF],  // overlong three-byte form
            [0xF0, 0x80, 0x80, 0xAF],  // overlong four-byte form
            [0xED, 0xA0, 0x80],  // a surrogate (U+D800)
            [0xF4, 0x90, 0x80, 0x80],  // past U+10FFFF
            [0xF5, 0x80, 0x80, 0x80],
            [0xC3],  // truncated
            [0xE2, 0x82],  // truncated
            [0xE2, 0x28, 0xA1],  // bad continuation
            Array("12345678".utf8) + [0xC3],  // after an ASCII run of 8
        ]
        for bytes in cases {
            XCTAssertFalse(self.valid(bytes), "\(bytes)")
        }
    }

    func testAgreesWithTheStandardLibraryOnEveryTwoByteInput() {
        for first in 0...255 {
            for second in 0...255 {
                let bytes: [UInt8] = [UInt8(first), UInt8(second)]
                XCTAssertEqual(self.valid(bytes), String(validating: bytes, as: UTF8.self) != nil, "\(bytes)")
            }
        }
    }
}
