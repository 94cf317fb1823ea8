import XCTest

@testable import SocketIORedis

final class RedisRedirectTests: XCTestCase {
    func testMovedAndAsk() {
        let moved = RedisRedirect(errorMessage: "MOVED 3999 127.0.0.1:6381")
        XCTAssertEqual(moved?.kind, .moved)
        XCTAssertEqual(moved?.slot, 3999)
        XCTAssertEqual(moved?.address, RedisNodeAddress(host: "127.0.0.1", port: 6381))
        XCTAssertEqual(RedisRedirect(errorMessage: "ASK 0 cache-2:7000")?.kind, .ask)
        XCTAssertEqual(RedisRedirect(errorMessage: "MOVED 16383 ::1:7000")?.address, RedisNodeAddress(host: "::1", port: 7000))
    }

    func testGarbageIsRefusedNotTrappedOn() {
        for message in [
            "MOVED", "MOVED 3999", "MOVED 16384 127.0.0.1:6381", "MOVED -1 h:1", "MOVED 99999999999999999999 h:1",
            "MOVED 1 127.0.0.1", "MOVED 1 127.0.0.1:0", "MOVED 1 127.0.0.1:65536", "MOVED 1 :6379", "MOVED 1 h:12a",
            "MOVED 1 h:1 extra", "ASK x h:1", "ERR unknown", "", String(repeating: "MOVED 1 ", count: 200),
            "MOVED 1 " + String(repeating: "a", count: 300) + ":1", "MOVED 1 bad\u{1}host:1", "MOVED 1 a/b:1",
        ] {
            XCTAssertNil(RedisRedirect(errorMessage: message), message)
        }
        XCTAssertTrue(RedisRedirect.isRedirect("MOVED garbage"))
        XCTAssertFalse(RedisRedirect.isRedirect("ERR MOVED"))
    }
}
