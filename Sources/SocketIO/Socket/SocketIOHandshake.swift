import EngineIO
import Foundation
import NIOHTTP1
import SocketIOProtocol

/// What the server knew about a socket's connection when it joined its namespace.
public struct SocketIOHandshake: Sendable, Hashable {
    /// Request headers of the Engine.IO handshake (lower-cased names).
    public var headers: [String: String]
    /// When the connection was made, as a JavaScript date string.
    public var time: String
    /// The client's address.
    public var address: String
    /// True when the request carried an Origin header.
    public var xdomain: Bool
    /// True over TLS.
    public var secure: Bool
    /// When the connection was made, milliseconds since 1970.
    public var issued: Int
    /// The Engine.IO handshake URL.
    public var url: String
    /// Query parameters of the handshake.
    public var query: [String: String]
    /// The `auth` payload of the CONNECT packet (an empty object when none was sent).
    public var auth: SocketIOValue

    init(engine: EngineHandshakeRequest, auth: SocketIOValue?) {
        var headers: [String: String] = [:]
        for header in engine.headers { headers[header.name.lowercased()] = header.value }
        let now = Date()
        self.headers = headers
        self.time = now.description
        self.address = engine.remoteAddress?.ipAddress ?? ""
        self.xdomain = engine.headers.contains(name: "origin")
        self.secure = false
        self.issued = Int(now.timeIntervalSince1970 * 1000)
        self.url = engine.uri
        self.query = engine.query
        self.auth = auth ?? .object([:])
    }

    /// A handshake from its JSON-like form (as carried between cluster nodes).
    public init(value: SocketIOValue) {
        func strings(_ value: SocketIOValue?) -> [String: String] {
            var result: [String: String] = [:]
            for (key, item) in value?.objectValue ?? [:] { result[key] = item.stringValue ?? item.description }
            return result
        }
        self.headers = strings(value["headers"])
        self.time = value["time"]?.stringValue ?? ""
        self.address = value["address"]?.stringValue ?? ""
        self.xdomain = value["xdomain"]?.boolValue ?? false
        self.secure = value["secure"]?.boolValue ?? false
        self.issued = value["issued"]?.intValue ?? Int(value["issued"]?.doubleValue ?? 0)
        self.url = value["url"]?.stringValue ?? ""
        self.query = strings(value["query"])
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
