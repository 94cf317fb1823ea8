/// Makes Engine.IO session ids: 20 URL-safe base64 characters from 15 random bytes, like the reference.
public enum SessionIDGenerator {
    private static let alphabet: [Character] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")

    /// A new random id of exactly 20 characters (prefixed by `prefix`, which takes the place of leading
    /// random characters so the total stays 20).
    public static func make(prefix: String = "") -> String {
        var generator = SystemRandomNumberGenerator()
        var id = String(prefix.prefix(20))
        id.reserveCapacity(20)
        while id.count < 20 {
            id.append(alphabet[Int(generator.next(upperBound: UInt8(64)))])
        }
        return id
    }
}
