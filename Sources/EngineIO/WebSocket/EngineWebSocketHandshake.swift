import NIOCore
import NIOHTTP1

/// The server side of the WebSocket opening handshake (RFC 6455 §4.2), done by the engine itself so a
/// WebSocket may follow any number of polling requests on the same keep-alive connection.
enum EngineWebSocketHandshake {
    private static let magic = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    /// The `Sec-WebSocket-Accept` value for a client key, or nil when the request is not a valid
    /// version-13 handshake.
    static func acceptValue(for headers: HTTPHeaders) -> String? {
        guard headers.first(name: "sec-websocket-version") == "13",
            let key = headers.first(name: "sec-websocket-key")?.trimmingSpaces,
            let decoded = Base64.decode(key.utf8), decoded.readableBytes == 16
        else { return nil }
        var accept = ByteBuffer()
        Base64.encode(SHA1.digest(Array((key + magic).utf8)), into: &accept)
        return String(buffer: accept)
    }

    /// The 101 response head, naming the negotiated `extensions` when there are any.
    static func switchingProtocolsHead(version: HTTPVersion, accept: String, extensions: String? = nil) -> HTTPResponseHead {
        var headers: HTTPHeaders = ["Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Accept": accept]
        if let extensions { headers.add(name: "Sec-WebSocket-Extensions", value: extensions) }
        return HTTPResponseHead(version: version, status: .switchingProtocols, headers: headers)
    }
}

extension String {
    /// The value without leading and trailing spaces and tabs (optional whitespace around a header
    /// value), trimmed on its UTF-8 bytes: a Character view would run grapheme breaking on every byte.
    fileprivate var trimmingSpaces: String {
        let bytes = self.utf8
        guard let first = bytes.firstIndex(where: { $0 != 0x20 && $0 != 0x09 }),
            let last = bytes.lastIndex(where: { $0 != 0x20 && $0 != 0x09 })
        else { return "" }
        if first == bytes.startIndex && last == bytes.index(before: bytes.endIndex) { return self }
        return String(Substring(self.utf8[first...last]))
    }
}
