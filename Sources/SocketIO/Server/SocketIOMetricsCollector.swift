import Atomics
import EngineIO
import Metrics
import NIOConcurrencyHelpers
import NIOCore

/// Copies a server's statistics into swift-metrics instruments, so any swift-metrics backend
/// (Prometheus, StatsD, OpenTelemetry, …) sees them. Create it after `MetricsSystem.bootstrap`.
///
/// The libraries count with atomics and do not call swift-metrics on their hot paths; ``collect()``
/// sets the gauges to the current values and advances each counter by how much its atomic grew since
/// the last call, so exported counters stay monotonic. Call it before a scrape, or let ``run(every:)``
/// call it periodically (a pushing backend). Two instruments are recorded as things happen instead:
/// `socketio_ack_latency_seconds` (a timer: how long each server-side `emitWithAck` waited for a
/// client) and `socketio_broadcast_fanout` (a recorder: local recipients of each broadcast).
///
/// Exported (all names prefixed `socketio_`): gauges `engine_clients{transport}`, `engine_sessions`,
/// `http_connections`, `namespaces`, `sockets{namespace}`, `rooms{namespace}`,
/// `pending_acks{namespace}`; counters `engine_handshakes_total{transport}`, `engine_upgrades_total`,
/// `engine_packets_received_total`, `engine_packets_sent_total`, `engine_bytes_received_total`,
/// `engine_bytes_sent_total`, `engine_volatile_dropped_total`, `engine_payload_too_large_total`,
/// `engine_errors_total{code,message}`, `engine_closes_total{reason}`, `forwarded_requests_total`,
/// `forwarded_upgrades_total`, `forward_failures_total`, `broadcasts_total`, `connections_total`,
/// `connect_errors_total`, `room_joins_refused_total`, `child_namespaces_removed_total`,
/// `async_events_refused_total`, `http_connections_refused_total`, `http_accept_pauses_total`,
/// `http_timeouts_total{deadline}`. ``mirror(_:dimensions:source:)`` and
/// ``gauge(_:dimensions:read:)`` add an application's own.
public final class SocketIOMetricsCollector: Sendable {
    /// A swift-metrics counter that follows an atomic.
    private struct MirroredCounter {
        let counter: Counter
        let source: ManagedAtomic<Int>
        var exported = 0

        mutating func update() {
            let value = self.source.load(ordering: .relaxed)
            if value > self.exported { self.counter.increment(by: value - self.exported) }
            self.exported = max(self.exported, value)
        }
    }

    /// A gauge set from a reading at each collection.
    private struct ReadGauge {
        let gauge: Gauge
        let read: @Sendable () -> Int
    }

    private struct NamespaceGauges {
        let sockets: Gauge
        let rooms: Gauge
        let pendingAcks: Gauge

        init(_ name: String) {
            self.sockets = Gauge(label: "socketio_sockets", dimensions: [("namespace", name)])
            self.rooms = Gauge(label: "socketio_rooms", dimensions: [("namespace", name)])
            self.pendingAcks = Gauge(label: "socketio_pending_acks", dimensions: [("namespace", name)])
        }
    }

    private struct State {
        var counters: [MirroredCounter] = []
        var gauges: [ReadGauge] = []
        var namespaces: [String: NamespaceGauges] = [:]
    }

    private let server: SocketIOServer
    private let state = NIOLockedValueBox(State())

    /// Instruments for `server`'s statistics.
    public init(server: SocketIOServer) {
        self.server = server
        let engine = server.engine.statistics
        let io = server.statistics
        let mirrored: [(String, [(String, String)], ManagedAtomic<Int>)] = [
            ("socketio_engine_handshakes_total", [("transport", "polling")], engine.pollingHandshakes),
            ("socketio_engine_handshakes_total", [("transport", "websocket")], engine.webSocketHandshakes),
            ("socketio_engine_upgrades_total", [], engine.upgrades),
            ("socketio_engine_packets_received_total", [], engine.messagesReceived),
            ("socketio_engine_packets_sent_total", [], engine.messagesSent),
            ("socketio_engine_bytes_received_total", [], engine.bytesReceived),
            ("socketio_engine_bytes_sent_total", [], engine.bytesSent),
            ("socketio_engine_volatile_dropped_total", [], engine.volatileDropped),
            ("socketio_engine_payload_too_large_total", [], engine.payloadTooLarge),
            ("socketio_forwarded_requests_total", [], engine.forwardedRequests),
            ("socketio_forwarded_upgrades_total", [], engine.forwardedUpgrades),
            ("socketio_forward_failures_total", [], engine.forwardFailures),
            ("socketio_broadcasts_total", [], io.broadcasts),
            ("socketio_connections_total", [], io.connections),
            ("socketio_connect_errors_total", [], io.connectErrors),
            ("socketio_room_joins_refused_total", [], io.roomJoinsRefused),
            ("socketio_child_namespaces_removed_total", [], io.childNamespacesRemoved),
            ("socketio_async_events_refused_total", [], io.asyncEventsRefused),
            ("socketio_http_connections_refused_total", [], engine.connectionsRefused),
            ("socketio_http_accept_pauses_total", [], engine.acceptPauses),
            ("socketio_http_timeouts_total", [("deadline", "headers")], engine.headersTimeouts),
            ("socketio_http_timeouts_total", [("deadline", "request")], engine.requestTimeouts),
            ("socketio_http_timeouts_total", [("deadline", "keep_alive")], engine.keepAliveTimeouts),
            ("socketio_http_timeouts_total", [("deadline", "allow_request")], engine.allowRequestTimeouts),
            ("socketio_http_timeouts_total", [("deadline", "fallback")], engine.fallbackTimeouts),
        ]
        for (label, dimensions, source) in mirrored { self.mirror(label, dimensions: dimensions, source: source) }
        for (code, atomic) in engine.errorsByCode.enumerated() {
            let message = EngineHTTPError(rawValue: code)?.message ?? "unknown"
            self.mirror("socketio_engine_errors_total", dimensions: [("code", String(code)), ("message", message)], source: atomic)
        }
        for (reason, atomic) in engine.closesByReason.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            self.mirror("socketio_engine_closes_total", dimensions: [("reason", reason.rawValue)], source: atomic)
        }
        self.gauge("socketio_engine_clients", dimensions: [("transport", "polling")]) { engine.pollingSessions.load(ordering: .relaxed) }
        self.gauge("socketio_engine_clients", dimensions: [("transport", "websocket")]) { engine.webSocketSessions.load(ordering: .relaxed) }
        self.gauge("socketio_engine_sessions") { server.engine.sessionCount }
        self.gauge("socketio_http_connections") { engine.openConnections.load(ordering: .relaxed) }
        self.gauge("socketio_namespaces") { server.allNamespaces.count }
    }

    /// Exports `source` as the counter `label`.
    public func mirror(_ label: String, dimensions: [(String, String)] = [], source: ManagedAtomic<Int>) {
        let counter = MirroredCounter(counter: Counter(label: label, dimensions: dimensions), source: source)
        self.state.withLockedValue { $0.counters.append(counter) }
    }

    /// Exports `read()` as the gauge `label`, read at each collection.
    public func gauge(_ label: String, dimensions: [(String, String)] = [], read: @escaping @Sendable () -> Int) {
        let gauge = ReadGauge(gauge: Gauge(label: label, dimensions: dimensions), read: read)
        self.state.withLockedValue { $0.gauges.append(gauge) }
    }

    /// Brings every instrument up to date.
    public func collect() {
        let namespaces = self.server.allNamespaces
        self.state.withLockedValue { state in
            for index in state.counters.indices { state.counters[index].update() }
            for gauge in state.gauges { gauge.gauge.record(gauge.read()) }
            for namespace in namespaces {
                let gauges = state.namespaces[namespace.name] ?? NamespaceGauges(namespace.name)
                state.namespaces[namespace.name] = gauges
                gauges.sockets.record(namespace.localSockets.count)
                gauges.rooms.record(namespace.adapter.localRooms.count)
                gauges.pendingAcks.record(namespace.pendingAckCount)
            }
        }
    }

    /// Collects every `interval` until the task is cancelled (for backends that push).
    public func run(every interval: Duration) async {
        while !Task.isCancelled {
            self.collect()
            try? await Task.sleep(for: interval)
        }
    }
}
