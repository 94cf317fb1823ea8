/// A Redis server's TCP address as Redis Cluster and Sentinel report it (`host:port`, or the parts).
public struct RedisNodeAddress: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Host name or IP address (an IPv6 address without brackets).
    public var host: String
    /// TCP port, 1...65535.
    public var port: Int

    /// The longest host accepted from the wire (a DNS name is at most 253 bytes).
    static let maxHostLength = 255

    /// An address from checked parts; nil when the host is empty, too long or holds spaces or control
    /// characters, or the port is outside 1...65535.
    public init?(host: String, port: Int) {
        guard !host.isEmpty, host.utf8.count <= Self.maxHostLength, (1...65_535).contains(port),
            !host.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F || $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "@") })
        else { return nil }
        self.host = host
        self.port = port
    }

    /// Parses `host:port` as Redis sends it in `-MOVED`/`-ASK` (the port follows the last colon, so
    /// `::1:7000` is host `::1`; `[::1]:7000` works too). Nil for anything else.
    public init?(parsing text: Substring) {
        guard text.utf8.count <= Self.maxHostLength + 8, let colon = text.lastIndex(of: ":") else { return nil }
        var host = text[..<colon]
        let portText = text[text.index(after: colon)...]
        if host.hasPrefix("["), host.hasSuffix("]"), host.count >= 2 {
            host = host.dropFirst().dropLast()
        }
        guard !portText.isEmpty, portText.utf8.count <= 5, portText.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            let port = Int(portText)
        else { return nil }
        self.init(host: String(host), port: port)
    }

    /// `host:port` (`[v6]:port` for an IPv6 host).
    public var description: String {
        self.host.contains(":") ? "[\(self.host)]:\(self.port)" : "\(self.host):\(self.port)"
    }

    public static func < (lhs: RedisNodeAddress, rhs: RedisNodeAddress) -> Bool {
        (lhs.host, lhs.port) < (rhs.host, rhs.port)
    }
}

extension RedisURL {
    /// The URL's host and port as a node address (nil only for a URL built with a bad port by hand).
    var nodeAddress: RedisNodeAddress? { RedisNodeAddress(host: self.host, port: self.port) }

    /// This URL's credentials, database and options at another `address`.
    func at(_ address: RedisNodeAddress) -> RedisURL {
        var url = self
        url.host = address.host
        url.port = address.port
        return url
    }
}
