/// A Redis Cluster redirection error reply: `-MOVED <slot> <host:port>` (the slot lives elsewhere for
/// good: refresh the topology) or `-ASK <slot> <host:port>` (one command goes elsewhere, after `ASKING`,
/// while the slot migrates).
public struct RedisRedirect: Sendable, Hashable {
    /// Which redirection.
    public enum Kind: String, Sendable, Hashable {
        /// `MOVED`: the slot's owner changed.
        case moved = "MOVED"
        /// `ASK`: the slot is being migrated; ask the target once.
        case ask = "ASK"
    }

    /// MOVED or ASK.
    public var kind: Kind
    /// The slot, in `0..<16384`.
    public var slot: Int
    /// Where to go.
    public var address: RedisNodeAddress

    /// Parses an error reply's message (as ``RESPValue/error(_:)`` holds it); nil for any other error,
    /// and for a redirection with a slot out of range or an unusable address (Redis never sends those:
    /// whatever sent it is not trusted further).
    public init?(errorMessage: String) {
        guard errorMessage.utf8.count <= 512 else { return nil }
        let parts = errorMessage.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 3, let kind = Kind(rawValue: String(parts[0])) else { return nil }
        guard parts[1].utf8.count <= 5, parts[1].utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            let slot = Int(parts[1]), slot < RedisClusterKeySlot.count,
            let address = RedisNodeAddress(parsing: parts[2])
        else { return nil }
        self.kind = kind
        self.slot = slot
        self.address = address
    }

    /// Whether an error message is a redirection at all (well-formed or not).
    static func isRedirect(_ errorMessage: String) -> Bool {
        errorMessage.hasPrefix("MOVED ") || errorMessage.hasPrefix("ASK ")
    }
}
