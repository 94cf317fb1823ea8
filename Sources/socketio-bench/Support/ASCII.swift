import NIOCore

/// Writing numbers as ASCII without going through `String`.
enum ASCII {
    /// Appends the decimal digits of a non-negative `value`.
    static func writeDecimal(_ value: Int, into buffer: inout ByteBuffer) {
        precondition(value >= 0, "negative values are not written by the bench")
        if value < 10 {
            buffer.writeInteger(UInt8(ascii: "0") + UInt8(value))
            return
        }
        var digits = 1
        var rest = value / 10
        while rest > 0 { digits += 1; rest /= 10 }
        Self.writeDecimal(UInt64(value), width: digits, into: &buffer)
    }

    /// Appends `value` as exactly `width` digits, zero-padded (the high digits are dropped if it is wider).
    static func writeDecimal(_ value: UInt64, width: Int, into buffer: inout ByteBuffer) {
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: width) { target in
            var rest = value
            var index = width - 1
            while index >= 0 {
                target[index] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
                index -= 1
            }
            return width
        }
    }

    /// A JSON string literal of exactly `length` bytes of filler (no escaping needed), quotes excluded.
    static func filler(length: Int) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789".utf8)
        return String(decoding: (0..<max(0, length)).map { alphabet[$0 % alphabet.count] }, as: UTF8.self)
    }
}
