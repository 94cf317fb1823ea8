import XCTest
import NIOHTTP1

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

/// A session's kept copy of its handshake reads the same as the request it came from.
final class HandshakeRequestCompactionTests: XCTestCase {
    private func request(uri: String, query: [String: String]) -> EngineHandshakeRequest {
        var headers = HTTPHeaders()
        headers.reserveCapacity(64)
        headers.add(name: "Host", value: "example.test")
        headers.add(name: "Sec-WebSocket-Key", value: "dGhlIHNhbXBsZSBub25jZQ==")
        return EngineHandshakeRequest(method: .GET, uri: uri, headers: headers, query: query, remoteAddress: nil)
    }

    func testCompactedKeepsHeadersAndTheQueryTheURISpells() {
        let uri = "/socket.io/?EIO=4&transport=websocket&token=a%20b"
        let original = self.request(uri: uri, query: EngineRequestTarget(uri: uri).query)
        let compacted = original.compacted()
        XCTAssertEqual(compacted.headers, original.headers)
        XCTAssertEqual(compacted.query, ["EIO": "4", "transport": "websocket", "token": "a b"])
        XCTAssertEqual(compacted.uri, uri)
    }

    func testCompactedKeepsAQueryThatDiffersFromTheURI() {
        var original = self.request(uri: "/socket.io/?EIO=4", query: ["EIO": "4"])
        original.query["added"] = "by a hook"
        XCTAssertEqual(original.compacted().query, ["EIO": "4", "added": "by a hook"])
    }
}
