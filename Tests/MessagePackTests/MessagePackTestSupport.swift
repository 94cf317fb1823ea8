import XCTest

@testable import MessagePack

/// Bytes from hex digits; spaces are ignored (`"93 a6"`).
func hex(_ text: String) -> [UInt8] {
    let digits = Array(text.filter { !$0.isWhitespace })
    precondition(digits.count % 2 == 0, "odd number of hex digits in \(text)")
    return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(digits[$0...$0 + 1]), radix: 16)! }
}

/// The UTF-8 bytes of `text`.
func utf8(_ text: String) -> [UInt8] {
    Array(text.utf8)
}

/// Lower-case hex of `bytes`, for readable failure messages.
func hexString(_ bytes: [UInt8]) -> String {
    bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
}

/// Asserts that `value` encodes to exactly `expected` and that `expected` decodes back to `value`.
func assertCodes(
    _ value: MessagePackValue,
    _ expected: [UInt8],
    file: StaticString = #filePath,
    line: UInt = #line
) {
    let encoded = MessagePackEncoder.encode(value)
    XCTAssertEqual(hexString(encoded), hexString(expected), "encoding of \(value)", file: file, line: line)
    XCTAssertEqual(try MessagePackDecoder().decode(expected), value, "decoding", file: file, line: line)
}

/// Asserts that decoding `bytes` throws exactly `expected`.
func assertDecodeThrows(
    _ bytes: [UInt8],
    _ expected: MessagePackError,
    decoder: MessagePackDecoder = MessagePackDecoder(),
    file: StaticString = #filePath,
    line: UInt = #line
) {
    do {
        let value = try decoder.decode(bytes)
        XCTFail("decoded \(value), expected \(expected)", file: file, line: line)
    } catch {
        XCTAssertEqual(error, expected, file: file, line: line)
    }
}

/// A small deterministic generator (SplitMix64) so randomized tests replay identically.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xbf58_476d_1ce4_e5b9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94d0_49bb_1331_11eb
        return mixed ^ (mixed >> 31)
    }
}
