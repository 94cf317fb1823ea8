import Foundation
import NIOCore
import SocketIOProtocol
import XCTest

private struct ChatMessage: Codable, Equatable {
    enum Mood: String, Codable { case happy, sad }
    var from: String
    var text: String
    var mood: Mood
    var count: Int
    var score: Double
    var tags: [String]
    var replyTo: Int?
    var attachment: ByteBuffer
    var thumbnail: Data
    var extra: SocketIOValue
}

private class Shape: Codable {
    var name: String
    init(name: String) { self.name = name }
}

private final class Circle: Shape {
    var radius: Double
    init(name: String, radius: Double) {
        self.radius = radius
        super.init(name: name)
    }
    private enum CodingKeys: String, CodingKey { case radius }
    required init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.radius = try container.decode(Double.self, forKey: .radius)
        try super.init(from: container.superDecoder())
    }
    override func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(self.radius, forKey: .radius)
        try super.encode(to: container.superEncoder())
    }
}

/// Encodes itself through nested containers: `{"point":{"x":1,"y":2},"path":[[1,2],"end"]}`.
private struct Nested: Codable, Equatable {
    var x: Int
    var y: Int
    private enum Keys: String, CodingKey { case point, path, x, y }
    init(x: Int, y: Int) {
        self.x = x
        self.y = y
    }
    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        let point = try container.nestedContainer(keyedBy: Keys.self, forKey: .point)
        self.x = try point.decode(Int.self, forKey: .x)
        var path = try container.nestedUnkeyedContainer(forKey: .path)
        var inner = try path.nestedUnkeyedContainer()
        XCTAssertEqual(try inner.decode(Int.self), self.x)
        self.y = try inner.decode(Int.self)
        XCTAssertEqual(try path.decode(String.self), "end")
        XCTAssertTrue(path.isAtEnd)
    }
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        var point = container.nestedContainer(keyedBy: Keys.self, forKey: .point)
        try point.encode(self.x, forKey: .x)
        try point.encode(self.y, forKey: .y)
        var path = container.nestedUnkeyedContainer(forKey: .path)
        var inner = path.nestedUnkeyedContainer()
        try inner.encode(self.x)
        try inner.encode(self.y)
        try path.encode("end")
    }
}

final class SocketIOValueCodableTests: XCTestCase {
    private let encoder = SocketIOValueEncoder()
    private let decoder = SocketIOValueDecoder()

    private func message() -> ChatMessage {
        ChatMessage(
            from: "ann", text: "hi", mood: .happy, count: 3, score: 0.5, tags: ["a", "b"], replyTo: nil,
            attachment: buffer(bytes: [1, 2]), thumbnail: Data([9]), extra: ["k": [1, nil]]
        )
    }

    func testEncodesStructInDeclarationOrderWithBinary() throws {
        let value = try self.encoder.encode(self.message())
        XCTAssertEqual(
            value.objectValue?.keys.elements,
            ["from", "text", "mood", "count", "score", "tags", "attachment", "thumbnail", "extra"]
        )
        XCTAssertEqual(value["mood"], "happy")
        XCTAssertEqual(value["attachment"], .binary(buffer(bytes: [1, 2])))
        XCTAssertEqual(value["thumbnail"], .binary(buffer(bytes: [9])))
        XCTAssertEqual(value["extra"], ["k": [1, nil]])
        XCTAssertEqual(value.binaryCount, 2)
    }

    func testRoundTripThroughTheWire() throws {
        let original = self.message()
        let packet = SocketIOPacket.event("chat", [try self.encoder.encode(original)])
        let encoded = try SocketIOPacketEncoder.encode(packet)
        XCTAssertEqual(encoded.attachments.count, 2)
        var packetDecoder = SocketIOPacketDecoder()
        XCTAssertNil(try packetDecoder.decode(text: encoded.text))
        XCTAssertNil(try packetDecoder.decode(binary: encoded.attachments[0]))
        let decoded = try XCTUnwrap(try packetDecoder.decode(binary: encoded.attachments[1]))
        let argument = try XCTUnwrap(decoded.payload?[1])
        XCTAssertEqual(try self.decoder.decode(ChatMessage.self, from: argument), original)
    }

    func testScalarsAndNumbers() throws {
        XCTAssertEqual(try self.encoder.encode(Float(0.1)), .double(0.1))
        XCTAssertEqual(try self.encoder.encode(UInt8(200)), .int(200))
        XCTAssertEqual(try self.encoder.encode(Int64.min), .int(Int.min))
        XCTAssertEqual(try self.encoder.encode([1, 2]), [1, 2])
        XCTAssertEqual(try self.encoder.encode(Optional<Int>.none), .null)
        XCTAssertEqual(try self.encoder.encode(["only": true]), ["only": true])
        XCTAssertEqual(try self.encoder.encode([UInt8(1), 2]), [1, 2], "[UInt8] stays an array")
        XCTAssertThrowsError(try self.encoder.encode(UInt64.max)) { error in
            guard case EncodingError.invalidValue = error else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(try self.decoder.decode(Int.self, from: .double(3)), 3)
        XCTAssertEqual(try self.decoder.decode(Double.self, from: .int(3)), 3)
        XCTAssertEqual(try self.decoder.decode(Float.self, from: .double(0.1)), Float(0.1))
        XCTAssertEqual(try self.decoder.decode(UInt8.self, from: 255), 255)
        XCTAssertEqual(try self.decoder.decode(Int?.self, from: .null), nil)
        XCTAssertEqual(try self.decoder.decode(SocketIOValue.self, from: ["a": 1]), ["a": 1])
        XCTAssertEqual(try self.decoder.decode([String: Int].self, from: ["a": 1, "b": 2]), ["a": 1, "b": 2])
    }

    func testSuperEncoderAndDecoder() throws {
        let value = try self.encoder.encode(Circle(name: "c", radius: 2))
        XCTAssertEqual(value, ["radius": 2.0, "super": ["name": "c"]])
        let decoded = try self.decoder.decode(Circle.self, from: value)
        XCTAssertEqual(decoded.name, "c")
        XCTAssertEqual(decoded.radius, 2)
    }

    func testNestedContainers() throws {
        let value = try self.encoder.encode(Nested(x: 1, y: 2))
        XCTAssertEqual(JSONSerializer.string(from: value), #"{"point":{"x":1,"y":2},"path":[[1,2],"end"]}"#)
        XCTAssertEqual(try self.decoder.decode(Nested.self, from: value), Nested(x: 1, y: 2))
    }

    func testOptionalMembers() throws {
        struct Partial: Codable, Equatable { var a: Int?; var b: String? }
        XCTAssertEqual(try self.decoder.decode(Partial.self, from: [:]), Partial(a: nil, b: nil))
        XCTAssertEqual(try self.decoder.decode(Partial.self, from: ["a": nil, "b": "x"]), Partial(a: nil, b: "x"))
        XCTAssertEqual(try self.encoder.encode(Partial(a: 1, b: nil)), ["a": 1])
    }

    func testDecodingErrorsAreUseful() {
        struct Person: Decodable { var name: String; var age: Int }
        XCTAssertThrowsError(try self.decoder.decode(Person.self, from: ["name": "x", "age": "old"])) { error in
            guard case DecodingError.typeMismatch(_, let context) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(context.codingPath.map(\.stringValue), ["age"])
            XCTAssertEqual(context.debugDescription, "Expected to decode Int but found a string instead.")
        }
        XCTAssertThrowsError(try self.decoder.decode(Person.self, from: ["name": "x"])) { error in
            guard case DecodingError.keyNotFound(let key, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(key.stringValue, "age")
        }
        XCTAssertThrowsError(try self.decoder.decode(Person.self, from: ["name": nil, "age": 1])) { error in
            guard case DecodingError.valueNotFound(_, let context) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(context.codingPath.map(\.stringValue), ["name"])
        }
        XCTAssertThrowsError(try self.decoder.decode(Person.self, from: ["x"])) { error in
            guard case DecodingError.typeMismatch(_, let context) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(context.debugDescription, "Expected to decode an object but found an array instead.")
        }
        XCTAssertThrowsError(try self.decoder.decode([Int8].self, from: [1, 300])) { error in
            guard case DecodingError.dataCorrupted(let context) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(context.codingPath.map(\.intValue), [1])
        }
        XCTAssertThrowsError(try self.decoder.decode(Int.self, from: 1.5)) { error in
            guard case DecodingError.dataCorrupted = error else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try self.decoder.decode(ByteBuffer.self, from: 1)) { error in
            guard case DecodingError.typeMismatch = error else { return XCTFail("\(error)") }
        }
    }

    func testSocketIOValueWorksWithFoundationJSON() throws {
        let value: SocketIOValue = ["a": [1, 2.5, "s", nil, true]]
        let data = try JSONEncoder().encode(value)
        XCTAssertEqual(try JSONDecoder().decode(SocketIOValue.self, from: data), value)
    }
}
