/// Encodes ``MessagePackValue``s to bytes, always choosing the smallest form, byte for byte what
/// notepack.io (the reference Node adapter's encoder) emits for the same value:
///
/// - non-negative integers: positive fixint, uint 8/16/32/64; negative: negative fixint, int 8/16/32/64;
/// - `.double` always as float 64 (`cb`), `.float` as float 32 (`ca`), never an integer as a float;
/// - strings, binaries, arrays, maps and extensions in their fix/8/16/32 forms by length;
/// - `.timestamp` as extension −1 in its 32, 64 or 96-bit form.
///
/// Lengths above `UInt32.max` cannot be expressed in MessagePack and trap.
public struct MessagePackEncoder: Sendable {
    /// Creates an encoder; all state lives in the output buffer.
    public init() {}

    /// Returns the encoding of `value`.
    public static func encode(_ value: MessagePackValue) -> [UInt8] {
        var bytes: [UInt8] = []
        encode(value, into: &bytes)
        return bytes
    }

    /// Appends the encoding of `value` to `bytes`.
    public static func encode(_ value: MessagePackValue, into bytes: inout [UInt8]) {
        switch value {
        case .nil:
            bytes.append(0xc0)
        case .bool(let flag):
            bytes.append(flag ? 0xc3 : 0xc2)
        case .int(let integer):
            if integer >= 0 {
                encodeUnsigned(UInt64(integer), into: &bytes)
            } else {
                encodeNegative(integer, into: &bytes)
            }
        case .uint(let integer):
            encodeUnsigned(integer, into: &bytes)
        case .double(let number):
            bytes.append(0xcb)
            bytes.appendBigEndian(number.bitPattern)
        case .float(let number):
            bytes.append(0xca)
            bytes.appendBigEndian(number.bitPattern)
        case .string(let string):
            let utf8 = string.utf8
            encodeHeader(count: utf8.count, fix: (0xa0, 32), sized: (0xd9, 0xda, 0xdb), into: &bytes)
            bytes.append(contentsOf: utf8)
        case .binary(let data):
            encodeHeader(count: data.count, fix: nil, sized: (0xc4, 0xc5, 0xc6), into: &bytes)
            bytes.append(contentsOf: data)
        case .array(let elements):
            encodeHeader(count: elements.count, fix: (0x90, 16), sized: (nil, 0xdc, 0xdd), into: &bytes)
            for element in elements {
                encode(element, into: &bytes)
            }
        case .map(let entries):
            encodeHeader(count: entries.count, fix: (0x80, 16), sized: (nil, 0xde, 0xdf), into: &bytes)
            for entry in entries {
                encode(entry.key, into: &bytes)
                encode(entry.value, into: &bytes)
            }
        case .ext(let type, let data):
            encodeExtensionHeader(type: type, count: data.count, into: &bytes)
            bytes.append(contentsOf: data)
        case .timestamp(let seconds, let nanoseconds):
            let normalized = MessagePackTimestamp.normalized(seconds: seconds, nanoseconds: nanoseconds)
            MessagePackTimestamp.encode(seconds: normalized.seconds, nanoseconds: normalized.nanoseconds, into: &bytes)
        }
    }

    private static func encodeUnsigned(_ integer: UInt64, into bytes: inout [UInt8]) {
        switch integer {
        case 0..<0x80:
            bytes.append(UInt8(integer))
        case 0x80...0xff:
            bytes.append(0xcc)
            bytes.append(UInt8(integer))
        case 0x100...0xffff:
            bytes.append(0xcd)
            bytes.appendBigEndian(UInt16(integer))
        case 0x1_0000...0xffff_ffff:
            bytes.append(0xce)
            bytes.appendBigEndian(UInt32(integer))
        default:
            bytes.append(0xcf)
            bytes.appendBigEndian(integer)
        }
    }

    private static func encodeNegative(_ integer: Int64, into bytes: inout [UInt8]) {
        switch integer {
        case -32..<0:
            bytes.append(UInt8(bitPattern: Int8(integer)))
        case Int64(Int8.min)..<(-32):
            bytes.append(0xd0)
            bytes.append(UInt8(bitPattern: Int8(integer)))
        case Int64(Int16.min)..<Int64(Int8.min):
            bytes.append(0xd1)
            bytes.appendBigEndian(Int16(integer))
        case Int64(Int32.min)..<Int64(Int16.min):
            bytes.append(0xd2)
            bytes.appendBigEndian(Int32(integer))
        default:
            bytes.append(0xd3)
            bytes.appendBigEndian(integer)
        }
    }

    /// Writes a length header: a fix form when `count` is below its limit, else the 8, 16 or
    /// 32-bit form (the 8-bit one only where the format has one).
    private static func encodeHeader(
        count: Int,
        fix: (base: UInt8, limit: Int)?,
        sized: (length8: UInt8?, length16: UInt8, length32: UInt8),
        into bytes: inout [UInt8]
    ) {
        if let fix, count < fix.limit {
            bytes.append(fix.base | UInt8(count))
        } else if let length8 = sized.length8, count <= 0xff {
            bytes.append(length8)
            bytes.append(UInt8(count))
        } else if count <= 0xffff {
            bytes.append(sized.length16)
            bytes.appendBigEndian(UInt16(count))
        } else {
            precondition(count <= 0xffff_ffff, "MessagePack cannot express a length of \(count)")
            bytes.append(sized.length32)
            bytes.appendBigEndian(UInt32(count))
        }
    }

    private static func encodeExtensionHeader(type: Int8, count: Int, into bytes: inout [UInt8]) {
        switch count {
        case 1: bytes.append(0xd4)
        case 2: bytes.append(0xd5)
        case 4: bytes.append(0xd6)
        case 8: bytes.append(0xd7)
        case 16: bytes.append(0xd8)
        default:
            encodeHeader(count: count, fix: nil, sized: (0xc7, 0xc8, 0xc9), into: &bytes)
        }
        bytes.append(UInt8(bitPattern: type))
    }
}

extension [UInt8] {
    /// Appends `value` in big-endian byte order.
    @inline(__always)
    mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.bigEndian) { append(contentsOf: $0) }
    }
}
