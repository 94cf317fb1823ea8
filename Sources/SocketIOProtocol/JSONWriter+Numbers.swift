import NIOCore

extension JSONWriter {
    /// Writes the decimal digits of `value` without going through `String`.
    static func writeInteger(_ value: Int, into buffer: inout ByteBuffer) {
        if value >= 0, value < 10 {
            buffer.writeInteger(UInt8(ascii: "0") + UInt8(value))
            return
        }
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 20) { output in
            var magnitude = value.magnitude
            var end = 0
            repeat {
                output[end] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                end += 1
            } while magnitude > 0
            if value < 0 {
                output[end] = UInt8(ascii: "-")
                end += 1
            }
            var low = 0
            var high = end - 1
            while low < high {
                output.swapAt(low, high)
                low += 1
                high -= 1
            }
            return end
        }
    }

    /// Writes `value` as JavaScript's `Number.prototype.toString` does (ECMA-262 Number::toString).
    ///
    /// The shortest round-trip digits come from the standard library's `description` (also shortest and
    /// closest); only their layout differs, and is redone here: plain digits up to 21 integer digits,
    /// `0.000001` down to 1e-6, exponent form `d.ddde±x` outside that range.
    static func writeDouble(_ value: Double, into buffer: inout ByteBuffer) {
        guard value.isFinite else {
            buffer.writeStaticString("null")
            return
        }
        if value == 0 {
            buffer.writeInteger(UInt8(ascii: "0"))
            return
        }
        if value.magnitude < 9_007_199_254_740_992, value.rounded(.towardZero) == value {
            Self.writeInteger(Int(value), into: &buffer)
            return
        }
        var text = value.description
        text.withUTF8 { utf8 in
            Self.writeJavaScriptLayout(ofSwiftDescription: utf8, into: &buffer)
        }
    }

    /// Re-lays out Swift's `description` of a finite, non-zero double (`-1.5`, `1e-07`, `1.2e+21`, `100.0`)
    /// as JavaScript would print the same digits.
    private static func writeJavaScriptLayout(ofSwiftDescription text: UnsafeBufferPointer<UInt8>, into buffer: inout ByteBuffer) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { digits in
            var position = 0
            let negative = text[0] == UInt8(ascii: "-")
            if negative { position = 1 }

            // Significant digits `digits[0..<count]` and the exponent `pointPosition` such that the value is
            // 0.d1d2…dk × 10^pointPosition (the `n` of ECMA-262).
            var count = 0
            var integerDigits = 0
            var leadingZeros = 0
            var sawPoint = false
            while position < text.count {
                let byte = text[position]
                if byte == UInt8(ascii: ".") {
                    sawPoint = true
                } else if JSONReader.isDigit(byte) {
                    if !sawPoint { integerDigits += 1 }
                    if count == 0, byte == UInt8(ascii: "0") {
                        leadingZeros += 1
                    } else if count < digits.count {
                        digits[count] = byte
                        count += 1
                    }
                } else {
                    break
                }
                position += 1
            }
            var exponent = 0
            if position < text.count, text[position] | 0x20 == UInt8(ascii: "e") {
                position += 1
                var exponentNegative = false
                if position < text.count, text[position] == UInt8(ascii: "-") || text[position] == UInt8(ascii: "+") {
                    exponentNegative = text[position] == UInt8(ascii: "-")
                    position += 1
                }
                while position < text.count, JSONReader.isDigit(text[position]) {
                    exponent = exponent * 10 + Int(text[position] - UInt8(ascii: "0"))
                    position += 1
                }
                if exponentNegative { exponent = -exponent }
            }
            while count > 1, digits[count - 1] == UInt8(ascii: "0") { count -= 1 }
            let n = integerDigits + exponent - leadingZeros
            let significant = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(digits)[0..<count])

            if negative { buffer.writeInteger(UInt8(ascii: "-")) }
            if count <= n, n <= 21 {
                buffer.writeBytes(significant)
                buffer.writeRepeatingByte(UInt8(ascii: "0"), count: n - count)
            } else if 0 < n, n <= 21 {
                buffer.writeBytes(significant[0..<n])
                buffer.writeInteger(UInt8(ascii: "."))
                buffer.writeBytes(significant[n...])
            } else if -6 < n, n <= 0 {
                buffer.writeStaticString("0.")
                buffer.writeRepeatingByte(UInt8(ascii: "0"), count: -n)
                buffer.writeBytes(significant)
            } else {
                buffer.writeInteger(significant[0])
                if count > 1 {
                    buffer.writeInteger(UInt8(ascii: "."))
                    buffer.writeBytes(significant[1...])
                }
                let printedExponent = n - 1
                buffer.writeInteger(UInt8(ascii: "e"))
                buffer.writeInteger(printedExponent < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
                Self.writeInteger(Int(printedExponent.magnitude), into: &buffer)
            }
        }
    }
}
