import Atomics

/// Counters of an engine server, cheap to update from every event loop and read at scrape time.
public final class EngineStatistics: Sendable {
    /// Sessions opened, by first transport.
    public let pollingHandshakes = ManagedAtomic<Int>(0)
    /// Sessions opened directly on WebSocket.
    public let webSocketHandshakes = ManagedAtomic<Int>(0)
    /// Sessions that upgraded from polling to WebSocket.
    public let upgrades = ManagedAtomic<Int>(0)
    /// Open sessions whose transport is polling right now.
    public let pollingSessions = ManagedAtomic<Int>(0)
    /// Open sessions whose transport is WebSocket right now.
    public let webSocketSessions = ManagedAtomic<Int>(0)
    /// Message packets received from clients.
    public let messagesReceived = ManagedAtomic<Int>(0)
    /// Bytes of message data received from clients.
    public let bytesReceived = ManagedAtomic<Int>(0)
    /// Message packets handed to a transport (or queued for a poll).
    public let messagesSent = ManagedAtomic<Int>(0)
    /// Bytes of those packets.
    public let bytesSent = ManagedAtomic<Int>(0)
    /// Volatile packets dropped because the client could not take them.
    public let volatileDropped = ManagedAtomic<Int>(0)
    /// Requests refused with an Engine.IO error, by code (0…5).
    public let errorsByCode: [ManagedAtomic<Int>] = (0...5).map { _ in ManagedAtomic<Int>(0) }
    /// POST bodies refused with 413.
    public let payloadTooLarge = ManagedAtomic<Int>(0)
    /// Polling requests relayed to the node that owns their session.
    public let forwardedRequests = ManagedAtomic<Int>(0)
    /// WebSocket upgrades tunnelled to the node that owns their session.
    public let forwardedUpgrades = ManagedAtomic<Int>(0)
    /// Forwards that found no live owner (answered `Session ID unknown`).
    public let forwardFailures = ManagedAtomic<Int>(0)
    /// Sessions closed, by reason.
    public let closesByReason: [EngineCloseReason: ManagedAtomic<Int>] = Dictionary(
        uniqueKeysWithValues: [EngineCloseReason.transportError, .transportClose, .forcedClose, .pingTimeout, .parseError].map { ($0, ManagedAtomic<Int>(0)) }
    )

    /// HTTP connections open now (WebSocket ones included).
    public let openConnections = ManagedAtomic<Int>(0)
    /// Connections refused with 503 because `EngineHTTPLimits.maxConnections` were open.
    public let connectionsRefused = ManagedAtomic<Int>(0)
    /// Times the listener paused accepting because `accept` failed for want of descriptors or memory.
    public let acceptPauses = ManagedAtomic<Int>(0)
    /// Connections closed because a request head did not arrive within `headersTimeout`.
    public let headersTimeouts = ManagedAtomic<Int>(0)
    /// Connections closed because a request was not read within `requestTimeout`.
    public let requestTimeouts = ManagedAtomic<Int>(0)
    /// Keep-alive connections closed after `keepAliveTimeout` of silence.
    public let keepAliveTimeouts = ManagedAtomic<Int>(0)
    /// Handshakes refused because `allowRequest` did not decide within `allowRequestTimeout`.
    public let allowRequestTimeouts = ManagedAtomic<Int>(0)
    /// Requests answered 503 because the fallback responder did not answer within `fallbackTimeout`.
    public let fallbackTimeouts = ManagedAtomic<Int>(0)

    /// Fresh counters.
    public init() {}

    func countError(_ error: EngineHTTPError) {
        self.errorsByCode[error.rawValue].wrappingIncrement(ordering: .relaxed)
    }

    func countHTTPTimeout(_ expiry: EngineHTTPDeadlineStateMachine.Expiry) {
        switch expiry {
        case .headers: self.headersTimeouts.wrappingIncrement(ordering: .relaxed)
        case .request: self.requestTimeouts.wrappingIncrement(ordering: .relaxed)
        case .keepAlive: self.keepAliveTimeouts.wrappingIncrement(ordering: .relaxed)
        }
    }
}
