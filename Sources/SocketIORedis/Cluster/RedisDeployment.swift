import Logging
import NIOCore

/// What the Redis behind a cluster of Socket.IO nodes is, from its URL:
///
/// - `redis://[[user]:password@]host[:port][/db]`: one server (``RedisURL``);
/// - `redis-cluster://[[user]:password@]host:port,host:port,…`: a Redis Cluster, the hosts being seeds
///   (any nodes of it); the credentials apply to every node;
/// - `redis-sentinel://[[user]:password@]host:port,host:port,…/mastername[?sentinel-password=…]`: a
///   primary watched by Sentinel, the hosts being sentinels; the credentials are the primary's, and
///   `sentinel-password` (with `sentinel-username`, percent-encoded) the sentinels' when they have one.
public enum RedisDeployment: Sendable, Hashable, CustomStringConvertible {
    /// One Redis server.
    case standalone(RedisURL)
    /// A Redis Cluster.
    case cluster(RedisClusterConfiguration)
    /// A Sentinel-managed primary.
    case sentinel(RedisSentinelConfiguration)

    /// The most hosts accepted in one URL.
    static let maxHosts = 64

    /// Parses one of the three URL forms; throws ``RedisURLError`` naming the problem.
    public init(_ string: String) throws(RedisURLError) {
        guard let schemeEnd = string.firstRange(of: "://") else {
            self = .standalone(try RedisURL(string))
            return
        }
        let scheme = string[..<schemeEnd.lowerBound].lowercased()
        let rest = string[schemeEnd.upperBound...]
        switch scheme {
        case "redis-cluster":
            let (credentials, hosts, path, query) = try Self.split(rest)
            guard path.isEmpty || path == "0" else { throw RedisURLError("a Redis Cluster has database 0 only; drop '/\(path)'") }
            guard query.isEmpty else { throw RedisURLError("redis-cluster:// takes no query") }
            self = .cluster(RedisClusterConfiguration(seeds: hosts, username: credentials.username, password: credentials.password))
        case "redis-sentinel":
            let (credentials, hosts, path, query) = try Self.split(rest)
            guard !path.isEmpty, !path.contains("/") else {
                throw RedisURLError("the master name is missing: redis-sentinel://host:port,host:port/mastername")
            }
            var sentinelUser: String?
            var sentinelPassword: String?
            for item in query.split(separator: "&") where !item.isEmpty {
                let pair = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard pair.count == 2 else { throw RedisURLError("query item '\(item)' is not name=value") }
                switch pair[0] {
                case "sentinel-password": sentinelPassword = try RedisURLParser.percentDecode(pair[1], part: "sentinel password")
                case "sentinel-username": sentinelUser = try RedisURLParser.percentDecode(pair[1], part: "sentinel user name")
                default: throw RedisURLError("unknown query item '\(pair[0])'; expected sentinel-password or sentinel-username")
                }
            }
            self = .sentinel(
                RedisSentinelConfiguration(
                    sentinels: hosts,
                    masterName: try RedisURLParser.percentDecode(path, part: "master name"),
                    username: credentials.username,
                    password: credentials.password,
                    sentinelUsername: sentinelUser,
                    sentinelPassword: sentinelPassword.flatMap { $0.isEmpty ? nil : $0 }
                )
            )
        default:
            self = .standalone(try RedisURL(string))
        }
    }

    /// Credentials, hosts, path and query of `[userinfo@]h:p,h:p[/path][?query]`.
    private static func split(
        _ rest: Substring
    ) throws(RedisURLError) -> (credentials: RedisURL, hosts: [RedisNodeAddress], path: Substring, query: Substring) {
        var rest = rest
        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        var path: Substring = ""
        var authority = rest
        let at = rest.lastIndex(of: "@")
        if let slash = rest[(at ?? rest.startIndex)...].firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            authority = rest[..<slash]
        }
        var userInfo: Substring = ""
        var hostList = authority
        if let at = authority.lastIndex(of: "@") {
            userInfo = authority[...at]
            hostList = authority[authority.index(after: at)...]
        }
        let items = hostList.split(separator: ",", omittingEmptySubsequences: false)
        guard !items.isEmpty, items.count <= Self.maxHosts else { throw RedisURLError("expected 1 to \(Self.maxHosts) comma-separated host:port") }
        var hosts: [RedisNodeAddress] = []
        var credentials = RedisURL(host: "localhost")
        for (index, item) in items.enumerated() {
            let url = try RedisURL("redis://" + (index == 0 ? userInfo : "") + item)
            if index == 0 { credentials = url }
            guard let address = url.nodeAddress else { throw RedisURLError("host '\(item)' is not host:port") }
            if !hosts.contains(address) { hosts.append(address) }
        }
        return (credentials, hosts, path, query)
    }

    public var description: String {
        switch self {
        case .standalone(let url):
            return url.description
        case .cluster(let configuration):
            let credentials = configuration.password == nil ? "" : "\(configuration.username ?? ""):***@"
            return "redis-cluster://\(credentials)\(configuration.seeds.map(\.description).joined(separator: ","))"
        case .sentinel(let configuration):
            let credentials = configuration.password == nil ? "" : "\(configuration.username ?? ""):***@"
            let query = configuration.sentinelPassword == nil ? "" : "?sentinel-password=***"
            return "redis-sentinel://\(credentials)\(configuration.sentinels.map(\.description).joined(separator: ","))/\(configuration.masterName)\(query)"
        }
    }
}
