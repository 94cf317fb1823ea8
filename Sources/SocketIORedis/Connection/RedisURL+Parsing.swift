/// The parser behind ``RedisURL/init(_:)``: scheme, userinfo, host, port, database, in that order, each
/// with its own error message.
enum RedisURLParser {
    static func parse(_ string: String) throws(RedisURLError) -> RedisURL {
        let schemeEnd = string.firstRange(of: "://")
        guard let schemeEnd else {
            throw RedisURLError("'\(string)' has no scheme; expected redis://host[:port][/db]")
        }
        let scheme = string[..<schemeEnd.lowerBound].lowercased()
        switch scheme {
        case "redis":
            break
        case "rediss":
            throw RedisURLError("rediss:// (TLS) is not supported: hiredis 0.14 is built without TLS")
        case "unix", "redis+unix":
            throw RedisURLError("Unix socket URLs are not supported; use redis://host:port")
        default:
            throw RedisURLError("unsupported scheme '\(scheme)'; expected redis://")
        }
        var rest = string[schemeEnd.upperBound...]
        if let query = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) {
            throw RedisURLError("query and fragment are not supported ('\(rest[query...])')")
        }

        // Authority up to the first "/", then an optional database path.
        var path: Substring = ""
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        var hostPort = rest
        var username: String?
        var password: String?
        // The last "@" ends the userinfo, so an unencoded "@" in a password still works.
        if let at = rest.lastIndex(of: "@") {
            (username, password) = try Self.parseUserInfo(rest[..<at])
            hostPort = rest[rest.index(after: at)...]
        }
        let (host, port) = try Self.parseHostPort(hostPort)
        let database = try Self.parseDatabase(path)
        return RedisURL(host: host, port: port, username: username, password: password, database: database)
    }

    private static func parseUserInfo(_ userInfo: Substring) throws(RedisURLError) -> (String?, String?) {
        guard let colon = userInfo.firstIndex(of: ":") else {
            throw RedisURLError("credentials need a password: use redis://:password@host or redis://user:password@host")
        }
        let user = try Self.percentDecode(userInfo[..<colon], part: "user name")
        let password = try Self.percentDecode(userInfo[userInfo.index(after: colon)...], part: "password")
        if password.isEmpty {
            if !user.isEmpty {
                throw RedisURLError("user '\(user)' has an empty password")
            }
            return (nil, nil)
        }
        return (user.isEmpty ? nil : user, password)
    }

    private static func parseHostPort(_ hostPort: Substring) throws(RedisURLError) -> (String, Int) {
        var host: Substring
        var portText: Substring?
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else {
                throw RedisURLError("IPv6 host '\(hostPort)' lacks its closing ']'")
            }
            host = hostPort[hostPort.index(after: hostPort.startIndex)..<close]
            let after = hostPort[hostPort.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else {
                    throw RedisURLError("unexpected '\(after)' after IPv6 host; expected :port")
                }
                portText = after.dropFirst()
            }
        } else if let colon = hostPort.firstIndex(of: ":") {
            host = hostPort[..<colon]
            portText = hostPort[hostPort.index(after: colon)...]
        } else {
            host = hostPort
        }
        guard !host.isEmpty else {
            throw RedisURLError("the host is missing")
        }
        guard let portText else {
            return (String(host), RedisURL.defaultPort)
        }
        guard !portText.isEmpty, portText.allSatisfy(\.isASCIIDigit), let port = Int(portText), (1...65535).contains(port) else {
            throw RedisURLError("port '\(portText)' is not a number from 1 to 65535")
        }
        return (String(host), port)
    }

    private static func parseDatabase(_ path: Substring) throws(RedisURLError) -> Int {
        guard !path.isEmpty else { return 0 }
        guard path.allSatisfy(\.isASCIIDigit), let database = Int(path) else {
            throw RedisURLError("database '\(path)' is not a non-negative number")
        }
        return database
    }

    static func percentDecode(_ text: Substring, part: String) throws(RedisURLError) -> String {
        guard text.contains("%") else { return String(text) }
        var bytes: [UInt8] = []
        var utf8 = text.utf8[...]
        while let byte = utf8.popFirst() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard utf8.count >= 2, let high = Self.hexValue(utf8.removeFirst()), let low = Self.hexValue(utf8.removeFirst()) else {
                throw RedisURLError("the \(part) has a bad percent escape")
            }
            bytes.append(high << 4 | low)
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else {
            throw RedisURLError("the \(part) is not valid UTF-8 after percent-decoding")
        }
        return decoded
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

extension Character {
    /// `0`…`9` only (Character.isNumber also accepts other scripts' digits).
    fileprivate var isASCIIDigit: Bool {
        self.isASCII && self.isWholeNumber
    }
}
