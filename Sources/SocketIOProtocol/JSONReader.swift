import OrderedCollections

/// The cursor behind ``JSONParser``: reads one JSON document from a byte buffer by recursive descent.
///
/// Recursion is bounded by `maxDepth`; strings and numbers live in `JSONReader+Strings.swift` and
/// `JSONReader+Numbers.swift`.
struct JSONReader {
    /// The whole input.
    let bytes: UnsafeRawBufferPointer
    /// The next byte to read.
    var index: Int = 0
    /// The nesting limit for arrays and objects.
    let maxDepth: Int

    init(bytes: UnsafeRawBufferPointer, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    /// Reads exactly one value surrounded by optional whitespace.
    mutating func readDocument() throws(SocketIOProtocolError) -> SocketIOValue {
        self.skipWhitespace()
        let value = try self.readValue(depth: 0)
        self.skipWhitespace()
        guard self.index == self.bytes.count else { throw self.failure("unexpected data after the value") }
        return value
    }

    /// An `invalidJSON` error at the current position.
    func failure(_ reason: String) -> SocketIOProtocolError {
        .invalidJSON(reason: reason, offset: self.index)
    }

    /// Skips JSON whitespace: space, tab, line feed, carriage return.
    mutating func skipWhitespace() {
        while self.index < self.bytes.count {
            switch self.bytes[self.index] {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                self.index += 1
            default:
                return
            }
        }
    }

    /// Reads a value starting at the current (non-whitespace) byte; `depth` counts enclosing containers.
    mutating func readValue(depth: Int) throws(SocketIOProtocolError) -> SocketIOValue {
        guard self.index < self.bytes.count else { throw self.failure("unexpected end of input") }
        switch self.bytes[self.index] {
        case UInt8(ascii: "{"):
            return try self.readObject(depth: depth + 1)
        case UInt8(ascii: "["):
            return try self.readArray(depth: depth + 1)
        case UInt8(ascii: "\""):
            return .string(try self.readString())
        case UInt8(ascii: "t"):
            try self.readLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try self.readLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try self.readLiteral("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return try self.readNumber()
        default:
            throw self.failure("unexpected character")
        }
    }

    /// Consumes `literal` (`true`, `false` or `null`) or fails.
    private mutating func readLiteral(_ literal: StaticString) throws(SocketIOProtocolError) {
        let count = literal.utf8CodeUnitCount
        guard self.bytes.count - self.index >= count else { throw self.failure("invalid literal") }
        let utf8 = literal.utf8Start
        for offset in 0..<count where self.bytes[self.index + offset] != utf8[offset] {
            throw self.failure("invalid literal")
        }
        self.index += count
    }

    /// Reads `[ ... ]`; the cursor is on `[`.
    private mutating func readArray(depth: Int) throws(SocketIOProtocolError) -> SocketIOValue {
        guard depth <= self.maxDepth else { throw .jsonNestingTooDeep(limit: self.maxDepth) }
        self.index += 1
        self.skipWhitespace()
        var elements: [SocketIOValue] = []
        if self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: "]") {
            self.index += 1
            return .array(elements)
        }
        // Event arguments are short lists: one allocation instead of growing from one element.
        elements.reserveCapacity(4)
        while true {
            elements.append(try self.readValue(depth: depth))
            self.skipWhitespace()
            guard self.index < self.bytes.count else { throw self.failure("unterminated array") }
            switch self.bytes[self.index] {
            case UInt8(ascii: ","):
                self.index += 1
                self.skipWhitespace()
            case UInt8(ascii: "]"):
                self.index += 1
                return .array(elements)
            default:
                throw self.failure("expected ',' or ']'")
            }
        }
    }

    /// Reads `{ ... }`; the cursor is on `{`.
    private mutating func readObject(depth: Int) throws(SocketIOProtocolError) -> SocketIOValue {
        guard depth <= self.maxDepth else { throw .jsonNestingTooDeep(limit: self.maxDepth) }
        self.index += 1
        self.skipWhitespace()
        var members = OrderedDictionary<String, SocketIOValue>()
        if self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: "}") {
            self.index += 1
            return .object(members)
        }
        while true {
            guard self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: "\"") else {
                throw self.failure("expected a string key")
            }
            let key = try self.readString()
            self.skipWhitespace()
            guard self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: ":") else {
                throw self.failure("expected ':'")
            }
            self.index += 1
            self.skipWhitespace()
            members[key] = try self.readValue(depth: depth)
            self.skipWhitespace()
            guard self.index < self.bytes.count else { throw self.failure("unterminated object") }
            switch self.bytes[self.index] {
            case UInt8(ascii: ","):
                self.index += 1
                self.skipWhitespace()
            case UInt8(ascii: "}"):
                self.index += 1
                return .object(members)
            default:
                throw self.failure("expected ',' or '}'")
            }
        }
    }
}
