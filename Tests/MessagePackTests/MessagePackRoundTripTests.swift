import XCTest

@testable import MessagePack

/// Whatever the encoder writes, the decoder reads back unchanged, and re-encoding is byte-identical.
final class MessagePackRoundTripTests: XCTestCase {
    private func assertRoundTrips(_ value: MessagePackValue, file: StaticString = #filePath, line: UInt = #line) {
        let encoded = MessagePackEncoder.encode(value)
        do {
            let decoded = try MessagePackDecoder().decode(encoded)
            XCTAssertEqual(decoded, value, file: file, line: line)
            XCTAssertEqual(MessagePackEncoder.encode(decoded), encoded, file: file, line: line)
        } catch {
            XCTFail("\(value) failed to decode: \(error)", file: file, line: line)
        }
    }

    func testHandPickedValues() {
        let values: [MessagePackValue] = [
            nil, true, false, 0, -1, .int(Int64.min), .int(Int64.max), .uint(UInt64.max),
            0.1, .double(-0.0), .float(3.25), "", "ünïcødé \u{1F426}", .binary([]), .binary([0, 255]),
            [], [:], [[[]]], ["a": ["b": ["c": nil]]],
            .ext(type: 42, data: []), .ext(type: -2, data: [1, 2, 3]),
            .timestamp(seconds: 1_704_164_645, nanoseconds: 678_000_000),
            .timestamp(seconds: -62_198_755_200, nanoseconds: 0),
        ]
        for value in values {
            assertRoundTrips(value)
        }
    }

    /// 500 random trees from a fixed seed; a failure replays identically.
    func testRandomValuesRoundTrip() {
        var generator = SeededGenerator(seed: 20_240_102)
        for _ in 0..<500 {
            assertRoundTrips(randomValue(depth: 0, using: &generator))
        }
    }

    func testDecodingAcceptsSlicesAndRawBuffers() throws {
        let bytes = hex("ff 92 01 a1 78 ff")
        let slice = bytes[1..<5]
        XCTAssertEqual(try MessagePackDecoder().decode(slice), [1, "x"])
        let fromRaw = try bytes.withUnsafeBytes { raw in
            try MessagePackDecoder().decodePrefix(UnsafeRawBufferPointer(rebasing: raw[1...]))
        }
        XCTAssertEqual(fromRaw.value, [1, "x"])
        XCTAssertEqual(fromRaw.byteCount, 4)
        // A sequence without contiguous storage is copied first.
        XCTAssertEqual(try MessagePackDecoder().decode(slice.lazy.map { $0 }), [1, "x"])
    }

    private func randomValue(depth: Int, using generator: inout SeededGenerator) -> MessagePackValue {
        let kinds = depth < 4 ? 14 : 12
        switch Int.random(in: 0..<kinds, using: &generator) {
        case 0: return .nil
        case 1: return .bool(Bool.random(using: &generator))
        case 2: return .int(randomInteger(using: &generator))
        case 3: return .uint(UInt64.random(in: (UInt64(Int64.max) + 1)...UInt64.max, using: &generator))
        case 4:
            // Any bit pattern but NaN, which never equals itself.
            let number = Double(bitPattern: generator.next())
            return .double(number.isNaN ? 0.5 : number)
        case 5: return .float(Float.random(in: -1e6...1e6, using: &generator))
        case 6: return .string(randomString(using: &generator))
        case 7: return .binary(randomBytes(maxCount: 300, using: &generator))
        case 8:
            let type = Int8.random(in: Int8.min...Int8.max, using: &generator)
            // Types −1 and 0 carry meaning; keep them for the dedicated tests.
            return .ext(type: type == -1 || type == 0 ? 1 : type, data: randomBytes(maxCount: 20, using: &generator))
        case 9:
            return .timestamp(
                seconds: Int64.random(in: -(1 << 40)...(1 << 40), using: &generator),
                nanoseconds: UInt32.random(in: 0..<1_000_000_000, using: &generator)
            )
        case 10: return .timestamp(seconds: Int64.random(in: 0..<(1 << 32), using: &generator), nanoseconds: 0)
        case 11: return .string(String(repeating: "x", count: Int.random(in: 0...300, using: &generator)))
        case 12:
            let count = Int.random(in: 0...20, using: &generator)
            return .array((0..<count).map { _ in randomValue(depth: depth + 1, using: &generator) })
        default:
            let count = Int.random(in: 0...20, using: &generator)
            return .map((0..<count).map { _ in
                .init(key: randomValue(depth: depth + 1, using: &generator), value: randomValue(depth: depth + 1, using: &generator))
            })
        }
    }

    /// Integers spread over every size class, not just uniformly over Int64.
    private func randomInteger(using generator: inout SeededGenerator) -> Int64 {
        let bits = Int.random(in: 0...63, using: &generator)
        let magnitude = Int64.random(in: 0...(Int64.max >> (63 - bits)), using: &generator)
        return Bool.random(using: &generator) ? magnitude : -magnitude - 1
    }

    private func randomBytes(maxCount: Int, using generator: inout SeededGenerator) -> [UInt8] {
        (0..<Int.random(in: 0...maxCount, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    private func randomString(using generator: inout SeededGenerator) -> String {
        let alphabet: [Character] = ["a", "Z", "0", " ", "é", "亜", "\u{1F426}", "\u{0}", "#"]
        let count = Int.random(in: 0...40, using: &generator)
        return String((0..<count).map { _ in alphabet.randomElement(using: &generator)! })
    }
}
