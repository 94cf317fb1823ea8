import SocketIORedis

/// How the Redis adapter reaches the other nodes: `classic` (PUBLISH/PSUBSCRIBE, the reference's
/// default), `sharded` (SPUBLISH/SSUBSCRIBE, Redis 7 and later) or `streams` (a Redis stream, which
/// survives outages and lets clients recover their sessions on any node).
enum RedisAdapterMode: String, Sendable, CaseIterable {
    case classic
    case sharded
    case streams
}

/// Where Redis is, parsed from `redis://[user[:password]@]host[:port][/db]` (`rediss://` for TLS), or a
/// Redis Cluster (`redis-cluster://host:port,host:port`) or Sentinel-managed primary
/// (`redis-sentinel://host:port,host:port/mastername`), parsed by ``RedisDeployment``.
struct RedisEndpoint: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    var tls: Bool
    var host: String
    var port: Int
    var username: String?
    var password: String?
    var database: Int
    /// A Redis Cluster or Sentinel deployment; nil for one server.
    var deployment: RedisDeployment? = nil

    /// The URL with the password hidden, for logs.
    var description: String {
        if let deployment { return deployment.description }
        let scheme = self.tls ? "rediss" : "redis"
        var credentials = ""
        if self.username != nil || self.password != nil {
            credentials = (self.username ?? "") + (self.password == nil ? "" : ":***") + "@"
        }
        let host = self.host.contains(":") ? "[\(self.host)]" : self.host
        return "\(scheme)://\(credentials)\(host):\(self.port)/\(self.database)"
    }

    /// Same as ``description``: the password never reaches a log.
    var debugDescription: String { self.description }

    /// `text` (a Redis URL as typed, perhaps malformed) with everything between the scheme and the
    /// last `@` replaced by `***`, for error messages: a URL that fails to parse may still hold a
    /// password.
    static func hidingCredentials(_ text: String) -> String {
        guard let at = text.lastIndex(of: "@") else { return text }
        let start = text.range(of: "://")?.upperBound ?? text.startIndex
        guard start <= at else { return "***" + text[at...] }
        return text[..<start] + "***" + text[at...]
    }

    /// Parses a Redis URL; the reason names what is wrong.
    static func parse(_ text: String) throws -> RedisEndpoint {
        let usage = "expected redis://[user[:password]@]host[:port][/db], rediss://…, redis-cluster://host:port,host:port or redis-sentinel://host:port,host:port/mastername"
        guard let schemeEnd = text.range(of: "://") else { throw InvalidSetting(reason: usage) }
        let tls: Bool
        switch text[..<schemeEnd.lowerBound].lowercased() {
        case "redis-cluster", "redis-sentinel":
            switch Result(catching: { () throws(RedisURLError) -> RedisDeployment in try RedisDeployment(text) }) {
            case .success(let deployment): return RedisEndpoint(tls: false, host: "", port: 0, database: 0, deployment: deployment)
            case .failure(let error): throw InvalidSetting(reason: error.message)
            }
        case "redis": tls = false
        case "rediss": tls = true
        default: throw InvalidSetting(reason: "unsupported scheme '\(text[..<schemeEnd.lowerBound])': \(usage)")
        }
        var rest = text[schemeEnd.upperBound...]
        if let query = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) { rest = rest[..<query] }
        var path = Substring("")
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        var username: String?
        var password: String?
        if let at = rest.lastIndex(of: "@") {
            let userInfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = userInfo.firstIndex(of: ":") {
                username = try percentDecoded(userInfo[..<colon])
                password = try percentDecoded(userInfo[userInfo.index(after: colon)...])
            } else {
                username = try percentDecoded(userInfo)
            }
            if username?.isEmpty == true { username = nil }
        }
        var host: Substring
        var portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw InvalidSetting(reason: usage) }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() } else if !after.isEmpty { throw InvalidSetting(reason: usage) }
        } else if let colon = rest.firstIndex(of: ":") {
            host = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
        } else {
            host = rest
        }
        guard !host.isEmpty, !host.contains(where: \.isWhitespace) else {
            throw InvalidSetting(reason: "missing host: \(usage)")
        }
        var port = 6379
        if let portText {
            guard let value = Int(portText), (1...65_535).contains(value) else {
                throw InvalidSetting(reason: "the port must be a number from 1 to 65535")
            }
            port = value
        }
        var database = 0
        if !path.isEmpty {
            guard let value = Int(path), value >= 0 else {
                throw InvalidSetting(reason: "the path must be a database number, e.g. redis://host:6379/0")
            }
            database = value
        }
        return RedisEndpoint(tls: tls, host: String(host), port: port, username: username, password: password, database: database)
    }

    private static func percentDecoded(_ text: Substring) throws -> String {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                throw InvalidSetting(reason: "bad percent-encoding in the credentials")
            }
            bytes.append(high << 4 | low)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
