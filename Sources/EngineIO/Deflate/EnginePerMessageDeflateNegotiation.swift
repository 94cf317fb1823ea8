/// The server side of permessage-deflate negotiation (RFC 7692 §5, §7.1), decided as the
/// reference's `ws` decides it: every `permessage-deflate` offer must be well formed (known
/// parameters, each at most once, valid values) or the upgrade is refused with 400; the first offer
/// the options can accept wins; when none can, the upgrade is refused with 400 too. A header with
/// no `permessage-deflate` offer leaves the connection uncompressed.
package enum EnginePerMessageDeflateNegotiation {
    /// The outcome for one upgrade request.
    package enum Outcome: Equatable {
        /// No `permessage-deflate` offer (or no header): no compression.
        case notOffered
        /// Compression is on with these parameters (the response names them).
        case accepted(EnginePerMessageDeflateAgreement)
        /// The header is malformed, an offer is invalid, or none can be accepted: answer 400.
        case refused
    }

    /// The extension's registered name.
    static let name = "permessage-deflate"

    /// Decides on the `Sec-WebSocket-Extensions` lines of a request (empty: the header is absent).
    package static func negotiate(headerLines: [String], options: EnginePerMessageDeflate) -> Outcome {
        guard !headerLines.isEmpty else { return .notOffered }
        guard let extensions = EngineExtensionHeader.parse(headerLines.joined(separator: ",")) else { return .refused }
        var offers: [Offer] = []
        for offered in extensions where offered.name == Self.name {
            guard let offer = Offer(offered.parameters) else { return .refused }
            offers.append(offer)
        }
        guard !offers.isEmpty else { return .notOffered }
        for offer in offers {
            if let agreement = Self.accept(offer, options: options) { return .accepted(agreement) }
        }
        return .refused
    }

    /// The agreement on `offer`, or nil when the options cannot accept it.
    static func accept(_ offer: Offer, options: EnginePerMessageDeflate) -> EnginePerMessageDeflateAgreement? {
        if let wanted = options.serverMaxWindowBits, let allowed = offer.serverMaxWindowBits, wanted > allowed { return nil }
        if options.clientMaxWindowBits != nil, offer.clientMaxWindowBits == .absent { return nil }
        let clientBits: Int?
        switch offer.clientMaxWindowBits {
        case .absent, .present: clientBits = options.clientMaxWindowBits
        case .bits(let offered): clientBits = options.clientMaxWindowBits.map { min($0, offered) } ?? offered
        }
        return EnginePerMessageDeflateAgreement(
            serverNoContextTakeover: offer.serverNoContextTakeover || options.serverNoContextTakeover,
            clientNoContextTakeover: offer.clientNoContextTakeover || options.clientNoContextTakeover,
            serverMaxWindowBits: options.serverMaxWindowBits ?? offer.serverMaxWindowBits,
            clientMaxWindowBits: clientBits
        )
    }

    /// One `permessage-deflate` offer's parameters, checked.
    struct Offer: Equatable {
        enum ClientBits: Equatable {
            case absent
            /// `client_max_window_bits` with no value: the client can take a value in the response.
            case present
            case bits(Int)
        }

        var serverNoContextTakeover = false
        var clientNoContextTakeover = false
        var serverMaxWindowBits: Int?
        var clientMaxWindowBits = ClientBits.absent

        /// The offer, or nil when a parameter is unknown, repeated, or has an invalid value.
        init?(_ parameters: [(name: String, value: String?)]) {
            var seen: Set<String> = []
            for (name, value) in parameters {
                guard seen.insert(name).inserted else { return nil }
                switch name {
                case "server_no_context_takeover":
                    guard value == nil else { return nil }
                    self.serverNoContextTakeover = true
                case "client_no_context_takeover":
                    guard value == nil else { return nil }
                    self.clientNoContextTakeover = true
                case "server_max_window_bits":
                    guard let bits = value.flatMap(Self.windowBits) else { return nil }
                    self.serverMaxWindowBits = bits
                case "client_max_window_bits":
                    if let value {
                        guard let bits = Self.windowBits(value) else { return nil }
                        self.clientMaxWindowBits = .bits(bits)
                    } else {
                        self.clientMaxWindowBits = .present
                    }
                default:
                    return nil
                }
            }
        }

        /// A decimal 8...15 (leading zeros allowed), or nil.
        static func windowBits(_ text: String) -> Int? {
            guard !text.isEmpty, text.utf8.count <= 4, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
                let bits = Int(text), (8...15).contains(bits)
            else { return nil }
            return bits
        }
    }
}

/// The permessage-deflate parameters a connection runs with, as the 101 response states them.
package struct EnginePerMessageDeflateAgreement: Equatable, Sendable {
    /// The server resets its compressor after every message.
    package var serverNoContextTakeover: Bool
    /// The client resets its compressor after every message (the server resets its decompressor too).
    package var clientNoContextTakeover: Bool
    /// The server's compression window (nil: 15).
    package var serverMaxWindowBits: Int?
    /// The client's compression window, when stated.
    package var clientMaxWindowBits: Int?

    /// The agreement's parameters.
    package init(serverNoContextTakeover: Bool, clientNoContextTakeover: Bool, serverMaxWindowBits: Int?, clientMaxWindowBits: Int?) {
        self.serverNoContextTakeover = serverNoContextTakeover
        self.clientNoContextTakeover = clientNoContextTakeover
        self.serverMaxWindowBits = serverMaxWindowBits
        self.clientMaxWindowBits = clientMaxWindowBits
    }

    /// The `Sec-WebSocket-Extensions` value of the 101 response.
    package var responseHeaderValue: String {
        var value = EnginePerMessageDeflateNegotiation.name
        if self.serverNoContextTakeover { value += "; server_no_context_takeover" }
        if self.clientNoContextTakeover { value += "; client_no_context_takeover" }
        if let bits = self.serverMaxWindowBits { value += "; server_max_window_bits=\(bits)" }
        if let bits = self.clientMaxWindowBits { value += "; client_max_window_bits=\(bits)" }
        return value
    }

    /// A compressor for the server's messages, or nil when the server cannot compress within the
    /// agreed window (zlib's raw deflate has no 256-byte window: with `server_max_window_bits=8`
    /// every message goes out uncompressed, which the extension allows). Its zlib stream holds
    /// about 256 KB at window bits 15 (128 KB window and hash tables, 128 KB at memory level 8).
    package func makeDeflater() -> EngineDeflater? {
        EngineDeflater(windowBits: self.serverMaxWindowBits ?? 15, noContextTakeover: self.serverNoContextTakeover)
    }

    /// A decompressor for the client's messages.
    package func makeInflater() -> EngineInflater? {
        EngineInflater(noContextTakeover: self.clientNoContextTakeover)
    }
}
