import EngineIO
import NIOHTTP1
import SocketIOCluster

/// What an HTTP request brings to the Engine.IO checks: the input's first line is the request target,
/// the following lines are `name: value` headers; the method comes from the first byte. The path also
/// goes through the parsing of a node address from the directory (`host:port`).
enum HTTPRequestFuzzing {
    private static let methods: [HTTPMethod] = [.GET, .POST, .OPTIONS, .PUT, .DELETE, .HEAD, .RAW(value: "BREW")]
    private static let configuration = EngineServerConfiguration()

    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"): return true
        default: return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    static func run(_ input: UnsafeRawBufferPointer) {
        guard let first = input.first else { return }
        let text = String(decoding: input.dropFirst(), as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let uri = lines.isEmpty ? "" : String(lines.removeFirst())
        var headers = HTTPHeaders()
        for line in lines.prefix(64) {
            let parts = line.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            // The HTTP parser in front of the server passes only token characters in a header name.
            guard !parts[0].isEmpty, parts[0].utf8.allSatisfy(Self.isTokenByte) else { continue }
            headers.add(name: String(parts[0]), value: parts.count > 1 ? String(parts[1]) : "")
        }
        let target = EngineRequestTarget(uri: uri)
        let route = EngineRequestValidator.validate(
            method: Self.methods[Int(first) % Self.methods.count],
            query: target.query,
            headers: headers,
            isWebSocketUpgrade: first & 0x80 != 0,
            configuration: Self.configuration
        )
        if case .success(.session(let sid, _)) = route {
            _ = NodeRoutingTag(sessionID: sid)
        }
        for value in target.query.values {
            _ = NodeRoutingTag(sessionID: value)
        }
        // A node address as the directory in Redis holds it (`host:port`), from the request path.
        _ = ClusterRequestForwarder.split(target.path)
    }
}
