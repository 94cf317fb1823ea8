import XCTest

@testable import SocketIORedis

final class RedisURLTests: XCTestCase {
    func testHostOnlyTakesDefaults() throws {
        let url = try RedisURL("redis://cache.internal")
        XCTAssertEqual(url, RedisURL(host: "cache.internal", port: 6379, username: nil, password: nil, database: 0))
    }

    func testPortAndDatabase() throws {
        XCTAssertEqual(try RedisURL("redis://127.0.0.1:6380/3"), RedisURL(host: "127.0.0.1", port: 6380, database: 3))
        XCTAssertEqual(try RedisURL("redis://127.0.0.1:6380/"), RedisURL(host: "127.0.0.1", port: 6380, database: 0))
    }

    func testPasswordOnly() throws {
        let url = try RedisURL("redis://:s3cret@localhost:7000/1")
        XCTAssertNil(url.username)
        XCTAssertEqual(url.password, "s3cret")
        XCTAssertEqual(url.port, 7000)
        XCTAssertEqual(url.database, 1)
    }

    func testUserAndPassword() throws {
        let url = try RedisURL("redis://app:pa:ss@localhost")
        XCTAssertEqual(url.username, "app")
        XCTAssertEqual(url.password, "pa:ss", "everything after the first colon is the password")
    }

    func testPercentEncodedCredentialsAndRawAtSign() throws {
        XCTAssertEqual(try RedisURL("redis://us%65r:p%40ss%3Aw%C3%B6rd@h").password, "p@ss:wörd")
        XCTAssertEqual(try RedisURL("redis://us%65r:x@h").username, "user")
        XCTAssertEqual(try RedisURL("redis://:p@ss@h:1").password, "p@ss", "the last @ ends the credentials")
    }

    func testEmptyCredentialsMeanNoAuth() throws {
        let url = try RedisURL("redis://:@h")
        XCTAssertNil(url.username)
        XCTAssertNil(url.password)
    }

    func testIPv6AndCaseInsensitiveScheme() throws {
        XCTAssertEqual(try RedisURL("redis://[::1]:6390/2"), RedisURL(host: "::1", port: 6390, database: 2))
        XCTAssertEqual(try RedisURL("REDIS://[fe80::1]"), RedisURL(host: "fe80::1"))
    }

    func testDescriptionHidesThePassword() throws {
        XCTAssertEqual(try RedisURL("redis://app:topsecret@h:1/2").description, "redis://app:***@h:1/2")
        XCTAssertEqual(try RedisURL("redis://:topsecret@[::1]").description, "redis://:***@[::1]:6379")
        XCTAssertEqual(try RedisURL("redis://h").description, "redis://h:6379")
    }

    func testMalformedURLsNameTheProblem() {
        let cases: [(String, String)] = [
            ("localhost:6379", "no scheme"),
            ("http://localhost", "unsupported scheme 'http'"),
            ("rediss://localhost", "TLS"),
            ("unix:///tmp/redis.sock", "Unix socket"),
            ("redis://", "host is missing"),
            ("redis://:6379", "host is missing"),
            ("redis://:pw@/0", "host is missing"),
            ("redis://h:", "port ''"),
            ("redis://h:abc", "port 'abc'"),
            ("redis://h:0", "port '0'"),
            ("redis://h:65536", "port '65536'"),
            ("redis://h:-1", "port '-1'"),
            ("redis://h/x", "database 'x'"),
            ("redis://h/-1", "database '-1'"),
            ("redis://h/1/2", "database '1/2'"),
            ("redis://h?db=1", "query"),
            ("redis://user@h", "need a password"),
            ("redis://user:@h", "empty password"),
            ("redis://:p%zz@h", "bad percent escape"),
            ("redis://:p%ff@h", "not valid UTF-8"),
            ("redis://[::1", "closing ']'"),
            ("redis://[::1]x", "after IPv6 host"),
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try RedisURL(text), text) { error in
                guard let error = error as? RedisURLError else { return XCTFail("\(text): \(error)") }
                XCTAssertTrue(error.message.contains(expected), "\(text): '\(error.message)' should mention '\(expected)'")
                XCTAssertTrue(error.description.hasPrefix("invalid Redis URL: "), error.description)
            }
        }
    }
}
