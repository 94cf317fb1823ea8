/// Exact powers of ten for the fast double path (every one is exactly representable).
private let exactPowersOfTen: [Double] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
]

extension JSONReader {
    /// Reads an RFC 8259 number; the cursor is on `-` or a digit.
    ///
    /// Integers that fit in `Int` are built directly. Doubles whose decimal significand fits in 53 bits and
    /// whose exponent is within ±22 are computed with one exact multiplication or division (correctly
    /// rounded); the rest go through the standard library's correctly rounded text conversion.
    mutating func readNumber() throws(SocketIOProtocolError) -> SocketIOValue {
        let start = self.index
        let negative = self.bytes[self.index] == UInt8(ascii: "-")
        if negative { self.index += 1 }

        var significand: UInt64 = 0
        var significandIsExact = true
        var integral = true

        // Integer part.
        guard self.index < self.bytes.count, Self.isDigit(self.bytes[self.index]) else {
            throw self.failure("expected a digit")
        }
        if self.bytes[self.index] == UInt8(ascii: "0") {
            self.index += 1
            if self.index < self.bytes.count, Self.isDigit(self.bytes[self.index]) {
                throw .invalidJSON(reason: "leading zero", offset: self.index - 1)
            }
        } else {
            _ = self.accumulateDigits(into: &significand, exact: &significandIsExact)
        }

        // Fraction.
        var fractionDigits = 0
        if self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: ".") {
            integral = false
            self.index += 1
            guard self.index < self.bytes.count, Self.isDigit(self.bytes[self.index]) else {
                throw self.failure("expected a digit after '.'")
            }
            fractionDigits = self.accumulateDigits(into: &significand, exact: &significandIsExact)
        }

        // Exponent.
        var exponent = 0
        if self.index < self.bytes.count, self.bytes[self.index] | 0x20 == UInt8(ascii: "e") {
            integral = false
            self.index += 1
            var exponentNegative = false
            if self.index < self.bytes.count,
                self.bytes[self.index] == UInt8(ascii: "+") || self.bytes[self.index] == UInt8(ascii: "-")
            {
                exponentNegative = self.bytes[self.index] == UInt8(ascii: "-")
                self.index += 1
            }
            guard self.index < self.bytes.count, Self.isDigit(self.bytes[self.index]) else {
                throw self.failure("expected a digit in the exponent")
            }
            while self.index < self.bytes.count, Self.isDigit(self.bytes[self.index]) {
                // Clamp: anything beyond this is ±infinity or ±0 anyway.
                if exponent < 100_000 { exponent = exponent * 10 + Int(self.bytes[self.index] &- 48) }
                self.index += 1
            }
            if exponentNegative { exponent = -exponent }
        }

        if integral, significandIsExact {
            if !negative, significand <= UInt64(Int.max) {
                return .int(Int(significand))
            }
            if negative, significand <= UInt64(Int.max) + 1 {
                return .int(significand == 0 ? 0 : Int(truncatingIfNeeded: 0 &- significand))
            }
        }
        return .double(self.makeDouble(
            start: start, negative: negative, significand: significand,
            exact: significandIsExact, exponent: exponent - fractionDigits
        ))
    }

    /// Consumes a run of digits into `significand`, marking it inexact once it overflows `UInt64` (the fast
    /// double path also checks for 2^53); returns how many digits it consumed.
    private mutating func accumulateDigits(into significand: inout UInt64, exact: inout Bool) -> Int {
        var digits = 0
        while self.index < self.bytes.count, Self.isDigit(self.bytes[self.index]) {
            if exact {
                let (times10, overflow1) = significand.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times10.addingReportingOverflow(UInt64(self.bytes[self.index] &- 48))
                if overflow1 || overflow2 { exact = false } else { significand = sum }
            }
            digits += 1
            self.index += 1
        }
        return digits
    }

    /// Builds the double for the number spanning `start..<index`.
    private func makeDouble(start: Int, negative: Bool, significand: UInt64, exact: Bool, exponent: Int) -> Double {
        if exact, significand == 0 { return negative ? -0.0 : 0.0 }
        if exact, significand <= 1 << 53, (-22...22).contains(exponent) {
            var value = Double(significand)
            value = exponent < 0 ? value / exactPowersOfTen[-exponent] : value * exactPowersOfTen[exponent]
            return negative ? -value : value
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: self.bytes[start..<self.index]), as: UTF8.self)
        return Double(text) ?? (negative ? -.infinity : .infinity)
    }

    /// `true` for ASCII `0`…`9`.
    static func isDigit(_ byte: UInt8) -> Bool {
        byte &- UInt8(ascii: "0") < 10
    }
}
