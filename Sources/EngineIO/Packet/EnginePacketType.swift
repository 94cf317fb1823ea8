/// The seven Engine.IO v4 packet types; the raw value is the digit that starts a text packet.
public enum EnginePacketType: UInt8, Sendable, Hashable, CaseIterable {
    /// `0`: sent by the server once, carrying the handshake JSON.
    case open = 0
    /// `1`: either side ends the session.
    case close = 1
    /// `2`: the server's heartbeat (or the client's `2probe` on an upgrade probe).
    case ping = 2
    /// `3`: the answer to a ping (or the server's `3probe`).
    case pong = 3
    /// `4`: application data.
    case message = 4
    /// `5`: the client commits to the WebSocket during an upgrade.
    case upgrade = 5
    /// `6`: does nothing; releases a polling GET during an upgrade.
    case noop = 6

    /// The ASCII digit that encodes this type in a text packet.
    @inlinable
    public var asciiDigit: UInt8 { UInt8(ascii: "0") &+ self.rawValue }

    /// The type named by an ASCII digit, or nil.
    @inlinable
    public init?(asciiDigit: UInt8) {
        guard asciiDigit >= UInt8(ascii: "0"), asciiDigit <= UInt8(ascii: "6") else { return nil }
        self.init(rawValue: asciiDigit &- UInt8(ascii: "0"))
    }
}
