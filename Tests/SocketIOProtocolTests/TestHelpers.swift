import NIOCore
import SocketIOProtocol
import XCTest

/// A buffer holding the UTF-8 bytes of `text`.
func buffer(_ text: String) -> ByteBuffer {
    ByteBuffer(string: text)
}

/// A buffer holding `bytes`.
func buffer(bytes: [UInt8]) -> ByteBuffer {
    ByteBuffer(bytes: bytes)
}

/// Encodes `packet` and returns its text and attachments.
func encodeToString(_ packet: SocketIOPacket, file: StaticString = #filePath, line: UInt = #line) -> (text: String, attachments: [ByteBuffer]) {
    do {
        let encoded = try SocketIOPacketEncoder.encode(packet)
        return (String(buffer: encoded.text), encoded.attachments)
    } catch {
        XCTFail("encoding failed: \(error)", file: file, line: line)
        return ("", [])
    }
}

/// Parses JSON text, failing the test on error.
func json(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> SocketIOValue {
    do {
        return try JSONParser().parse(text)
    } catch {
        XCTFail("unexpected parse error \(error) for \(text)", file: file, line: line)
        return .null
    }
}

/// Asserts that `body` throws exactly `expected`.
func assertThrows<T>(
    _ expected: SocketIOProtocolError,
    file: StaticString = #filePath,
    line: UInt = #line,
    _ body: () throws(SocketIOProtocolError) -> T
) {
    do {
        let value = try body()
        XCTFail("expected \(expected), got \(value)", file: file, line: line)
    } catch {
        XCTAssertEqual(error, expected, file: file, line: line)
    }
}

/// Decodes a single text message with a fresh decoder.
func decodeOne(_ text: String) throws(SocketIOProtocolError) -> SocketIOPacket? {
    var decoder = SocketIOPacketDecoder()
    return try decoder.decode(text: text)
}

/// A small deterministic generator (SplitMix64) so randomized tests repeat exactly.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        self.state = seed
    }

    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
