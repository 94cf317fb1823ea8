/// A bounds-checked cursor over borrowed bytes; every read either succeeds or throws
/// ``MessagePackError/unexpectedEnd(offset:)`` naming the start of the value being decoded.
struct MessagePackByteReader {
    /// The whole input.
    let bytes: UnsafeRawBufferPointer
    /// The next byte to read.
    private(set) var offset = 0
    /// Where the value currently being decoded starts, for error reports.
    var valueStart = 0

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    /// How many bytes are left after ``offset``.
    var remaining: Int { bytes.count - offset }

    /// Reads one byte.
    mutating func readByte() throws(MessagePackError) -> UInt8 {
        guard remaining >= 1 else { throw .unexpectedEnd(offset: valueStart) }
        defer { offset += 1 }
        return bytes[offset]
    }

    /// Reads a big-endian integer of `T`'s width.
    mutating func readInteger<T: FixedWidthInteger>(_: T.Type = T.self) throws(MessagePackError) -> T {
        let size = MemoryLayout<T>.size
        guard remaining >= size else { throw .unexpectedEnd(offset: valueStart) }
        defer { offset += size }
        return T(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    /// Reads a length or count field of `T`'s width (UInt8, UInt16 or UInt32); on a platform
    /// where it does not fit in `Int` it becomes `Int.max`, which no input can satisfy.
    mutating func readLength<T: FixedWidthInteger & UnsignedInteger>(_ type: T.Type) throws(MessagePackError) -> Int {
        Int(exactly: try readInteger(type)) ?? Int.max
    }

    /// Borrows the next `count` bytes of a fixed-size payload.
    mutating func readBytes(_ count: Int) throws(MessagePackError) -> UnsafeRawBufferPointer {
        guard remaining >= count else { throw .unexpectedEnd(offset: valueStart) }
        return take(count)
    }

    /// Borrows the next `count` bytes of a payload whose length the input declared.
    mutating func readDeclaredBytes(_ count: Int) throws(MessagePackError) -> UnsafeRawBufferPointer {
        guard remaining >= count else {
            throw .lengthExceedsInput(offset: valueStart, declared: UInt64(count), available: remaining)
        }
        return take(count)
    }

    private mutating func take(_ count: Int) -> UnsafeRawBufferPointer {
        defer { offset += count }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])
    }
}
