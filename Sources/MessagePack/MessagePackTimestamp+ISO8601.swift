extension MessagePackTimestamp {
    /// Formats a timestamp like JavaScript's `Date.prototype.toISOString()`:
    /// `2024-01-02T03:04:05.678Z`, UTC, truncated to milliseconds. Years outside 0...9999 take
    /// JavaScript's expanded form, a sign and six digits (`+010000-01-01T00:00:00.000Z`).
    ///
    /// Pure arithmetic on the proleptic Gregorian calendar; no Foundation, no locale.
    public static func iso8601String(seconds: Int64, nanoseconds: UInt32) -> String {
        let normalized = normalized(seconds: seconds, nanoseconds: nanoseconds)
        let (days, secondOfDay) = floorDivide(normalized.seconds, by: 86_400)
        let date = civilDate(daysSinceEpoch: days)
        let milliseconds = Int64(normalized.nanoseconds / 1_000_000)

        var text = yearText(date.year)
        text += "-" + padded(date.month, to: 2) + "-" + padded(date.day, to: 2)
        text += "T" + padded(secondOfDay / 3600, to: 2) + ":" + padded(secondOfDay % 3600 / 60, to: 2)
        text += ":" + padded(secondOfDay % 60, to: 2) + "." + padded(milliseconds, to: 3) + "Z"
        return text
    }

    /// The Gregorian year, month (1...12) and day (1...31) of a day counted from 1970-01-01.
    static func civilDate(daysSinceEpoch days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        // Count from 0000-03-01 so that the leap day ends each 400-year era and each year.
        let (era, dayOfEra) = floorDivide(days + 719_468, by: 146_097)  // 0...146_096
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365  // 0...399
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)  // 0...365, from March 1
        let shiftedMonth = (5 * dayOfYear + 2) / 153  // 0 = March ... 11 = February
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        let year = era * 400 + yearOfEra + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    /// Division rounding towards negative infinity, with a remainder that is never negative.
    private static func floorDivide(_ value: Int64, by divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        let (quotient, remainder) = value.quotientAndRemainder(dividingBy: divisor)
        return remainder < 0 ? (quotient - 1, remainder + divisor) : (quotient, remainder)
    }

    private static func yearText(_ year: Int64) -> String {
        if (0...9999).contains(year) {
            return padded(year, to: 4)
        }
        return (year < 0 ? "-" : "+") + padded(year.magnitude, to: 6)
    }

    private static func padded(_ value: some BinaryInteger, to width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}

extension MessagePackValue {
    /// For a ``MessagePackValue/timestamp(seconds:nanoseconds:)``, the date as JavaScript's
    /// `Date.prototype.toISOString()` writes it (see ``MessagePackTimestamp/iso8601String(seconds:nanoseconds:)``);
    /// `nil` for every other value.
    public var iso8601String: String? {
        guard case .timestamp(let seconds, let nanoseconds) = self else { return nil }
        return MessagePackTimestamp.iso8601String(seconds: seconds, nanoseconds: nanoseconds)
    }
}
