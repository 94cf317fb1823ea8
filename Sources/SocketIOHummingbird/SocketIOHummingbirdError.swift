/// Why a Hummingbird server could not be built around an engine.
public enum SocketIOHummingbirdError: Error, Hashable, Sendable {
    /// The engine has a request forwarder (`EngineServerConfiguration.forwarder`); forwarding a
    /// WebSocket to another node needs the engine's own listener (`SocketIOServer.listen`).
    case forwardingNotSupported
}
