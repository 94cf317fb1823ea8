extension SocketIOValue: CustomStringConvertible {
    /// The value as JSON text (what `JSON.stringify` prints); binary values appear in Node's `Buffer` form.
    public var description: String {
        JSONSerializer.string(from: self)
    }
}
