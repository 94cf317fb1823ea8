/// The path and query of a request target (`/engine.io/?EIO=4&transport=polling`).
package struct EngineRequestTarget: Sendable, Hashable {
    /// The path without the query.
    package var path: String
    /// Query parameters, percent-decoded; the first value wins for repeated names.
    package var query: [String: String]

    package init(uri: String) {
        guard let questionMark = uri.firstIndex(of: "?") else {
            self.path = uri
            self.query = [:]
            return
        }
        self.path = String(uri[..<questionMark])
        var query: [String: String] = [:]
        for pair in uri[uri.index(after: questionMark)...].split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.percentDecode(parts[0])
            if query[name] == nil {
                query[name] = parts.count > 1 ? Self.percentDecode(parts[1]) : ""
            }
        }
        self.query = query
    }

    /// Decodes `%XX` escapes and `+` (as a space); malformed escapes are kept as they are.
    static func percentDecode(_ text: Substring) -> String {
        guard text.contains(where: { $0 == "%" || $0 == "+" }) else { return String(text) }
        var bytes: [UInt8] = []
        let utf8 = Array(text.utf8)
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
