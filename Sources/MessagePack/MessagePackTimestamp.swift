/// The timestamp extension (type −1) and notepack.io's legacy date (type 0), as byte layouts.
///
/// - timestamp 32: `d6 ff` + seconds as UInt32 (nanoseconds zero, seconds in 0..<2³²).
/// - timestamp 64: `d7 ff` + UInt64 of nanoseconds << 34 | seconds (seconds in 0..<2³⁴).
/// - timestamp 96: `c7 0c ff` + nanoseconds as UInt32 + seconds as Int64 (everything else).
/// - legacy date (notepack.io before 3.0): `d7 00` + milliseconds since the epoch as a
///   big-endian two's-complement Int64.
public enum MessagePackTimestamp {
    /// The extension type of the MessagePack timestamp.
    public static let extensionType: Int8 = -1
    /// The extension type notepack.io 2.x used, in a fixext 8, for JavaScript `Date`s.
    public static let legacyDateExtensionType: Int8 = 0
    /// Nanoseconds per second; a valid timestamp has fewer nanoseconds than this.
    public static let nanosecondsPerSecond: UInt32 = 1_000_000_000

    /// Folds nanoseconds of a second or more into the seconds (saturating at `Int64.max`).
    static func normalized(seconds: Int64, nanoseconds: UInt32) -> (seconds: Int64, nanoseconds: UInt32) {
        guard nanoseconds >= nanosecondsPerSecond else { return (seconds, nanoseconds) }
        let (carry, remainder) = nanoseconds.quotientAndRemainder(dividingBy: nanosecondsPerSecond)
        let (sum, overflow) = seconds.addingReportingOverflow(Int64(carry))
        return overflow ? (Int64.max, nanosecondsPerSecond - 1) : (sum, remainder)
    }

    /// The timestamp for notepack.io's legacy date: `milliseconds` since the epoch.
    static func fromLegacyMilliseconds(_ milliseconds: Int64) -> (seconds: Int64, nanoseconds: UInt32) {
        let (quotient, remainder) = milliseconds.quotientAndRemainder(dividingBy: 1000)
        // Floor division: a negative remainder borrows one second.
        if remainder < 0 {
            return (quotient - 1, UInt32(remainder + 1000) * 1_000_000)
        }
        return (quotient, UInt32(remainder) * 1_000_000)
    }

    /// Decodes the payload of a type −1 extension, or `nil` when its length or nanoseconds are invalid.
    static func decode(payload: UnsafeRawBufferPointer) -> (seconds: Int64, nanoseconds: UInt32)? {
        switch payload.count {
        case 4:
            return (Int64(bigEndian(payload, at: 0, as: UInt32.self)), 0)
        case 8:
            let packed = bigEndian(payload, at: 0, as: UInt64.self)
            let nanoseconds = UInt32(truncatingIfNeeded: packed >> 34)
            guard nanoseconds < nanosecondsPerSecond else { return nil }
            return (Int64(packed & 0x3_ffff_ffff), nanoseconds)
        case 12:
            let nanoseconds = bigEndian(payload, at: 0, as: UInt32.self)
            guard nanoseconds < nanosecondsPerSecond else { return nil }
            return (bigEndian(payload, at: 4, as: Int64.self), nanoseconds)
        default:
            return nil
        }
    }

    /// Appends the smallest timestamp form (32, 64 or 96 bit) for a normalized timestamp.
    static func encode(seconds: Int64, nanoseconds: UInt32, into bytes: inout [UInt8]) {
        if seconds >= 0, seconds >> 34 == 0 {
            if nanoseconds == 0, seconds >> 32 == 0 {
                bytes.append(0xd6)
                bytes.append(UInt8(bitPattern: extensionType))
                bytes.appendBigEndian(UInt32(seconds))
            } else {
                bytes.append(0xd7)
                bytes.append(UInt8(bitPattern: extensionType))
                bytes.appendBigEndian(UInt64(nanoseconds) << 34 | UInt64(seconds))
            }
        } else {
            bytes.append(contentsOf: [0xc7, 12, UInt8(bitPattern: extensionType)])
            bytes.appendBigEndian(nanoseconds)
            bytes.appendBigEndian(seconds)
        }
    }

    private static func bigEndian<T: FixedWidthInteger>(_ bytes: UnsafeRawBufferPointer, at offset: Int, as _: T.Type) -> T {
        T(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}
