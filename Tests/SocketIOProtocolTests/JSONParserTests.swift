import NIOCore
import SocketIOProtocol
import XCTest

final class JSONParserTests: XCTestCase {
    func testScalars() throws {
        XCTAssertEqual(json("null"), .null)
        XCTAssertEqual(json("true"), .bool(true))
        XCTAssertEqual(json("false"), .bool(false))
        XCTAssertEqual(json("\"hi\""), .string("hi"))
        XCTAssertEqual(json(" \t\r\n 42 \n"), .int(42))
    }

    func testIntegersAndDoubles() {
        XCTAssertEqual(json("0"), .int(0))
        XCTAssertEqual(json("-0"), .int(0))
        XCTAssertEqual(json("-17"), .int(-17))
        XCTAssertEqual(json("9223372036854775807"), .int(Int.max))
        XCTAssertEqual(json("-9223372036854775808"), .int(Int.min))
        XCTAssertEqual(json("9223372036854775808"), .double(9_223_372_036_854_775_808))
        XCTAssertEqual(json("-9223372036854775809"), .double(-9_223_372_036_854_775_808))
        XCTAssertEqual(json("1.0"), .double(1))
        XCTAssertEqual(json("1e2"), .double(100))
        XCTAssertEqual(json("1.5"), .double(1.5))
        XCTAssertEqual(json("-0.1"), .double(-0.1))
        XCTAssertEqual(json("2.5E-3"), .double(0.0025))
        XCTAssertEqual(json("1E+2"), .double(100))
        XCTAssertEqual(json("123456789.123456789"), .double(123456789.123456789))
        XCTAssertEqual(json("0.30000000000000004"), .double(0.30000000000000004))
        XCTAssertEqual(json("1.7976931348623157e308"), .double(.greatestFiniteMagnitude))
        XCTAssertEqual(json("5e-324"), .double(.leastNonzeroMagnitude))
        XCTAssertEqual(json("1e400"), .double(.infinity))
        XCTAssertEqual(json("-1e400"), .double(-.infinity))
        XCTAssertEqual(json("1e-400"), .double(0))
        XCTAssertEqual(json("100000000000000000000000000000"), .double(1e29))
        if case .double(let negativeZero) = json("-0.0") {
            XCTAssertEqual(negativeZero.sign, .minus)
        } else {
            XCTFail("-0.0 must be a double")
        }
    }

    func testStringsAndEscapes() {
        XCTAssertEqual(json(#""a\"b\\c\/d\b\f\n\r\t""#), .string("a\"b\\c/d\u{8}\u{c}\n\r\t"))
        XCTAssertEqual(json(#""\u00e9\u20AC""#), .string("é€"))
        XCTAssertEqual(json(#""\ud83d\ude00""#), .string("😀"))
        XCTAssertEqual(json("\"é 😀 raw\""), .string("é 😀 raw"))
        XCTAssertEqual(json(#""x\u0000y""#), .string("x\u{0}y"))
    }

    func testUnpairedSurrogatesBecomeReplacementCharacter() {
        XCTAssertEqual(json(#""\ud800""#), .string("\u{FFFD}"))
        XCTAssertEqual(json(#""a\udc00b""#), .string("a\u{FFFD}b"))
        XCTAssertEqual(json(#""\ud800\u0041""#), .string("\u{FFFD}A"))
        XCTAssertEqual(json(#""\ud800\ud800\udc00""#), .string("\u{FFFD}𐀀"))
    }

    func testInvalidUTF8IsReplaced() throws {
        let value = try JSONParser().parse(buffer(bytes: [0x22, 0x61, 0xFF, 0x62, 0x22]))
        XCTAssertEqual(value, .string("a\u{FFFD}b"))
    }

    func testContainersKeepOrder() {
        let value = json(#"{"z":1,"a":[1,"x",{"k":null}],"m":{}}"#)
        XCTAssertEqual(value.objectValue?.keys.elements, ["z", "a", "m"])
        XCTAssertEqual(value["a"]?[2]?["k"], .null)
        XCTAssertEqual(json("[ ]"), .array([]))
        XCTAssertEqual(json("{ }"), .object([:]))
    }

    func testDuplicateKeyKeepsFirstPositionAndLastValue() {
        let value = json(#"{"a":1,"b":2,"a":3}"#)
        XCTAssertEqual(value.objectValue?.keys.elements, ["a", "b"])
        XCTAssertEqual(value["a"], .int(3))
    }

    func testParsesByteBufferWithoutConsumingIt() throws {
        var bytes = ByteBuffer()
        bytes.writeString("xx[1,2]")
        bytes.moveReaderIndex(forwardBy: 2)
        XCTAssertEqual(try JSONParser().parse(bytes), [1, 2])
        XCTAssertEqual(bytes.readableBytes, 5)
    }

    func testRejectsMalformedInput() {
        let cases: [String] = [
            "", " ", "01", "-01", "00", "1.", ".5", "-", "+1", "1e", "1e+", "0x10", "1.e3", "NaN", "Infinity",
            "tru", "nul", "True", "[1,]", "[,1]", "[1 2]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "{'a':1}",
            "\"unterminated", "\"bad \\x escape\"", "\"\\u12\"", "\"\\u12g4\"", "\"raw\ttab\"", "\"raw\nnewline\"",
            "[1] x", "1 2", "{\"a\":1}}", "[", "{", "[1", "{\"a\"", "{\"a\":",
        ]
        for text in cases {
            XCTAssertThrowsError(try JSONParser().parse(text), "accepted \(text.debugDescription)") { error in
                guard case .invalidJSON = error as? SocketIOProtocolError else {
                    return XCTFail("wrong error \(error) for \(text.debugDescription)")
                }
            }
        }
    }

    func testErrorReportsOffset() {
        assertThrows(.invalidJSON(reason: "leading zero", offset: 4)) { () throws(SocketIOProtocolError) in
            try JSONParser().parse("[1, 01]")
        }
        assertThrows(.invalidJSON(reason: "unexpected data after the value", offset: 4)) { () throws(SocketIOProtocolError) in
            try JSONParser().parse("[1] x")
        }
    }

    func testNestingLimit() throws {
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        XCTAssertNoThrow(try JSONParser().parse(ok))
        let tooDeep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        assertThrows(.jsonNestingTooDeep(limit: 64)) { () throws(SocketIOProtocolError) in try JSONParser().parse(tooDeep) }
        let objects = String(repeating: "{\"a\":", count: 3) + "1" + String(repeating: "}", count: 3)
        XCTAssertNoThrow(try JSONParser(maxDepth: 3).parse(objects))
        assertThrows(.jsonNestingTooDeep(limit: 2)) { () throws(SocketIOProtocolError) in try JSONParser(maxDepth: 2).parse(objects) }
        // A hostile document far deeper than any stack could take fails fast instead of crashing.
        let hostile = String(repeating: "[", count: 1_000_000)
        assertThrows(.jsonNestingTooDeep(limit: 64)) { () throws(SocketIOProtocolError) in try JSONParser().parse(hostile) }
    }
}
