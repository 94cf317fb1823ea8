import XCTest

@testable import MessagePack

/// Strings, binaries, arrays, maps and extensions switch header form exactly at the boundaries.
final class MessagePackSizeClassTests: XCTestCase {
    /// Encodes `value`, checks the header bytes and the total size, and decodes it back.
    private func assertHeader(
        _ value: MessagePackValue,
        _ header: String,
        payloadBytes: Int,
        file: StaticString = #filePath,
        line: UInt = #line
    ) {
        let encoded = MessagePackEncoder.encode(value)
        let expected = hex(header)
        XCTAssertEqual(hexString(Array(encoded.prefix(expected.count))), hexString(expected), file: file, line: line)
        XCTAssertEqual(encoded.count, expected.count + payloadBytes, file: file, line: line)
        XCTAssertEqual(try MessagePackDecoder().decode(encoded), value, file: file, line: line)
    }

    func testStringSizeClasses() {
        assertHeader("", "a0", payloadBytes: 0)
        for (length, header) in [
            (31, "bf"), (32, "d9 20"), (255, "d9 ff"), (256, "da 0100"),
            (65_535, "da ffff"), (65_536, "db 00010000"),
        ] {
            assertHeader(.string(String(repeating: "a", count: length)), header, payloadBytes: length)
        }
    }

    func testStringLengthCountsUTF8BytesNotCharacters() {
        // 16 × "é" is 16 characters but 32 bytes: str 8, not fixstr.
        assertHeader(.string(String(repeating: "é", count: 16)), "d9 20", payloadBytes: 32)
    }

    func testBinarySizeClasses() {
        for (length, header) in [
            (0, "c4 00"), (1, "c4 01"), (255, "c4 ff"), (256, "c5 0100"),
            (65_535, "c5 ffff"), (65_536, "c6 00010000"),
        ] {
            assertHeader(.binary([UInt8](repeating: 0x61, count: length)), header, payloadBytes: length)
        }
    }

    func testArraySizeClasses() {
        for (count, header) in [
            (0, "90"), (15, "9f"), (16, "dc 0010"), (65_535, "dc ffff"), (65_536, "dd 00010000"),
        ] {
            assertHeader(.array(Array(repeating: 0, count: count)), header, payloadBytes: count)
        }
    }

    func testMapSizeClasses() {
        for (count, header) in [
            (0, "80"), (15, "8f"), (16, "de 0010"), (65_535, "de ffff"), (65_536, "df 00010000"),
        ] {
            let entries = (0..<count).map { _ in MessagePackValue.MapEntry(key: .nil, value: .bool(true)) }
            assertHeader(.map(entries), header, payloadBytes: 2 * count)
        }
    }

    func testMapKeysMayBeAnyValueAndRepeat() {
        let value = MessagePackValue.map([
            .init(key: 1, value: "one"),
            .init(key: [1, 2], value: nil),
            .init(key: 1, value: "again"),
        ])
        assertCodes(value, hex("83 01 a36f6e65 920102 c0 01 a5616761696e"))
        XCTAssertNil(value["1"], "lookup by string key ignores integer keys")
    }

    func testExtensionSizeClasses() {
        for (length, header) in [
            (1, "d4 05"), (2, "d5 05"), (4, "d6 05"), (8, "d7 05"), (16, "d8 05"),
            (0, "c7 00 05"), (3, "c7 03 05"), (17, "c7 11 05"), (255, "c7 ff 05"),
            (256, "c8 0100 05"), (65_535, "c8 ffff 05"), (65_536, "c9 00010000 05"),
        ] {
            assertHeader(.ext(type: 5, data: [UInt8](repeating: 0xab, count: length)), header, payloadBytes: length)
        }
    }

    func testExtensionTypeIsSigned() {
        assertCodes(.ext(type: -128, data: utf8("abcd")), hex("d6 80 61626364"))
        assertCodes(.ext(type: 127, data: utf8("hello")), hex("c7 05 7f 68656c6c6f"))
    }
}
