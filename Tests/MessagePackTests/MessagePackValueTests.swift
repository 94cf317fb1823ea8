import XCTest

@testable import MessagePack

final class MessagePackValueTests: XCTestCase {
    func testLiterals() {
        XCTAssertEqual(nil as MessagePackValue, .nil)
        XCTAssertEqual(true as MessagePackValue, .bool(true))
        XCTAssertEqual(-7 as MessagePackValue, .int(-7))
        XCTAssertEqual(2.5 as MessagePackValue, .double(2.5))
        XCTAssertEqual("hi" as MessagePackValue, .string("hi"))
        XCTAssertEqual([1, "a"] as MessagePackValue, .array([.int(1), .string("a")]))
    }

    func testDictionaryLiteralKeepsWrittenOrder() {
        let value: MessagePackValue = ["z": 1, "a": 2, "m": 3]
        XCTAssertEqual(value.mapEntries?.map(\.key), ["z", "a", "m"])
        XCTAssertEqual(MessagePackEncoder.encode(value), hex("83 a17a01 a16102 a16d03"))
    }

    func testStringKeyLookupReturnsTheFirstMatch() {
        let value = MessagePackValue.map([
            .init(key: 1, value: "int key"),
            .init(key: "k", value: "first"),
            .init(key: "k", value: "second"),
        ])
        XCTAssertEqual(value["k"], "first")
        XCTAssertNil(value["1"])
        XCTAssertNil(MessagePackValue.array(["k"])["k"], "not a map")
    }

    func testIndexLookup() {
        let value: MessagePackValue = ["a", "b"]
        XCTAssertEqual(value[1], "b")
        XCTAssertNil(value[2])
        XCTAssertNil(value[-1])
        XCTAssertNil(MessagePackValue.string("ab")[0])
    }

    func testTypedAccessors() {
        XCTAssertTrue(MessagePackValue.nil.isNil)
        XCTAssertFalse(MessagePackValue.int(0).isNil)
        XCTAssertEqual(MessagePackValue.bool(false).boolValue, false)
        XCTAssertNil(MessagePackValue.int(0).boolValue)
        XCTAssertEqual(MessagePackValue.int(-3).int64Value, -3)
        XCTAssertEqual(MessagePackValue.uint(7).int64Value, 7)
        XCTAssertNil(MessagePackValue.string("3").int64Value)
        XCTAssertEqual(MessagePackValue.string("s").stringValue, "s")
        XCTAssertEqual(MessagePackValue.binary([1]).binaryValue, [1])
        XCTAssertNil(MessagePackValue.string("s").binaryValue)
        XCTAssertEqual(MessagePackValue.array([nil]).arrayValue, [nil])
        XCTAssertNil(MessagePackValue.map([]).arrayValue)
    }

    func testValuesWorkAsSetMembersAndAcrossTasks() async {
        let set: Set<MessagePackValue> = [1, 1, "1", [1]]
        XCTAssertEqual(set.count, 3)
        let value: MessagePackValue = ["sent": [1, 2]]
        let echoed = await Task.detached { value }.value
        XCTAssertEqual(echoed, value)
    }
}
