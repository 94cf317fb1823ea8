/// One Socket.IO server the bench talks to: a loopback address, a port and the Engine.IO path.
struct BenchTarget: Sendable, Hashable, CustomStringConvertible {
    /// Always `127.0.0.1`: the bench only loads the local machine.
    let host: String
    /// TCP port.
    let port: Int
    /// Engine.IO path with leading and trailing slash, e.g. `/socket.io/`.
    let path: String
    /// WebSocket clients offer permessage-deflate (`--deflate`).
    var offersDeflate = false

    /// Parses `http://127.0.0.1:3000`, `ws://localhost:3000/socket.io/`, or `127.0.0.1:3000`; a URL path
    /// other than `/` replaces `defaultPath`. Hosts other than loopback are refused.
    init(parsing text: String, defaultPath: String) throws {
        var rest = Substring(text)
        for scheme in ["http://", "ws://"] where rest.hasPrefix(scheme) {
            rest = rest.dropFirst(scheme.count)
        }
        if rest.hasPrefix("https://") || rest.hasPrefix("wss://") || rest.contains("://") {
            throw BenchError.invalidOption("\(text): only http:// or ws:// URLs on 127.0.0.1 are supported")
        }
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<slash]
        var path = String(rest[slash...])
        if let query = path.firstIndex(of: "?") { path = String(path[..<query]) }
        guard let colon = authority.lastIndex(of: ":"), let port = Int(authority[authority.index(after: colon)...]),
            (1...65535).contains(port)
        else {
            throw BenchError.invalidOption("\(text): expected host:port, e.g. http://127.0.0.1:3000")
        }
        let host = authority[..<colon]
        guard host == "127.0.0.1" || host == "localhost" else {
            throw BenchError.invalidOption("\(text): the bench only connects to 127.0.0.1")
        }
        if path.isEmpty || path == "/" { path = defaultPath }
        self.host = "127.0.0.1"
        self.port = port
        self.path = Self.normalized(path)
    }

    /// A target from its parts.
    init(port: Int, path: String) {
        self.host = "127.0.0.1"
        self.port = port
        self.path = Self.normalized(path)
    }

    /// The request target of an Engine.IO request: path and query.
    func requestTarget(transport: String, sid: String? = nil) -> String {
        var target = self.path + "?EIO=4&transport=" + transport
        if let sid { target += "&sid=" + sid }
        return target
    }

    /// `Host` header value.
    var hostHeader: String { "\(self.host):\(self.port)" }

    var description: String { "http://\(self.host):\(self.port)\(self.path)" }

    private static func normalized(_ path: String) -> String {
        var path = path
        if !path.hasPrefix("/") { path = "/" + path }
        if !path.hasSuffix("/") { path += "/" }
        return path
    }
}
