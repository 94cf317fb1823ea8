import NIOHTTP1

/// The Engine.IO request errors, with the reference's codes and messages.
public enum EngineHTTPError: Int, Error, Sendable, Hashable {
    /// `transport` missing or not enabled.
    case unknownTransport = 0
    /// `sid` not known.
    case unknownSessionID = 1
    /// A handshake that is not a GET.
    case badHandshakeMethod = 2
    /// Bad Origin, transport mismatch, WebSocket handshake without upgrade headers, …
    case badRequest = 3
    /// The allowRequest hook refused.
    case forbidden = 4
    /// `EIO` other than 4.
    case unsupportedProtocolVersion = 5

    /// The reference message, e.g. `Session ID unknown`.
    public var message: String {
        switch self {
        case .unknownTransport: return "Transport unknown"
        case .unknownSessionID: return "Session ID unknown"
        case .badHandshakeMethod: return "Bad handshake method"
        case .badRequest: return "Bad request"
        case .forbidden: return "Forbidden"
        case .unsupportedProtocolVersion: return "Unsupported protocol version"
        }
    }

    /// 403 for `forbidden`, 400 for the rest.
    public var status: HTTPResponseStatus { self == .forbidden ? .forbidden : .badRequest }

    /// The JSON body `{"code":N,"message":"…"}`, with `message` overriding the default text.
    public func jsonBody(message: String? = nil) -> String {
        "{\"code\":\(self.rawValue),\"message\":\(JSONString.quote(message ?? self.message))}"
    }
}

/// Minimal JSON string quoting for the few JSON texts the engine writes itself.
enum JSONString {
    static func quote(_ string: String) -> String {
        var out = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
