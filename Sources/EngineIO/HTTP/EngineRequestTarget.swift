/// The path and query of a request target (`/engine.io/?EIO=4&transport=polling`).
package struct EngineRequestTarget: Sendable, Hashable {
    /// The path without the query.
    package var path: String
    /// Query parameters, percent-decoded; the first value wins for repeated names.
    package var query: [String: String]

    package init(uri: String) {
        if let parsed = uri.utf8.withContiguousStorageIfAvailable({ Self.parse(uri: uri, bytes: $0) }) {
            (self.path, self.query) = parsed
        } else {
            let bytes = Array(uri.utf8)
            (self.path, self.query) = bytes.withUnsafeBufferPointer { Self.parse(uri: uri, bytes: $0) }
        }
    }

    /// Splits on the bytes `?`, `&` and `=` (ASCII, so never inside a multi-byte character): a walk over
    /// the UTF-8 bytes, with no `Character` (grapheme) views, no arrays of parts, and a query string
    /// made only for names and values that are new.
    private static func parse(uri: String, bytes: UnsafeBufferPointer<UInt8>) -> (path: String, query: [String: String]) {
        guard let questionMark = bytes.firstIndex(of: UInt8(ascii: "?")) else { return (uri, [:]) }
        let path = String(decoding: UnsafeBufferPointer(rebasing: bytes[..<questionMark]), as: UTF8.self)
        var query: [String: String] = [:]
        var start = questionMark + 1
        while start <= bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != UInt8(ascii: "&") { end += 1 }
            if end > start {
                var equals = start
                while equals < end && bytes[equals] != UInt8(ascii: "=") { equals += 1 }
                let name = Self.percentDecode(UnsafeBufferPointer(rebasing: bytes[start..<equals]))
                if query[name] == nil {
                    query[name] = equals < end ? Self.percentDecode(UnsafeBufferPointer(rebasing: bytes[(equals + 1)..<end])) : ""
                }
            }
            start = end + 1
        }
        return (path, query)
    }

    /// Decodes `%XX` escapes and `+` (as a space); malformed escapes are kept as they are.
    static func percentDecode(_ text: Substring) -> String {
        var text = text
        return text.withUTF8 { Self.percentDecode($0) }
    }

    /// ``percentDecode(_:)-(Substring)`` on bytes; invalid UTF-8 after decoding becomes U+FFFD.
    static func percentDecode(_ utf8: UnsafeBufferPointer<UInt8>) -> String {
        guard utf8.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }) else {
            return String(decoding: utf8, as: UTF8.self)
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count)
        var index = 0
        while index < utf8.count {
            let byte = utf8[index]
            if byte == UInt8(ascii: "%"), index + 2 < utf8.count,
                let high = hexValue(utf8[index + 1]), let low = hexValue(utf8[index + 2])
            {
                bytes.append(high << 4 | low)
                index += 3
            } else {
                bytes.append(byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
