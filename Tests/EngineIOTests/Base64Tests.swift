import NIOCore
import XCTest

@testable import EngineIO

/// Standard base64 as polling payloads use it, against RFC 4648 §10.
final class Base64Tests: XCTestCase {
    private let vectors: [(plain: String, encoded: String)] = [
        ("", ""),
        ("f", "Zg=="),
        ("fo", "Zm8="),
        ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="),
        ("fooba", "Zm9vYmE="),
        ("foobar", "Zm9vYmFy"),
    ]

    private func encode(_ bytes: [UInt8]) -> String {
        var buffer = ByteBuffer()
        Base64.encode(bytes, into: &buffer)
        return String(buffer: buffer)
    }

    private func decode(_ string: String) -> [UInt8]? {
        Base64.decode(Array(string.utf8)).map { Array($0.readableBytesView) }
    }

    func testRFC4648Encoding() {
        for vector in self.vectors {
            XCTAssertEqual(self.encode(Array(vector.plain.utf8)), vector.encoded, vector.plain)
            XCTAssertEqual(Base64.encodedLength(vector.plain.utf8.count), vector.encoded.utf8.count, vector.plain)
        }
    }

    func testRFC4648DecodingPaddedAndUnpadded() {
        for vector in self.vectors {
            XCTAssertEqual(self.decode(vector.encoded), Array(vector.plain.utf8), vector.encoded)
            let unpadded = String(vector.encoded.prefix { $0 != "=" })
            XCTAssertEqual(self.decode(unpadded), Array(vector.plain.utf8), unpadded)
        }
    }

    func testStandardAlphabetNotURLSafe() {
        XCTAssertEqual(self.encode([0xFB, 0xFF, 0xBF]), "+/+/")
        XCTAssertEqual(self.decode("+/+/"), [0xFB, 0xFF, 0xBF])
        XCTAssertNil(self.decode("-_-_"))
    }

    func testEveryByteValueRoundTrips() {
        let all = Array(UInt8.min...UInt8.max)
        for length in [1, 2, 3, 254, 255, 256] {
            let bytes = Array(all.prefix(length))
            XCTAssertEqual(self.decode(self.encode(bytes)), bytes, "length \(length)")
        }
    }

    func testEncodeAppends() {
        var buffer = ByteBuffer(string: "b")
        Base64.encode([1, 2, 3], into: &buffer)
        XCTAssertEqual(String(buffer: buffer), "bAQID")
    }

    func testInvalidInputsAreRefused() {
        XCTAssertNil(self.decode("Z"), "a single symbol cannot encode a byte")
        XCTAssertNil(self.decode("Zm9vY"), "5 symbols: one dangling")
        XCTAssertNil(self.decode("Zg==="), "three padding characters")
        XCTAssertNil(self.decode("===="), "padding only")
        XCTAssertNil(self.decode("Zm=9"), "padding in the middle")
        XCTAssertNil(self.decode("Zm9v\n"), "whitespace")
        XCTAssertNil(self.decode("Zm 9v"), "space")
        XCTAssertNil(self.decode("Zm9v*A=="), "character outside the alphabet")
        XCTAssertNil(Base64.decode([0x5A, 0x6D, 0xC3, 0xA9]), "non-ASCII byte")
    }
}
