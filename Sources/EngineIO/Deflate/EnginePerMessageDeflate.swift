/// Options of permessage-deflate (RFC 7692) on WebSocket connections, the reference's
/// `perMessageDeflate` option (off unless set; engine.io passes it to `ws`).
public struct EnginePerMessageDeflate: Sendable, Hashable {
    /// Messages of at least this many bytes go out compressed; smaller ones go out plain.
    /// 1024 by default, as in engine.io.
    public var threshold: Int
    /// Always ask the client to let the server reset its compressor after every message (less
    /// memory per connection, worse ratios). A client that asks for it gets it either way.
    public var serverNoContextTakeover: Bool
    /// Ask the client to reset its compressor after every message.
    public var clientNoContextTakeover: Bool
    /// The largest window the server compresses with (9...15): offers that allow less are
    /// refused. nil: whatever the client allows (15 when it says nothing).
    public var serverMaxWindowBits: Int?
    /// The largest window the client may compress with (8...15), sent only to clients that offer
    /// `client_max_window_bits`, which are then the only ones accepted. nil: the client's choice.
    public var clientMaxWindowBits: Int?

    /// Options with engine.io's defaults (threshold 1024, context takeover both ways, full windows).
    /// Window bits out of range are clamped.
    public init(
        threshold: Int = 1024,
        serverNoContextTakeover: Bool = false,
        clientNoContextTakeover: Bool = false,
        serverMaxWindowBits: Int? = nil,
        clientMaxWindowBits: Int? = nil
    ) {
        self.threshold = max(0, threshold)
        self.serverNoContextTakeover = serverNoContextTakeover
        self.clientNoContextTakeover = clientNoContextTakeover
        self.serverMaxWindowBits = serverMaxWindowBits.map { min(max($0, 9), 15) }
        self.clientMaxWindowBits = clientMaxWindowBits.map { min(max($0, 8), 15) }
    }
}
