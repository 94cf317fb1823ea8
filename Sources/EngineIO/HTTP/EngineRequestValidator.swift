import NIOHTTP1

/// Where a valid Engine.IO request goes.
package enum EngineRoute: Sendable, Hashable {
    /// A new session on this transport.
    case handshake(EngineServerConfiguration.TransportKind)
    /// A request for the session `sid` on this transport.
    case session(sid: String, transport: EngineServerConfiguration.TransportKind)
}

/// The checks every Engine.IO request passes before it reaches a session, in the reference's order:
/// transport, Origin header, then either the session id or the handshake rules.
package enum EngineRequestValidator {
    package static func validate(
        method: HTTPMethod,
        query: [String: String],
        headers: HTTPHeaders,
        isWebSocketUpgrade: Bool,
        configuration: EngineServerConfiguration
    ) -> Result<EngineRoute, EngineHTTPError> {
        guard let transportName = query["transport"],
            let transport = EngineServerConfiguration.TransportKind(rawValue: transportName),
            configuration.transports.contains(transport)
        else { return .failure(.unknownTransport) }

        if let origin = headers.first(name: "origin"), !isValidHeaderValue(origin) {
            return .failure(.badRequest)
        }

        if let sid = query["sid"] {
            return .success(.session(sid: sid, transport: transport))
        }
        guard method == .GET else { return .failure(.badHandshakeMethod) }
        if transport == .websocket && !isWebSocketUpgrade { return .failure(.badRequest) }
        guard query["EIO"] == "4" else { return .failure(.unsupportedProtocolVersion) }
        return .success(.handshake(transport))
    }

    /// Header values may hold tab and visible ASCII/obs-text only.
    static func isValidHeaderValue(_ value: String) -> Bool {
        value.utf8.allSatisfy { $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }
    }

    /// True when the request asks for a WebSocket upgrade.
    static func isWebSocketUpgrade(_ headers: HTTPHeaders) -> Bool {
        headers[canonicalForm: "connection"].contains { $0.lowercased() == "upgrade" }
            && headers.first(name: "upgrade")?.lowercased() == "websocket"
    }
}
