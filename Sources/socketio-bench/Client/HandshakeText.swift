import NIOCore

/// The HTTP/1.1 text of the WebSocket upgrade (RFC 6455 §4.1), written and read by hand.
enum HandshakeText {
    /// The upgrade request for a session that starts directly on WebSocket.
    static func upgradeRequest(target: BenchTarget, key: String) -> String {
        "GET \(target.requestTarget(transport: "websocket")) HTTP/1.1\r\n"
            + "Host: \(target.hostHeader)\r\n"
            + "Upgrade: websocket\r\n"
            + "Connection: Upgrade\r\n"
            + "Sec-WebSocket-Key: \(key)\r\n"
            + "Sec-WebSocket-Version: 13\r\n"
            + (target.offersDeflate ? "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n" : "")
            + "\r\n"
    }

    /// True when the response head accepts permessage-deflate.
    static func acceptsDeflate(_ head: ByteBuffer) -> Bool {
        let text = (head.getString(at: head.readerIndex, length: head.readableBytes) ?? "").lowercased()
        return text.split(separator: "\r\n").contains { $0.hasPrefix("sec-websocket-extensions:") && $0.contains("permessage-deflate") }
    }

    /// The length of the response head including its blank line, if it is complete.
    static func endOfHead(_ buffer: ByteBuffer) -> Int? {
        buffer.withUnsafeReadableBytes { bytes -> Int? in
            guard bytes.count >= 4 else { return nil }
            for index in 0...(bytes.count - 4)
            where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
                return index + 4
            }
            return nil
        }
    }

    /// True when the status line is `HTTP/1.1 101`. The `Sec-WebSocket-Accept` digest is not verified:
    /// the bench only talks to servers on this machine.
    static func isSwitchingProtocols(_ head: ByteBuffer) -> Bool {
        self.statusLine(head).hasPrefix("HTTP/1.1 101")
    }

    /// The first line of the response.
    static func statusLine(_ head: ByteBuffer) -> String {
        let text = head.getString(at: head.readerIndex, length: min(head.readableBytes, 200)) ?? ""
        return String(text.prefix { $0 != "\r" && $0 != "\n" })
    }
}

/// Standard base64 (RFC 4648 §4) for the upgrade key.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// The base64 text of `bytes`, padded.
    static func encode(_ bytes: [UInt8]) -> String {
        var output = [UInt8]()
        output.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let chunk = bytes[index..<min(index + 3, bytes.count)]
            var value = 0
            for (offset, byte) in chunk.enumerated() { value |= Int(byte) << (16 - 8 * offset) }
            for position in 0..<4 {
                if position <= chunk.count {
                    output.append(Self.alphabet[(value >> (18 - 6 * position)) & 63])
                } else {
                    output.append(UInt8(ascii: "="))
                }
            }
            index += 3
        }
        return String(decoding: output, as: UTF8.self)
    }
}
