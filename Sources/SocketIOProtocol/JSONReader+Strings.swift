extension JSONReader {
    /// Reads a string; the cursor is on the opening quote. Strings without escapes are decoded straight from
    /// the input bytes; the others are unescaped into a scratch array first.
    mutating func readString() throws(SocketIOProtocolError) -> String {
        self.index += 1
        let start = self.index
        while self.index < self.bytes.count {
            let byte = self.bytes[self.index]
            if byte == UInt8(ascii: "\"") {
                let text = String(decoding: UnsafeRawBufferPointer(rebasing: self.bytes[start..<self.index]), as: UTF8.self)
                self.index += 1
                return text
            }
            if byte == UInt8(ascii: "\\") {
                return try self.readEscapedString(from: start)
            }
            if byte < 0x20 {
                throw self.failure("control character in string")
            }
            self.index += 1
        }
        throw self.failure("unterminated string")
    }

    /// Continues a string that contains escapes; `start` is the first content byte, the cursor is on the
    /// first backslash.
    private mutating func readEscapedString(from start: Int) throws(SocketIOProtocolError) -> String {
        var utf8: [UInt8] = []
        utf8.reserveCapacity(self.index - start + 16)
        var runStart = start
        while self.index < self.bytes.count {
            let byte = self.bytes[self.index]
            switch byte {
            case UInt8(ascii: "\""):
                utf8.append(contentsOf: UnsafeRawBufferPointer(rebasing: self.bytes[runStart..<self.index]))
                self.index += 1
                return String(decoding: utf8, as: UTF8.self)
            case UInt8(ascii: "\\"):
                utf8.append(contentsOf: UnsafeRawBufferPointer(rebasing: self.bytes[runStart..<self.index]))
                try self.readEscape(into: &utf8)
                runStart = self.index
            case 0..<0x20:
                throw self.failure("control character in string")
            default:
                self.index += 1
            }
        }
        throw self.failure("unterminated string")
    }

    /// Decodes one escape sequence; the cursor is on the backslash and ends after the sequence.
    private mutating func readEscape(into utf8: inout [UInt8]) throws(SocketIOProtocolError) {
        self.index += 1
        guard self.index < self.bytes.count else { throw self.failure("unterminated string") }
        let escaped = self.bytes[self.index]
        self.index += 1
        switch escaped {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"):
            utf8.append(escaped)
        case UInt8(ascii: "b"): utf8.append(0x08)
        case UInt8(ascii: "f"): utf8.append(0x0C)
        case UInt8(ascii: "n"): utf8.append(0x0A)
        case UInt8(ascii: "r"): utf8.append(0x0D)
        case UInt8(ascii: "t"): utf8.append(0x09)
        case UInt8(ascii: "u"):
            try self.readUnicodeEscape(into: &utf8)
        default:
            self.index -= 2
            throw self.failure("invalid escape")
        }
    }

    /// Decodes the `XXXX` of `\uXXXX`, joining a surrogate pair when a low surrogate escape follows a high
    /// one; an unpaired surrogate becomes U+FFFD.
    private mutating func readUnicodeEscape(into utf8: inout [UInt8]) throws(SocketIOProtocolError) {
        let unit = try self.readHexQuad()
        var scalarValue = UInt32(unit)
        switch unit {
        case 0xD800...0xDBFF:
            if let low = self.peekLowSurrogateEscape() {
                self.index += 6
                scalarValue = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
            } else {
                scalarValue = 0xFFFD
            }
        case 0xDC00...0xDFFF:
            scalarValue = 0xFFFD
        default:
            break
        }
        // Every value built above is a valid scalar (surrogates were replaced); U+FFFD if not.
        utf8.append(contentsOf: (Unicode.Scalar(scalarValue) ?? "\u{FFFD}").utf8)
    }

    /// Reads four hex digits.
    private mutating func readHexQuad() throws(SocketIOProtocolError) -> UInt16 {
        guard self.bytes.count - self.index >= 4 else { throw self.failure("invalid \\u escape") }
        var value: UInt16 = 0
        for _ in 0..<4 {
            guard let digit = Self.hexValue(self.bytes[self.index]) else { throw self.failure("invalid \\u escape") }
            value = value << 4 | UInt16(digit)
            self.index += 1
        }
        return value
    }

    /// The low surrogate of a `\uDC00`…`\uDFFF` escape at the cursor, without consuming it.
    private func peekLowSurrogateEscape() -> UInt16? {
        guard self.bytes.count - self.index >= 6,
            self.bytes[self.index] == UInt8(ascii: "\\"),
            self.bytes[self.index + 1] == UInt8(ascii: "u")
        else { return nil }
        var value: UInt16 = 0
        for offset in 2..<6 {
            guard let digit = Self.hexValue(self.bytes[self.index + offset]) else { return nil }
            value = value << 4 | UInt16(digit)
        }
        return (0xDC00...0xDFFF).contains(value) ? value : nil
    }

    /// The value of an ASCII hex digit.
    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
