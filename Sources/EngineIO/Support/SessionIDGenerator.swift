/// Makes Engine.IO session ids: 20 URL-safe base64 characters, like the reference's (15 random bytes).
public enum SessionIDGenerator {
    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
    private static let length = 20

    /// A new random id of exactly 20 characters (prefixed by `prefix`, which takes the place of leading
    /// random characters so the total stays 20). Each random character carries 6 bits from
    /// ``RandomBytePool`` (a byte's low 6 bits: 256 is a multiple of 64, so every character is equally
    /// likely).
    public static func make(prefix: String = "") -> String {
        let prefixBytes = prefix.utf8
        guard prefixBytes.count <= Self.length, prefixBytes.allSatisfy({ $0 < 0x80 }) else {
            return Self.make(characterPrefix: prefix)
        }
        let randomCount = Self.length - prefixBytes.count
        return String(unsafeUninitializedCapacity: Self.length) { output in
            var index = 0
            for byte in prefixBytes {
                output[index] = byte
                index += 1
            }
            let random = UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(output)[index..<(index + randomCount)])
            RandomBytePool.shared.fill(random)
            let table = Self.alphabet
            while index < Self.length {
                output[index] = table[Int(output[index] & 0x3F)]
                index += 1
            }
            return Self.length
        }
    }

    /// The general case: a prefix with characters outside ASCII, or longer than an id.
    private static func make(characterPrefix prefix: String) -> String {
        var id = String(prefix.prefix(Self.length))
        var random: UInt8 = 0
        while id.count < Self.length {
            withUnsafeMutableBytes(of: &random) { RandomBytePool.shared.fill($0) }
            id.unicodeScalars.append(Unicode.Scalar(Self.alphabet[Int(random & 0x3F)]))
        }
        return id
    }
}
