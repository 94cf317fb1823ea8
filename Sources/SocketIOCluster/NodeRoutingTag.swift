/// The first characters of every session id a node mints: they name the node, so a load balancer (or
/// another node) can send later requests of the session to it.
public struct NodeRoutingTag: Sendable, Hashable, CustomStringConvertible {
    /// The number of characters of a tag.
    public static let length = 4
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")

    /// The tag text (4 URL-safe characters).
    public let value: String

    /// The stable tag of a node id: 4 characters from a 64-bit FNV-1a hash of the id (with a final
    /// mixing step so similar ids get unrelated tags), so the same `--node-id` always yields the same
    /// tag and the HAProxy configuration can name it (`socketio-node --node-id X --print-routing-tag`).
    public init(nodeID: String) {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in nodeID.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01B3
        }
        hash ^= hash >> 30
        hash = hash &* 0xBF58_476D_1CE4_E5B9
        hash ^= hash >> 27
        hash = hash &* 0x94D0_49BB_1331_11EB
        hash ^= hash >> 31
        var characters: [Character] = []
        for index in 0..<Self.length {
            characters.append(Self.alphabet[Int((hash >> UInt64(index * 6)) & 63)])
        }
        self.value = String(characters)
    }

    /// The tag a session id carries.
    public init?(sessionID: String) {
        guard sessionID.count == 20 else { return nil }
        self.value = String(sessionID.prefix(Self.length))
    }

    /// The tag text.
    public var description: String { self.value }
}
