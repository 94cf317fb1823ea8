import NIOCore

/// The durations every deadline of a session derives from.
public struct EngineSessionTiming: Sendable, Hashable {
    /// Time between the server's pings.
    public var pingInterval: TimeAmount
    /// Time the client has to answer a ping.
    public var pingTimeout: TimeAmount
    /// Time a client has to send `5` on a probe WebSocket.
    public var upgradeTimeout: TimeAmount
    /// Time a server-closed polling session waits for the client to fetch the close packet.
    public var closeTimeout: TimeAmount
    /// Time between the creation of a session and its open packet being sent.
    public var handshakeTimeout: TimeAmount

    /// The reference defaults: 25 s, 20 s, 10 s, 30 s and 10 s.
    public init(
        pingInterval: TimeAmount = .milliseconds(25_000),
        pingTimeout: TimeAmount = .milliseconds(20_000),
        upgradeTimeout: TimeAmount = .milliseconds(10_000),
        closeTimeout: TimeAmount = .milliseconds(30_000),
        handshakeTimeout: TimeAmount = .milliseconds(10_000)
    ) {
        self.pingInterval = pingInterval
        self.pingTimeout = pingTimeout
        self.upgradeTimeout = upgradeTimeout
        self.closeTimeout = closeTimeout
        self.handshakeTimeout = handshakeTimeout
    }
}
