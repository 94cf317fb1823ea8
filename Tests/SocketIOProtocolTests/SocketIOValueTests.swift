import NIOCore
import SocketIOProtocol
import XCTest

final class SocketIOValueTests: XCTestCase {
    func testLiterals() {
        let value: SocketIOValue = ["n": nil, "b": true, "i": 3, "d": 2.5, "s": "x", "a": [1, "two"], "o": ["k": 1]]
        XCTAssertEqual(value["n"], .null)
        XCTAssertEqual(value["b"], .bool(true))
        XCTAssertEqual(value["i"], .int(3))
        XCTAssertEqual(value["d"], .double(2.5))
        XCTAssertEqual(value["s"], .string("x"))
        XCTAssertEqual(value["a"], .array([.int(1), .string("two")]))
        XCTAssertEqual(value["o"]?["k"], .int(1))
        XCTAssertEqual(value.objectValue?.keys.elements, ["n", "b", "i", "d", "s", "a", "o"])
    }

    func testDictionaryLiteralWithRepeatedKeyKeepsFirstPositionLastValue() {
        let value: SocketIOValue = ["a": 1, "b": 2, "a": 3]
        XCTAssertEqual(value.objectValue?.keys.elements, ["a", "b"])
        XCTAssertEqual(value["a"], 3)
    }

    func testAccessors() {
        XCTAssertEqual(SocketIOValue.int(4).intValue, 4)
        XCTAssertEqual(SocketIOValue.double(4).intValue, 4)
        XCTAssertNil(SocketIOValue.double(4.5).intValue)
        XCTAssertNil(SocketIOValue.double(1e30).intValue)
        XCTAssertNil(SocketIOValue.string("4").intValue)
        XCTAssertEqual(SocketIOValue.int(4).doubleValue, 4)
        XCTAssertEqual(SocketIOValue.string("s").stringValue, "s")
        XCTAssertNil(SocketIOValue.int(1).stringValue)
        XCTAssertEqual(SocketIOValue.bool(false).boolValue, false)
        XCTAssertNil(SocketIOValue.null.boolValue)
        XCTAssertTrue(SocketIOValue.null.isNull)
        XCTAssertFalse(SocketIOValue.int(0).isNull)
        XCTAssertEqual(SocketIOValue.array([1]).arrayValue, [1])
        XCTAssertEqual(SocketIOValue.binary(buffer(bytes: [1])).binaryValue, buffer(bytes: [1]))
        let array: SocketIOValue = [10, 20]
        XCTAssertEqual(array[1], 20)
        XCTAssertNil(array[2])
        XCTAssertNil(array[-1])
        XCTAssertNil(array["k"])
        XCTAssertNil(SocketIOValue.object([:])[0])
    }

    func testEqualityIsStrict() {
        XCTAssertNotEqual(SocketIOValue.int(1), .double(1))
        XCTAssertNotEqual(["a": 1, "b": 2] as SocketIOValue, ["b": 2, "a": 1] as SocketIOValue)
        XCTAssertEqual(Set<SocketIOValue>([1, 1, "1"]).count, 2)
    }

    func testContainsBinary() {
        XCTAssertFalse(SocketIOValue.array([1, ["a": "b"]]).containsBinary)
        let nested: SocketIOValue = [1, ["a": [.binary(buffer(bytes: [1])), .binary(ByteBuffer())]]]
        XCTAssertTrue(nested.containsBinary)
        XCTAssertEqual(nested.binaryCount, 2)
        XCTAssertTrue(SocketIOValue.binary(ByteBuffer()).containsBinary)
        XCTAssertEqual(SocketIOValue.string("x").binaryCount, 0)
    }

    func testEventHelpers() {
        XCTAssertEqual(SocketIOPacket.event("chat", ["hi"]).eventName, "chat")
        XCTAssertNil(SocketIOPacket.ack(1, ["chat"]).eventName)
        XCTAssertNil(SocketIOPacket(type: .event, payload: [1]).eventName)
    }
}
