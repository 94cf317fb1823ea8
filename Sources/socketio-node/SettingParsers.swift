import ArgumentParser
import Logging
import NIOCore
import SocketIOProtocol

/// Why a value was refused; ``SettingReader`` adds which flag or variable it came from.
struct InvalidSetting: Error {
    var reason: String
}

/// Reads settings: the flag when given, else the non-empty environment variable, else the default.
struct SettingReader {
    let environment: [String: String]

    /// The raw text of a setting and the name of where it came from (`--port` or `SOCKETIO_PORT`).
    func raw(_ setting: NodeSetting, flag: String?) -> (text: String, source: String)? {
        if let flag { return (flag, setting.flag) }
        if let value = self.environment[setting.environmentVariable], !value.isEmpty {
            return (value, setting.environmentVariable)
        }
        return nil
    }

    /// The parsed setting, or `defaultValue` when neither the flag nor the variable is set.
    func read<T>(
        _ setting: NodeSetting,
        flag: String?,
        default defaultValue: @autoclosure () -> T,
        _ parse: (String) throws -> T
    ) throws -> T {
        guard let (text, source) = self.raw(setting, flag: flag) else { return defaultValue() }
        do {
            return try parse(text)
        } catch let error as InvalidSetting {
            let shown = setting == .redis ? RedisEndpoint.hidingCredentials(text) : text
            throw ValidationError("invalid \(source) '\(shown)': \(error.reason)")
        }
    }
}

/// Parsers shared by flags and environment variables.
enum SettingParser {
    /// A whole number within `range`.
    static func integer(_ text: String, in range: ClosedRange<Int>) throws -> Int {
        guard let value = Int(text.trimmingSpaces), range.contains(value) else {
            throw InvalidSetting(reason: "expected a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// A TCP port, 1 to 65535.
    static func port(_ text: String) throws -> Int {
        try self.integer(text, in: 1...65_535)
    }

    /// Milliseconds, as the reference's timing options take them.
    static func milliseconds(_ text: String) throws -> TimeAmount {
        .milliseconds(Int64(try self.integer(text, in: 1...2_147_483_647)))
    }

    /// `10s`, `2500ms`, `1m`, or a bare number of seconds.
    static func duration(_ text: String, allowZero: Bool = false) throws -> TimeAmount {
        let text = text.trimmingSpaces.lowercased()
        let units: [(suffix: String, nanoseconds: Int64)] = [("ms", 1_000_000), ("s", 1_000_000_000), ("m", 60_000_000_000)]
        var number = Substring(text)
        var scale: Int64 = 1_000_000_000
        for unit in units where text.hasSuffix(unit.suffix) {
            number = text.dropLast(unit.suffix.count)
            scale = unit.nanoseconds
            break
        }
        let limit = Int64(3_600) * 1_000_000_000
        guard let value = Int64(number), value >= (allowZero ? 0 : 1), value <= limit / scale else {
            throw InvalidSetting(reason: "expected a duration such as 10s or 2500ms, at most 1 hour\(allowZero ? "" : ", above zero")")
        }
        return .nanoseconds(value * scale)
    }

    /// A host name or address to bind.
    static func host(_ text: String) throws -> String {
        guard !text.isEmpty, !text.contains(where: { $0.isWhitespace || $0 == "/" }) else {
            throw InvalidSetting(reason: "expected a host name or IP address")
        }
        return text
    }

    /// `host:port`, `[v6]:port`.
    static func hostAndPort(_ text: String) throws -> (host: String, port: Int) {
        guard let colon = text.lastIndex(of: ":") else {
            throw InvalidSetting(reason: "expected host:port")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, !host.contains(where: { $0.isWhitespace || $0 == "/" }) else {
            throw InvalidSetting(reason: "expected host:port")
        }
        guard let port = Int(text[text.index(after: colon)...]), (1...65_535).contains(port) else {
            throw InvalidSetting(reason: "expected host:port with a port from 1 to 65535")
        }
        return (host, port)
    }

    /// 1 to 64 URL-safe characters.
    static func nodeID(_ text: String) throws -> String {
        let allowed = { (c: Character) in c.isASCII && (c.isLetter || c.isNumber || c == "-" || c == "_") }
        guard (1...64).contains(text.count), text.allSatisfy(allowed) else {
            throw InvalidSetting(reason: "expected 1 to 64 letters, digits, '-' or '_'")
        }
        return text
    }

    /// `classic` or `sharded`.
    static func adapterMode(_ text: String) throws -> RedisAdapterMode {
        guard let mode = RedisAdapterMode(rawValue: text.lowercased()) else {
            throw InvalidSetting(reason: "expected classic or sharded")
        }
        return mode
    }

    /// `default` or `msgpack`.
    static func parser(_ text: String) throws -> SocketIOParser {
        guard let parser = SocketIOParser(rawValue: text.lowercased()) else {
            throw InvalidSetting(reason: "expected default or msgpack")
        }
        return parser
    }

    /// The Redis channel prefix: no spaces, at most 256 characters.
    static func keyPrefix(_ text: String) throws -> String {
        guard !text.contains(where: \.isWhitespace), text.count <= 256 else {
            throw InvalidSetting(reason: "expected at most 256 characters without spaces")
        }
        return text
    }

    /// `*`, or `http(s)://host[:port]` as browsers send it in `Origin` (no path, no trailing slash).
    static func origin(_ text: String) throws -> String {
        if text == "*" { return text }
        let lowered = text.lowercased()
        guard let schemeEnd = lowered.range(of: "://"), ["http", "https"].contains(lowered[..<schemeEnd.lowerBound]) else {
            throw InvalidSetting(reason: "expected * or an origin such as https://example.com")
        }
        let authority = text[schemeEnd.upperBound...]
        guard !authority.isEmpty, !authority.contains(where: { $0 == "/" || $0.isWhitespace }) else {
            throw InvalidSetting(reason: "an origin has no path or trailing slash, e.g. https://example.com:8080")
        }
        return text
    }

    /// A comma-separated list of origins (the environment variable form).
    static func origins(_ text: String) throws -> [String] {
        try text.split(separator: ",").map { try self.origin(String($0).trimmingSpaces) }.filter { !$0.isEmpty }
    }

    /// A swift-log level name.
    static func logLevel(_ text: String) throws -> Logger.Level {
        guard let level = Logger.Level(rawValue: text.lowercased()) else {
            throw InvalidSetting(reason: "expected one of " + Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))
        }
        return level
    }

    /// `true`/`false`, `1`/`0`, `yes`/`no`, `on`/`off`.
    static func boolean(_ text: String) throws -> Bool {
        switch text.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw InvalidSetting(reason: "expected true or false")
        }
    }

    /// A non-empty file path (read later, at startup).
    static func path(_ text: String) throws -> String {
        guard !text.isEmpty else { throw InvalidSetting(reason: "expected a file path") }
        return text
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        let isSpace = { (c: Character) in c == " " || c == "\t" }
        guard let first = self.firstIndex(where: { !isSpace($0) }), let last = self.lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
