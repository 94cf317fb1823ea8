import Foundation
import NIOHTTP1
import XCTest

@testable import EngineIO

/// Error bodies with the reference's codes, CORS headers, and the `io` cookie.
final class HTTPErrorAndCORSTests: XCTestCase {
    // MARK: - Errors

    func testErrorBodiesMatchTheReference() {
        XCTAssertEqual(EngineHTTPError.unknownTransport.jsonBody(), #"{"code":0,"message":"Transport unknown"}"#)
        XCTAssertEqual(EngineHTTPError.unknownSessionID.jsonBody(), #"{"code":1,"message":"Session ID unknown"}"#)
        XCTAssertEqual(EngineHTTPError.badHandshakeMethod.jsonBody(), #"{"code":2,"message":"Bad handshake method"}"#)
        XCTAssertEqual(EngineHTTPError.badRequest.jsonBody(), #"{"code":3,"message":"Bad request"}"#)
        XCTAssertEqual(EngineHTTPError.forbidden.jsonBody(), #"{"code":4,"message":"Forbidden"}"#)
        XCTAssertEqual(EngineHTTPError.unsupportedProtocolVersion.jsonBody(), #"{"code":5,"message":"Unsupported protocol version"}"#)
    }

    func testForbiddenIs403AndEverythingElse400() {
        XCTAssertEqual(EngineHTTPError.forbidden.status, .forbidden)
        for error in [EngineHTTPError.unknownTransport, .unknownSessionID, .badHandshakeMethod, .badRequest, .unsupportedProtocolVersion] {
            XCTAssertEqual(error.status, .badRequest, "\(error)")
        }
    }

    func testCustomMessageIsJSONEscaped() {
        XCTAssertEqual(
            EngineHTTPError.forbidden.jsonBody(message: "no \"token\" \\ here\n\t\u{1}é"),
            #"{"code":4,"message":"no \"token\" \\ here\n\t\u0001é"}"#
        )
        XCTAssertEqual(EngineHTTPError.forbidden.jsonBody(message: ""), #"{"code":4,"message":""}"#)
    }

    func testJSONBodiesParseAsJSON() throws {
        let body = EngineHTTPError.forbidden.jsonBody(message: "a\u{1f}b\r\"c\"")
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        XCTAssertEqual(object["code"] as? Int, 4)
        XCTAssertEqual(object["message"] as? String, "a\u{1f}b\r\"c\"")
    }

    // MARK: - CORS

    private func pairs(_ headers: [(String, String)]) -> [String] {
        headers.map { "\($0.0): \($0.1)" }
    }

    func testAnyOriginIsReflected() {
        let policy = EngineCORSPolicy()
        XCTAssertTrue(policy.allows(origin: "https://anything.example"))
        XCTAssertEqual(
            self.pairs(policy.responseHeaders(for: ["Origin": "https://a.example"])),
            ["Access-Control-Allow-Origin: https://a.example", "Vary: Origin"]
        )
    }

    func testNoOriginHeaderGetsOnlyVary() {
        XCTAssertEqual(self.pairs(EngineCORSPolicy().responseHeaders(for: [:])), ["Vary: Origin"])
    }

    func testOriginList() {
        let policy = EngineCORSPolicy(origins: .list(["https://a.example", "https://b.example"]))
        XCTAssertTrue(policy.allows(origin: "https://b.example"))
        XCTAssertFalse(policy.allows(origin: "https://c.example"))
        XCTAssertFalse(policy.allows(origin: "https://a.example.evil"), "exact match only")
        XCTAssertEqual(self.pairs(policy.responseHeaders(for: ["Origin": "https://c.example"])), ["Vary: Origin"])
        XCTAssertEqual(
            self.pairs(policy.responseHeaders(for: ["Origin": "https://a.example"])),
            ["Access-Control-Allow-Origin: https://a.example", "Vary: Origin"]
        )
    }

    func testOriginPredicate() {
        let policy = EngineCORSPolicy(origins: .predicate { $0.hasSuffix(".trusted.example") })
        XCTAssertTrue(policy.allows(origin: "https://app.trusted.example"))
        XCTAssertFalse(policy.allows(origin: "https://other.example"))
    }

    func testCredentials() {
        let policy = EngineCORSPolicy(allowCredentials: true)
        XCTAssertEqual(
            self.pairs(policy.responseHeaders(for: ["Origin": "https://a.example"])),
            ["Access-Control-Allow-Origin: https://a.example", "Vary: Origin", "Access-Control-Allow-Credentials: true"]
        )
        let refused = EngineCORSPolicy(origins: .list([]), allowCredentials: true)
        XCTAssertEqual(self.pairs(refused.responseHeaders(for: ["Origin": "https://a.example"])), ["Vary: Origin"])
    }

    func testPreflightReflectsRequestedHeaders() {
        let policy = EngineCORSPolicy()
        let headers: HTTPHeaders = [
            "Origin": "https://a.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-token",
        ]
        XCTAssertEqual(
            self.pairs(policy.preflightHeaders(for: headers)),
            [
                "Access-Control-Allow-Origin: https://a.example",
                "Vary: Origin",
                "Access-Control-Allow-Methods: GET,POST,OPTIONS",
                "Access-Control-Allow-Headers: content-type,x-token",
                "Vary: Access-Control-Request-Headers",
            ]
        )
    }

    func testPreflightWithConfiguredHeadersAndMaxAge() {
        let policy = EngineCORSPolicy(allowedMethods: ["GET"], allowedHeaders: ["X-A", "X-B"], maxAge: 600)
        let headers: HTTPHeaders = ["Origin": "https://a.example", "Access-Control-Request-Headers": "x-other"]
        XCTAssertEqual(
            self.pairs(policy.preflightHeaders(for: headers)),
            [
                "Access-Control-Allow-Origin: https://a.example",
                "Vary: Origin",
                "Access-Control-Allow-Methods: GET",
                "Access-Control-Allow-Headers: X-A,X-B",
                "Access-Control-Max-Age: 600",
            ]
        )
    }

    func testPreflightWithoutRequestedHeaders() {
        XCTAssertEqual(
            self.pairs(EngineCORSPolicy().preflightHeaders(for: ["Origin": "https://a.example"])),
            ["Access-Control-Allow-Origin: https://a.example", "Vary: Origin", "Access-Control-Allow-Methods: GET,POST,OPTIONS"]
        )
    }

    func testPreflightFromARefusedOriginGrantsNothing() {
        let policy = EngineCORSPolicy(origins: .list(["https://a.example"]), maxAge: 10)
        XCTAssertEqual(
            self.pairs(policy.preflightHeaders(for: ["Origin": "https://evil.example", "Access-Control-Request-Headers": "x"])),
            ["Vary: Origin"]
        )
    }

    // MARK: - Cookie

    func testDefaultCookie() {
        XCTAssertEqual(EngineCookie().headerValue(sessionID: "abc123"), "io=abc123; Path=/; HttpOnly; SameSite=Lax")
    }

    func testCustomCookie() {
        let cookie = EngineCookie(name: "sticky", path: "/app", httpOnly: false, sameSite: nil)
        XCTAssertEqual(cookie.headerValue(sessionID: "S"), "sticky=S; Path=/app")
        XCTAssertEqual(
            EngineCookie(sameSite: "Strict").headerValue(sessionID: "S"),
            "io=S; Path=/; HttpOnly; SameSite=Strict"
        )
    }

    func testConfigurationPathGetsATrailingSlash() {
        XCTAssertEqual(EngineServerConfiguration(path: "/socket.io").path, "/socket.io/")
        XCTAssertEqual(EngineServerConfiguration(path: "/socket.io/").path, "/socket.io/")
        XCTAssertEqual(EngineServerConfiguration().path, "/engine.io/")
    }
}
