import EngineIO
import Foundation
import NIOHTTP1
import SocketIOProtocol

/// What the server knew about a socket's connection when it joined its namespace.
///
/// Every socket keeps one for its whole life, so the headers, the query and the date string are derived
/// when read from what the Engine.IO session keeps anyway, rather than stored again per socket.
public struct SocketIOHandshake: Sendable, Hashable {
    /// Request headers of the Engine.IO handshake (lower-cased names).
    public var headers: [String: String] {
        get {
            if let headers = self.headersOverride { return headers }
            var headers: [String: String] = [:]
            for field in self.engineRequest?.headers ?? [:] { headers[field.name.lowercased()] = field.value }
            return headers
        }
        set { self.headersOverride = newValue }
    }
    /// When the connection was made, as JavaScript's `Date#toString` writes it in UTC (the reference's
    /// `new Date() + ""` on a server in UTC): `Fri Dec 04 2026 06:50:00 GMT+0000 (Coordinated Universal Time)`.
    public var time: String {
        get { self.timeOverride ?? Self.javaScriptDateString(millisecondsSince1970: self.issued) }
        set { self.timeOverride = newValue }
    }
    /// The client's address.
    public var address: String
    /// True when the request carried an Origin header.
    public var xdomain: Bool
    /// True over TLS, or behind a proxy that says so (`X-Forwarded-Proto: https`).
    public var secure: Bool
    /// When the connection was made, milliseconds since 1970.
    public var issued: Int
    /// The Engine.IO handshake URL.
    public var url: String
    /// Query parameters of the handshake.
    public var query: [String: String] {
        get { self.queryOverride ?? self.engineRequest?.query ?? [:] }
        set { self.queryOverride = newValue }
    }
    /// The `auth` payload of the CONNECT packet (an empty object when none was sent).
    public var auth: SocketIOValue

    /// The Engine.IO handshake (kept by the session anyway) the headers and query are read from,
    /// unless they were set or decoded from another node's form.
    private var engineRequest: EngineHandshakeRequest?
    private var headersOverride: [String: String]?
    private var queryOverride: [String: String]?
    private var timeOverride: String?

    init(engine: EngineHandshakeRequest, auth: SocketIOValue?) {
        self.address = engine.remoteAddress?.ipAddress ?? ""
        self.xdomain = engine.headers.contains(name: "origin")
        self.secure = engine.isSecure || (engine.headers.first(name: "x-forwarded-proto")?.lowercased().hasPrefix("https") ?? false)
        self.issued = Int(Date().timeIntervalSince1970 * 1000)
        self.url = engine.uri
        self.engineRequest = engine
        self.auth = auth ?? .object([:])
    }

    /// A handshake from its JSON-like form (as carried between cluster nodes).
    public init(value: SocketIOValue) {
        func strings(_ value: SocketIOValue?) -> [String: String] {
            var result: [String: String] = [:]
            for (key, item) in value?.objectValue ?? [:] { result[key] = item.stringValue ?? item.description }
            return result
        }
        self.headersOverride = strings(value["headers"])
        self.timeOverride = value["time"]?.stringValue ?? ""
        self.address = value["address"]?.stringValue ?? ""
        self.xdomain = value["xdomain"]?.boolValue ?? false
        self.secure = value["secure"]?.boolValue ?? false
        // Milliseconds since 1970; a value that is not a finite number within Int's range reads as 0.
        self.issued = value["issued"]?.intValue ?? value["issued"]?.doubleValue.flatMap { Int(exactly: $0.rounded(.towardZero)) } ?? 0
        self.url = value["url"]?.stringValue ?? ""
        self.queryOverride = strings(value["query"])
        self.auth = value["auth"] ?? .object([:])
    }

    /// The JSON-like form the reference uses (for fetchSockets across a cluster).
    public var value: SocketIOValue {
        func object(_ dictionary: [String: String]) -> SocketIOValue {
            .object(.init(uniqueKeysWithValues: dictionary.sorted { $0.key < $1.key }.map { ($0.key, SocketIOValue.string($0.value)) }))
        }
        return [
            "headers": object(self.headers),
            "time": .string(self.time),
            "address": .string(self.address),
            "xdomain": .bool(self.xdomain),
            "secure": .bool(self.secure),
            "issued": .int(self.issued),
            "url": .string(self.url),
            "query": object(self.query),
            "auth": self.auth,
        ]
    }
}

extension SocketIOHandshake {
    public static func == (lhs: SocketIOHandshake, rhs: SocketIOHandshake) -> Bool {
        lhs.issued == rhs.issued && lhs.url == rhs.url && lhs.address == rhs.address && lhs.xdomain == rhs.xdomain
            && lhs.secure == rhs.secure && lhs.time == rhs.time && lhs.headers == rhs.headers && lhs.query == rhs.query
            && lhs.auth == rhs.auth
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(self.issued)
        hasher.combine(self.url)
        hasher.combine(self.address)
        hasher.combine(self.headers)
        hasher.combine(self.query)
    }
}

extension SocketIOHandshake {
    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `Date#toString` in UTC for an instant in milliseconds since 1970 (proleptic Gregorian
    /// calendar, days from the civil-from-days algorithm; no time zone database involved).
    static func javaScriptDateString(millisecondsSince1970 milliseconds: Int) -> String {
        let seconds = milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let weekday = ((days % 7) + 7 + 4) % 7  // 1970-01-01 was a Thursday
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let yearText = year >= 0 ? String(repeating: "0", count: max(0, 4 - String(year).count)) + String(year) : "-" + String(-year)
        return "\(self.weekdays[weekday]) \(self.months[month - 1]) \(two(day)) \(yearText) "
            + "\(two(secondOfDay / 3_600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60)) GMT+0000 (Coordinated Universal Time)"
    }
}

