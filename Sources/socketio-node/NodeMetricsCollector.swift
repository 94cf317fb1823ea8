import Atomics
import EngineIO
import Metrics
import NIOConcurrencyHelpers
import SocketIO
import SocketIORedis

/// Copies the libraries' statistics into swift-metrics instruments just before a scrape.
///
/// The libraries count with atomics and never call swift-metrics on their hot paths. At scrape time
/// gauges are set to the current values, and each counter is advanced by how much its atomic grew since
/// the last scrape, so the exported counters stay monotonic.
///
/// Exported (all names prefixed `socketio_`):
/// - gauges: `engine_clients{transport}`, `engine_sessions`, `namespaces`, `sockets{namespace}`,
///   `rooms{namespace}` (rooms with local members, each socket's own room included, as the reference
///   counts them), `pending_acks{namespace}`, `node_ready`, `node_info{node,adapter}`, and with Redis
///   `redis_state{state}` (1 for the current state, 0 for the others), `http_connections`;
/// - counters: `forwarded_requests_total`, `forwarded_upgrades_total`, `forward_failures_total`
///   (requests for sessions other nodes own), `engine_handshakes_total{transport}`, `engine_upgrades_total`,
///   `engine_packets_received_total`, `engine_packets_sent_total`, `engine_bytes_received_total`,
///   `engine_bytes_sent_total`, `engine_volatile_dropped_total`, `engine_errors_total{code,message}`,
///   `engine_payload_too_large_total`, `engine_closes_total{reason}`, `broadcasts_total`,
///   `connections_total`, `connect_errors_total`, `room_joins_refused_total` (past
///   `--max-rooms-per-socket`), `child_namespaces_removed_total`, `http_connections_refused_total` (over
///   `--max-connections`), `http_accept_pauses_total` (accept failed for want of descriptors),
///   `http_timeouts_total{deadline}` (headers, request, keep_alive, allow_request,
///   fallback), and with Redis `adapter_published_total`,
///   `adapter_received_total`, `adapter_dropped_total`, `redis_reconnects_total`,
///   `redis_messages_dropped_total{reason}` (malformed messages received, see `RedisInboundDropReason`).
final class NodeMetricsCollector: Sendable {
    /// A swift-metrics counter that follows a library atomic.
    private struct MirroredCounter {
        let counter: Counter
        let source: ManagedAtomic<Int>
        var exported = 0

        init(_ label: String, _ dimensions: [(String, String)] = [], source: ManagedAtomic<Int>) {
            self.counter = Counter(label: label, dimensions: dimensions)
            self.source = source
        }

        mutating func update() {
            let value = self.source.load(ordering: .relaxed)
            if value > self.exported { self.counter.increment(by: value - self.exported) }
            self.exported = max(self.exported, value)
        }
    }

    /// The gauges of one namespace.
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
        var counters: [MirroredCounter]
        var namespaces: [String: NamespaceGauges] = [:]
    }

    private let io: SocketIOServer
    private let readiness: NodeReadiness
    private let redis: RedisLink?
    private let state: NIOLockedValueBox<State>
    private let pollingClients = Gauge(label: "socketio_engine_clients", dimensions: [("transport", "polling")])
    private let webSocketClients = Gauge(label: "socketio_engine_clients", dimensions: [("transport", "websocket")])
    private let sessions = Gauge(label: "socketio_engine_sessions")
    private let httpConnections = Gauge(label: "socketio_http_connections")
    private let namespaceCount = Gauge(label: "socketio_namespaces")
    private let ready = Gauge(label: "socketio_node_ready")
    private let redisStates: [(RedisConnectionState, Gauge)]

    /// Instruments for `io`'s statistics; call after `MetricsSystem.bootstrap`.
    init(io: SocketIOServer, readiness: NodeReadiness, redis: RedisLink?, nodeID: String, adapterKind: String) {
        self.io = io
        self.readiness = readiness
        self.redis = redis
        Gauge(label: "socketio_node_info", dimensions: [("node", nodeID), ("adapter", adapterKind)]).record(1)

        let engine = io.engine.statistics
        var counters = [
            MirroredCounter("socketio_engine_handshakes_total", [("transport", "polling")], source: engine.pollingHandshakes),
            MirroredCounter("socketio_engine_handshakes_total", [("transport", "websocket")], source: engine.webSocketHandshakes),
            MirroredCounter("socketio_engine_upgrades_total", source: engine.upgrades),
            MirroredCounter("socketio_engine_packets_received_total", source: engine.messagesReceived),
            MirroredCounter("socketio_engine_packets_sent_total", source: engine.messagesSent),
            MirroredCounter("socketio_engine_bytes_received_total", source: engine.bytesReceived),
            MirroredCounter("socketio_engine_bytes_sent_total", source: engine.bytesSent),
            MirroredCounter("socketio_engine_volatile_dropped_total", source: engine.volatileDropped),
            MirroredCounter("socketio_engine_payload_too_large_total", source: engine.payloadTooLarge),
            MirroredCounter("socketio_forwarded_requests_total", source: engine.forwardedRequests),
            MirroredCounter("socketio_forwarded_upgrades_total", source: engine.forwardedUpgrades),
            MirroredCounter("socketio_forward_failures_total", source: engine.forwardFailures),
            MirroredCounter("socketio_broadcasts_total", source: io.statistics.broadcasts),
            MirroredCounter("socketio_connections_total", source: io.statistics.connections),
            MirroredCounter("socketio_connect_errors_total", source: io.statistics.connectErrors),
            MirroredCounter("socketio_room_joins_refused_total", source: io.statistics.roomJoinsRefused),
            MirroredCounter("socketio_child_namespaces_removed_total", source: io.statistics.childNamespacesRemoved),
            MirroredCounter("socketio_http_connections_refused_total", source: engine.connectionsRefused),
            MirroredCounter("socketio_http_accept_pauses_total", source: engine.acceptPauses),
            MirroredCounter("socketio_http_timeouts_total", [("deadline", "headers")], source: engine.headersTimeouts),
            MirroredCounter("socketio_http_timeouts_total", [("deadline", "request")], source: engine.requestTimeouts),
            MirroredCounter("socketio_http_timeouts_total", [("deadline", "keep_alive")], source: engine.keepAliveTimeouts),
            MirroredCounter("socketio_http_timeouts_total", [("deadline", "allow_request")], source: engine.allowRequestTimeouts),
            MirroredCounter("socketio_http_timeouts_total", [("deadline", "fallback")], source: engine.fallbackTimeouts),
        ]
        for (code, atomic) in engine.errorsByCode.enumerated() {
            let message = EngineHTTPError(rawValue: code)?.message ?? "unknown"
            counters.append(MirroredCounter("socketio_engine_errors_total", [("code", String(code)), ("message", message)], source: atomic))
        }
        for (reason, atomic) in engine.closesByReason.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            counters.append(MirroredCounter("socketio_engine_closes_total", [("reason", reason.rawValue)], source: atomic))
        }
        if let redis {
            let driver = redis.statistics
            counters += [
                MirroredCounter("socketio_adapter_published_total", source: driver.published),
                MirroredCounter("socketio_adapter_received_total", source: driver.received),
                MirroredCounter("socketio_adapter_dropped_total", source: driver.dropped),
                MirroredCounter("socketio_redis_reconnects_total", source: driver.reconnects),
            ]
            for (reason, atomic) in driver.inboundDropped.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                counters.append(MirroredCounter("socketio_redis_messages_dropped_total", [("reason", reason.rawValue)], source: atomic))
            }
            self.redisStates = [RedisConnectionState.connecting, .connected, .reconnecting, .closed].map { state in
                (state, Gauge(label: "socketio_redis_state", dimensions: [("state", state.rawValue)]))
            }
        } else {
            self.redisStates = []
        }
        self.state = NIOLockedValueBox(State(counters: counters))
    }

    /// Brings every instrument up to date.
    func collect() {
        let engine = self.io.engine.statistics
        self.pollingClients.record(engine.pollingSessions.load(ordering: .relaxed))
        self.webSocketClients.record(engine.webSocketSessions.load(ordering: .relaxed))
        self.sessions.record(self.io.engine.sessionCount)
        self.httpConnections.record(engine.openConnections.load(ordering: .relaxed))
        self.ready.record(self.readiness.report.ready ? 1 : 0)
        if let current = self.redis?.state() {
            for (state, gauge) in self.redisStates { gauge.record(state == current ? 1 : 0) }
        }
        let namespaces = self.io.allNamespaces
        self.namespaceCount.record(namespaces.count)
        self.state.withLockedValue { state in
            for index in state.counters.indices { state.counters[index].update() }
            for namespace in namespaces {
                let gauges = state.namespaces[namespace.name] ?? NamespaceGauges(namespace.name)
                state.namespaces[namespace.name] = gauges
                gauges.sockets.record(namespace.localSockets.count)
                gauges.rooms.record(namespace.adapter.localRooms.count)
                gauges.pendingAcks.record(namespace.pendingAckCount)
            }
        }
    }
}
