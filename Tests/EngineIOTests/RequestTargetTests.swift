import XCTest

@testable import EngineIO

/// Splitting a request target into path and decoded query.
final class RequestTargetTests: XCTestCase {
    func testEngineIOHandshakeTarget() {
        let target = EngineRequestTarget(uri: "/engine.io/?EIO=4&transport=polling&t=OabcXyz")
        XCTAssertEqual(target.path, "/engine.io/")
        XCTAssertEqual(target.query, ["EIO": "4", "transport": "polling", "t": "OabcXyz"])
    }

    func testTargetWithoutQuery() {
        let target = EngineRequestTarget(uri: "/health")
        XCTAssertEqual(target.path, "/health")
        XCTAssertEqual(target.query, [:])
    }

    func testEmptyQuery() {
        let target = EngineRequestTarget(uri: "/engine.io/?")
        XCTAssertEqual(target.path, "/engine.io/")
        XCTAssertEqual(target.query, [:])
    }

    func testPercentDecoding() {
        let target = EngineRequestTarget(uri: "/p?sid=a%2Fb%3Dc&name=caf%C3%A9&sp=a+b%20c&lower=%2f")
        XCTAssertEqual(target.query["sid"], "a/b=c")
        XCTAssertEqual(target.query["name"], "café")
        XCTAssertEqual(target.query["sp"], "a b c")
        XCTAssertEqual(target.query["lower"], "/")
    }

    func testPercentDecodedNames() {
        XCTAssertEqual(EngineRequestTarget(uri: "/p?tr%61nsport=polling").query, ["transport": "polling"])
    }

    func testMalformedEscapesAreKept() {
        let target = EngineRequestTarget(uri: "/p?a=%zz&b=%4&c=100%&d=%")
        XCTAssertEqual(target.query["a"], "%zz")
        XCTAssertEqual(target.query["b"], "%4")
        XCTAssertEqual(target.query["c"], "100%")
        XCTAssertEqual(target.query["d"], "%")
    }

    func testEscapeAtTheVeryEnd() {
        XCTAssertEqual(EngineRequestTarget(uri: "/p?a=x%41").query["a"], "xA")
    }

    func testRepeatedNamesKeepTheFirstValue() {
        let target = EngineRequestTarget(uri: "/p?transport=polling&transport=websocket&sid=one&sid=two")
        XCTAssertEqual(target.query["transport"], "polling")
        XCTAssertEqual(target.query["sid"], "one")
    }

    func testNamesWithoutValuesAndEmptyPairs() {
        let target = EngineRequestTarget(uri: "/p?&&flag&empty=&eq=a=b&")
        XCTAssertEqual(target.query, ["flag": "", "empty": "", "eq": "a=b"])
    }

    func testOnlyTheFirstQuestionMarkSplits() {
        let target = EngineRequestTarget(uri: "/p?q=what?&x=1")
        XCTAssertEqual(target.path, "/p")
        XCTAssertEqual(target.query, ["q": "what?", "x": "1"])
    }
}
