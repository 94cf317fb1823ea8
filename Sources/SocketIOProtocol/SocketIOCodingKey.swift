/// A coding key built at run time: object member names, array positions, and `super`.
struct SocketIOCodingKey: CodingKey, Sendable {
    let stringValue: String
    let intValue: Int?

    init(stringValue: String) {
        self.stringValue = stringValue
        self.intValue = nil
    }

    init(intValue: Int) {
        self.stringValue = "Index \(intValue)"
        self.intValue = intValue
    }

    /// The key of array element `index`.
    init(index: Int) {
        self.init(intValue: index)
    }

    /// The key `superEncoder()` / `superDecoder()` use.
    static let `super` = SocketIOCodingKey(stringValue: "super")
}
