/// Where and how to reach Redis: `redis://[[user]:password@]host[:port][/db]`.
///
/// - `redis://127.0.0.1` — port 6379, database 0, no AUTH.
/// - `redis://:secret@cache:6380/2` — `AUTH secret`, then `SELECT 2`.
/// - `redis://app:secret@cache` — `AUTH app secret` (an ACL user, Redis ≥ 6).
/// - `redis://[::1]:6379` — an IPv6 literal in brackets.
///
/// User and password may be percent-encoded (`%40` for `@`, `%3A` for `:`). `rediss://` (TLS) is
/// refused: Debian's hiredis 0.14 is built without TLS.
public struct RedisURL: Sendable, Hashable {
    /// The host name or IP address (an IPv6 address without brackets).
    public var host: String
    /// The TCP port.
    public var port: Int
    /// The ACL user for `AUTH user password`; `nil` for `AUTH password`.
    public var username: String?
    /// The password; `nil` for no AUTH.
    public var password: String?
    /// The database for `SELECT` (0 sends none).
    public var database: Int

    /// The default Redis port.
    public static let defaultPort = 6379

    /// A URL from its parts.
    public init(host: String, port: Int = RedisURL.defaultPort, username: String? = nil, password: String? = nil, database: Int = 0) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
    }

    /// Parses `redis://[[user]:password@]host[:port][/db]`; throws ``RedisURLError`` naming the problem.
    public init(_ string: String) throws(RedisURLError) {
        self = try RedisURLParser.parse(string)
    }
}

extension RedisURL: CustomStringConvertible {
    /// The URL with the password hidden, for logs.
    public var description: String {
        var text = "redis://"
        if self.password != nil {
            text += "\(self.username ?? ""):***@"
        }
        text += self.host.contains(":") ? "[\(self.host)]" : self.host
        text += ":\(self.port)"
        if self.database != 0 {
            text += "/\(self.database)"
        }
        return text
    }
}

/// A Redis URL that cannot be used; ``message`` says what is wrong with it.
public struct RedisURLError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong, naming the offending part.
    public var message: String

    /// An error with a message.
    public init(_ message: String) {
        self.message = message
    }

    public var description: String { "invalid Redis URL: \(self.message)" }
}
