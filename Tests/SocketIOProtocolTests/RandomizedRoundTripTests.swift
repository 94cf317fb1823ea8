import NIOCore
import SocketIOProtocol
import XCTest

/// Bounded randomized round trips with a fixed seed, so every run checks the same few thousand cases.
final class RandomizedRoundTripTests: XCTestCase {
    private static let characters: [Character] = [
        "a", "b", "Z", "0", "9", " ", "\"", "\\", "/", "\n", "\r", "\t", "\u{0}", "\u{8}", "\u{c}", "\u{1f}",
        "\u{7f}", "é", "€", "中", "😀", "\u{2028}", ",", "[", "{", ":",
    ]

    private func randomString(_ generator: inout SeededGenerator, maxLength: Int = 12) -> String {
        let length = Int.random(in: 0...maxLength, using: &generator)
        return String((0..<length).map { _ in Self.characters.randomElement(using: &generator)! })
    }

    private func randomKey(_ generator: inout SeededGenerator) -> String {
        // Letters only: keys that are array indices would be reordered, as in JavaScript.
        "k" + String((0..<Int.random(in: 0...4, using: &generator)).map { _ in "abcxyz_é".randomElement(using: &generator)! })
    }

    private func randomDouble(_ generator: inout SeededGenerator) -> Double {
        switch Int.random(in: 0..<3, using: &generator) {
        case 0: return Double.random(in: -1000...1000, using: &generator)
        case 1: return Double(Int.random(in: -1_000_000...1_000_000, using: &generator)) / 1024
        default:
            let number = Double(bitPattern: generator.next())
            return number.isFinite ? number : 0.5
        }
    }

    private func randomValue(_ generator: inout SeededGenerator, depth: Int, binary: Bool) -> SocketIOValue {
        let choice = Int.random(in: 0..<(depth > 3 ? 6 : 9), using: &generator)
        switch choice {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &generator))
        case 2: return .int(Int.random(in: Int.min...Int.max, using: &generator) >> Int.random(in: 0...63, using: &generator))
        case 3: return .double(self.randomDouble(&generator))
        case 4: return .string(self.randomString(&generator))
        case 5:
            guard binary else { return .string(self.randomString(&generator)) }
            let bytes = (0..<Int.random(in: 0...8, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            return .binary(ByteBuffer(bytes: bytes))
        case 6, 7:
            return .array((0..<Int.random(in: 0...4, using: &generator)).map { _ in
                self.randomValue(&generator, depth: depth + 1, binary: binary)
            })
        default:
            var members: [(String, SocketIOValue)] = []
            for _ in 0..<Int.random(in: 0...4, using: &generator) {
                members.append((self.randomKey(&generator), self.randomValue(&generator, depth: depth + 1, binary: binary)))
            }
            var object: SocketIOValue = [:]
            for (key, value) in members {
                if case .object(var dictionary) = object {
                    dictionary[key] = value
                    object = .object(dictionary)
                }
            }
            return object
        }
    }

    /// Equality up to what JSON text can carry: a whole double and the integer with the same value are
    /// the same JSON number.
    private func sameJSON(_ lhs: SocketIOValue, _ rhs: SocketIOValue) -> Bool {
        switch (lhs, rhs) {
        case (.int(let a), .double(let b)), (.double(let b), .int(let a)):
            return Double(a) == b
        case (.double(let a), .double(let b)):
            return a == b
        case (.array(let a), .array(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { self.sameJSON($0, $1) }
        case (.object(let a), .object(let b)):
            return a.keys == b.keys && zip(a.values, b.values).allSatisfy { self.sameJSON($0, $1) }
        default:
            return lhs == rhs
        }
    }

    func testJSONRoundTrip() throws {
        var generator = SeededGenerator(seed: 0x5EED)
        for _ in 0..<3_000 {
            let value = self.randomValue(&generator, depth: 0, binary: false)
            let text = JSONSerializer.string(from: value)
            let parsed = try JSONParser().parse(text)
            XCTAssertTrue(self.sameJSON(value, parsed), "\(value) came back as \(parsed)")
            XCTAssertEqual(JSONSerializer.string(from: parsed), text, "serializing is stable")
        }
    }

    func testPacketRoundTripWithBinary() throws {
        var generator = SeededGenerator(seed: 20_240_601)
        var decoder = SocketIOPacketDecoder(configuration: .init(maxAttachments: 1_000))
        for _ in 0..<2_000 {
            let namespace = Bool.random(using: &generator) ? "/" : "/" + self.randomKey(&generator)
            let ackID: Int? = Bool.random(using: &generator) ? Int.random(in: 0...Int.max, using: &generator) : nil
            let arguments = (0..<Int.random(in: 0...3, using: &generator)).map { _ in
                self.randomValue(&generator, depth: 1, binary: true)
            }
            let packet: SocketIOPacket
            if Bool.random(using: &generator) {
                packet = .event("e" + self.randomString(&generator), arguments, namespace: namespace, ackID: ackID)
            } else {
                packet = .ack(ackID ?? 0, arguments, namespace: namespace)
            }

            let encoded = try SocketIOPacketEncoder.encode(packet)
            XCTAssertEqual(encoded.attachments.count, packet.payload?.binaryCount)
            var decoded = try decoder.decode(text: encoded.text)
            for attachment in encoded.attachments {
                XCTAssertNil(decoded)
                decoded = try decoder.decode(binary: attachment)
            }
            guard let decoded else { return XCTFail("no packet for \(String(buffer: encoded.text))") }
            XCTAssertEqual(decoded.type, packet.type)
            XCTAssertEqual(decoded.namespace, packet.namespace)
            XCTAssertEqual(decoded.ackID, packet.ackID)
            XCTAssertTrue(
                self.sameJSON(decoded.payload ?? .null, packet.payload ?? .null),
                "\(String(buffer: encoded.text)) decoded as \(String(describing: decoded.payload))"
            )
        }
    }
}
