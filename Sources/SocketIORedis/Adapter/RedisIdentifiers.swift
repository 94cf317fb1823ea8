/// Random identifiers of the adapter protocols.
enum RedisIdentifiers {
    private static let alphanumerics = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
    private static let hexDigits = Array("0123456789abcdef")

    /// A classic-mode node uid or request id: `length` characters of `[A-Za-z0-9]`.
    static func alphanumeric(_ length: Int = 6) -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<length).map { _ in alphanumerics[Int(generator.next(upperBound: UInt8(alphanumerics.count)))] })
    }

    /// A sharded-mode uid or request id: 16 hex characters.
    static func hex16() -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<16).map { _ in hexDigits[Int(generator.next(upperBound: UInt8(16)))] })
    }
}
