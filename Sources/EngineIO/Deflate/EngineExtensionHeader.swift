/// The grammar of `Sec-WebSocket-Extensions` (RFC 6455 §9.1): a comma-separated list of
/// extensions, each a token followed by `;`-separated parameters, each a token with an optional
/// `=` value (a token, or a quoted string whose content is a token). As strict as the reference's
/// `ws`: anything else (an empty header, an empty list element, a stray character) is invalid.
enum EngineExtensionHeader {
    /// One offered extension: its name and its parameters in order (nil value: no `=`).
    struct Extension: Equatable {
        var name: String
        var parameters: [(name: String, value: String?)]

        static func == (lhs: Extension, rhs: Extension) -> Bool {
            lhs.name == rhs.name && lhs.parameters.elementsEqual(rhs.parameters) { $0.name == $1.name && $0.value == $1.value }
        }
    }

    /// The extensions of a header value (several header lines joined with `,`), or nil when the
    /// value breaks the grammar.
    static func parse(_ value: String) -> [Extension]? {
        var scanner = Scanner(bytes: Array(value.utf8))
        var extensions: [Extension] = []
        repeat {
            scanner.skipSpaces()
            guard let name = scanner.token() else { return nil }
            var parameters: [(name: String, value: String?)] = []
            scanner.skipSpaces()
            while scanner.consume(UInt8(ascii: ";")) {
                scanner.skipSpaces()
                guard let parameter = scanner.token() else { return nil }
                scanner.skipSpaces()
                var parameterValue: String?
                if scanner.consume(UInt8(ascii: "=")) {
                    scanner.skipSpaces()
                    guard let value = scanner.token() ?? scanner.quotedToken() else { return nil }
                    parameterValue = value
                    scanner.skipSpaces()
                }
                parameters.append((parameter, parameterValue))
            }
            extensions.append(Extension(name: name, parameters: parameters))
        } while scanner.consume(UInt8(ascii: ","))
        return scanner.atEnd ? extensions : nil
    }

    private struct Scanner {
        let bytes: [UInt8]
        var index = 0

        var atEnd: Bool { self.index == self.bytes.count }

        mutating func skipSpaces() {
            while self.index < self.bytes.count, self.bytes[self.index] == 0x20 || self.bytes[self.index] == 0x09 {
                self.index += 1
            }
        }

        mutating func consume(_ byte: UInt8) -> Bool {
            guard self.index < self.bytes.count, self.bytes[self.index] == byte else { return false }
            self.index += 1
            return true
        }

        /// A run of token characters (RFC 7230 §3.2.6), or nil when there is none here.
        mutating func token() -> String? {
            let start = self.index
            while self.index < self.bytes.count, Self.isTokenByte(self.bytes[self.index]) { self.index += 1 }
            guard self.index > start else { return nil }
            return String(decoding: self.bytes[start..<self.index], as: UTF8.self)
        }

        /// A quoted string whose unescaped content is a non-empty token, or nil.
        mutating func quotedToken() -> String? {
            guard self.consume(UInt8(ascii: "\"")) else { return nil }
            var content: [UInt8] = []
            while self.index < self.bytes.count {
                var byte = self.bytes[self.index]
                self.index += 1
                if byte == UInt8(ascii: "\"") {
                    guard !content.isEmpty else { return nil }
                    return String(decoding: content, as: UTF8.self)
                }
                if byte == UInt8(ascii: "\\") {
                    guard self.index < self.bytes.count else { return nil }
                    byte = self.bytes[self.index]
                    self.index += 1
                }
                guard Self.isTokenByte(byte) else { return nil }
                content.append(byte)
            }
            return nil
        }

        static func isTokenByte(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"):
                return true
            default:
                return Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
            }
        }
    }
}
