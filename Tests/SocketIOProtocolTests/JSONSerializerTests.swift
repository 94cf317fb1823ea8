import NIOCore
import SocketIOProtocol
import XCTest

final class JSONSerializerTests: XCTestCase {
    private func text(_ value: SocketIOValue) -> String {
        JSONSerializer.string(from: value)
    }

    /// Expected strings printed by Node.js `JSON.stringify` for the same numbers.
    func testNumbersMatchJavaScript() {
        let cases: [(Double, String)] = [
            (1.5, "1.5"), (0.1, "0.1"), (1e21, "1e+21"), (1e-7, "1e-7"), (-0.0, "0"), (0.0, "0"),
            (123e-20, "1.23e-18"), (1e20, "100000000000000000000"), (0.000001, "0.000001"),
            (0.0000012, "0.0000012"), (1.2e-7, "1.2e-7"), (.leastNonzeroMagnitude, "5e-324"),
            (.greatestFiniteMagnitude, "1.7976931348623157e+308"), (0.1 + 0.2, "0.30000000000000004"),
            (9_007_199_254_740_992, "9007199254740992"), (18_446_744_073_709_551_616, "18446744073709552000"),
            (1.2345678901234567e20, "123456789012345670000"), (1.5e300, "1.5e+300"), (-1e-7, "-1e-7"),
            (123456.789, "123456.789"), (1.0 / 3.0, "0.3333333333333333"), (-2.5e-8, "-2.5e-8"),
            (1e16, "10000000000000000"), (12345678912345.678, "12345678912345.678"),
            (9.999999999999999e20, "999999999999999900000"), (3 * .leastNonzeroMagnitude, "1.5e-323"), (100, "100"),
            (-42, "-42"), (2.5, "2.5"), (-1.5, "-1.5"),
            (.nan, "null"), (.infinity, "null"), (-.infinity, "null"),
        ]
        for (number, expected) in cases {
            XCTAssertEqual(self.text(.double(number)), expected, "for \(number)")
        }
    }

    func testIntegers() {
        XCTAssertEqual(self.text(.int(0)), "0")
        XCTAssertEqual(self.text(.int(7)), "7")
        XCTAssertEqual(self.text(.int(-7)), "-7")
        XCTAssertEqual(self.text(.int(1_234_567_890)), "1234567890")
        XCTAssertEqual(self.text(.int(Int.max)), "9223372036854775807")
        XCTAssertEqual(self.text(.int(Int.min)), "-9223372036854775808")
    }

    /// Expected string printed by Node.js `JSON.stringify`.
    func testStringEscapesMatchJavaScript() {
        let value = SocketIOValue.string("a\"b\\c/d\u{0}\u{1f}\u{8}\u{c}\n\r\t\u{7f} é 😀 \u{2028}")
        XCTAssertEqual(self.text(value), "\"a\\\"b\\\\c/d\\u0000\\u001f\\b\\f\\n\\r\\t\u{7f} é 😀 \u{2028}\"")
        XCTAssertEqual(self.text("\u{1}\u{b}\u{1a}"), #""\u0001\u000b\u001a""#)
        XCTAssertEqual(self.text(""), #""""#)
    }

    func testContainers() {
        let value: SocketIOValue = ["chat", ["from": "ann", "n": 1, "ok": true, "x": nil], [], [:]]
        XCTAssertEqual(self.text(value), #"["chat",{"from":"ann","n":1,"ok":true,"x":null},[],{}]"#)
    }

    /// Node.js prints `{"0":7,"1":2,"4294967294":5,"b":1,"01":3,"4294967295":4,"a":6}` for this object.
    func testArrayIndexKeysComeFirstLikeJavaScript() {
        let value: SocketIOValue = ["b": 1, "1": 2, "01": 3, "4294967295": 4, "4294967294": 5, "a": 6, "0": 7]
        XCTAssertEqual(self.text(value), #"{"0":7,"1":2,"4294967294":5,"b":1,"01":3,"4294967295":4,"a":6}"#)
    }

    /// Node.js prints a `Buffer` as `{"type":"Buffer","data":[1,2,255]}`.
    func testBinaryOutsidePacketsUsesNodeBufferForm() {
        XCTAssertEqual(self.text(.binary(buffer(bytes: [1, 2, 255]))), #"{"type":"Buffer","data":[1,2,255]}"#)
        XCTAssertEqual(self.text(.binary(ByteBuffer())), #"{"type":"Buffer","data":[]}"#)
    }

    func testAppendsAfterExistingBytes() {
        var out = ByteBuffer()
        out.writeString("4")
        JSONSerializer.serialize(["a", 1.25], into: &out)
        XCTAssertEqual(String(buffer: out), #"4["a",1.25]"#)
    }

    func testDescriptionIsJSON() {
        let value: SocketIOValue = ["k": [1, 2.5, "s"]]
        XCTAssertEqual(value.description, #"{"k":[1,2.5,"s"]}"#)
    }

    func testSerializedNumbersParseBackToTheSameDouble() {
        var generator = SeededGenerator(seed: 42)
        for _ in 0..<5_000 {
            let number = Double(bitPattern: generator.next())
            guard number.isFinite else { continue }
            let parsed = json(self.text(.double(number)))
            XCTAssertEqual(parsed.doubleValue, number == 0 ? 0 : number, "for \(number)")
        }
    }
}
