import NIOHTTP1

/// Cross-origin rules for browsers talking to the server from another origin.
public struct EngineCORSPolicy: Sendable {
    /// Which origins are allowed.
    public enum Origins: Sendable {
        /// Every origin; the response reflects the request's `Origin`.
        case any
        /// Exactly these origins (e.g. `https://example.com`).
        case list([String])
        /// Origins for which the predicate returns true.
        case predicate(@Sendable (String) -> Bool)
    }

    /// Which origins are allowed.
    public var origins: Origins
    /// Sends `Access-Control-Allow-Credentials: true`.
    public var allowCredentials: Bool
    /// Methods announced in a preflight answer.
    public var allowedMethods: [String]
    /// Headers announced in a preflight answer; nil reflects `Access-Control-Request-Headers`.
    public var allowedHeaders: [String]?
    /// `Access-Control-Max-Age` in seconds for preflight answers; nil omits it.
    public var maxAge: Int?
    /// Refuse Engine.IO requests (polling and WebSocket handshakes) whose `Origin` is neither allowed
    /// nor the server's own (the `Host` it was reached at) with 403, code 4. On by default: CORS
    /// headers alone do not stop a page on another origin from opening a WebSocket with the user's
    /// cookies (cross-site WebSocket hijacking). Requests without `Origin` (non-browser clients) pass.
    public var refusesOtherOrigins: Bool

    /// A policy for `origins`.
    public init(
        origins: Origins = .any,
        allowCredentials: Bool = false,
        allowedMethods: [String] = ["GET", "POST", "OPTIONS"],
        allowedHeaders: [String]? = nil,
        maxAge: Int? = nil,
        refusesOtherOrigins: Bool = true
    ) {
        self.origins = origins
        self.allowCredentials = allowCredentials
        self.allowedMethods = allowedMethods
        self.allowedHeaders = allowedHeaders
        self.maxAge = maxAge
        self.refusesOtherOrigins = refusesOtherOrigins
    }

    /// Whether `origin` is allowed.
    public func allows(origin: String) -> Bool {
        switch self.origins {
        case .any: return true
        case .list(let list): return list.contains(origin)
        case .predicate(let predicate): return predicate(origin)
        }
    }

    /// Whether a request with `requestHeaders` must be refused for its origin: it names one, which is
    /// neither allowed nor the origin of the `Host` the request was sent to.
    public func refuses(requestHeaders: HTTPHeaders) -> Bool {
        guard self.refusesOtherOrigins else { return false }
        let host = requestHeaders.first(name: "host")?.lowercased() ?? ""
        // Every `Origin` given must pass (a second one cannot smuggle the first past the check).
        return requestHeaders[canonicalForm: "origin"].contains { origin in
            if self.allows(origin: String(origin)) { return false }
            let lowered = origin.lowercased()
            return host.isEmpty || (lowered != "http://" + host && lowered != "https://" + host)
        }
    }

    /// Headers for an ordinary response to a request from `requestHeaders`' origin.
    func responseHeaders(for requestHeaders: HTTPHeaders) -> [(String, String)] {
        guard let origin = requestHeaders.first(name: "origin"), self.allows(origin: origin) else {
            return [("Vary", "Origin")]
        }
        var headers = [("Access-Control-Allow-Origin", origin), ("Vary", "Origin")]
        if self.allowCredentials { headers.append(("Access-Control-Allow-Credentials", "true")) }
        return headers
    }

    /// Headers for a preflight (`OPTIONS`) answer.
    func preflightHeaders(for requestHeaders: HTTPHeaders) -> [(String, String)] {
        var headers = self.responseHeaders(for: requestHeaders)
        guard headers.contains(where: { $0.0 == "Access-Control-Allow-Origin" }) else { return headers }
        headers.append(("Access-Control-Allow-Methods", self.allowedMethods.joined(separator: ",")))
        if let allowed = self.allowedHeaders {
            headers.append(("Access-Control-Allow-Headers", allowed.joined(separator: ",")))
        } else if let requested = requestHeaders.first(name: "access-control-request-headers") {
            headers.append(("Access-Control-Allow-Headers", requested))
            headers.append(("Vary", "Access-Control-Request-Headers"))
        }
        if let maxAge = self.maxAge { headers.append(("Access-Control-Max-Age", String(maxAge))) }
        return headers
    }
}
