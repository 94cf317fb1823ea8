/// Checks that bytes are well-formed UTF-8 (Unicode §3.9, table 3-7): no overlong forms, no surrogates,
/// nothing past U+10FFFF, no truncated sequence. ASCII runs are skipped 8 bytes at a time, so the
/// common all-ASCII Engine.IO text costs one load and one test per 8 bytes.
enum UTF8Validation {
    static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let count = bytes.count
        var index = 0
        while index < count {
            if index &+ 8 <= count, bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                index &+= 8
                continue
            }
            let lead = bytes[index]
            if lead < 0x80 {
                index &+= 1
                continue
            }
            let length: Int
            var secondRange: ClosedRange<UInt8> = 0x80...0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; secondRange = 0xA0...0xBF
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; secondRange = 0x80...0x9F
            case 0xF0: length = 4; secondRange = 0x90...0xBF
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; secondRange = 0x80...0x8F
            default: return false
            }
            guard index &+ length <= count, secondRange.contains(bytes[index &+ 1]) else { return false }
            var continuation = index &+ 2
            while continuation < index &+ length {
                guard bytes[continuation] & 0xC0 == 0x80 else { return false }
                continuation &+= 1
            }
            index &+= length
        }
        return true
    }
}
