import Metrics
import SocketIO
import SocketIORedis

/// The node's metrics: the library's (``SocketIOMetricsCollector``: engine, HTTP and Socket.IO
/// counters and gauges, ack latency and broadcast fan-out) plus what only the node knows.
///
/// Added here (names prefixed `socketio_`): gauges `node_ready`, `node_info{node,adapter}`, and with
/// Redis `redis_state{state}` (1 for the current state, 0 for the others); counters
/// `adapter_published_total`, `adapter_received_total`, `adapter_dropped_total`,
/// `redis_reconnects_total`, `redis_messages_dropped_total{reason}` (malformed messages received, see
/// `RedisInboundDropReason`), and `redis_links{state}` (how many Redis links, one per Redis Cluster
/// primary, are in each state); on a Redis Cluster also the counters `redis_cluster_moved_total`,
/// `redis_cluster_ask_total`, `redis_cluster_bad_redirects_total`, `redis_cluster_topology_refreshes_total`,
/// `redis_cluster_topology_errors_total`, `redis_cluster_subscription_moves_total` and
/// `redis_cluster_subscriptions_lost_total`.
final class NodeMetricsCollector: Sendable {
    private let library: SocketIOMetricsCollector

    /// Instruments for `io`'s statistics; call after `MetricsSystem.bootstrap`.
    init(io: SocketIOServer, readiness: NodeReadiness, redis: RedisLink?, nodeID: String, adapterKind: String) {
        let library = SocketIOMetricsCollector(server: io)
        self.library = library
        Gauge(label: "socketio_node_info", dimensions: [("node", nodeID), ("adapter", adapterKind)]).record(1)
        library.gauge("socketio_node_ready") { readiness.report.ready ? 1 : 0 }
        guard let redis else { return }
        let driver = redis.statistics
        library.mirror("socketio_adapter_published_total", source: driver.published)
        library.mirror("socketio_adapter_received_total", source: driver.received)
        library.mirror("socketio_adapter_dropped_total", source: driver.dropped)
        library.mirror("socketio_redis_reconnects_total", source: driver.reconnects)
        for (reason, atomic) in driver.inboundDropped.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            library.mirror("socketio_redis_messages_dropped_total", dimensions: [("reason", reason.rawValue)], source: atomic)
        }
        for state in [RedisConnectionState.connecting, .connected, .reconnecting, .closed] {
            library.gauge("socketio_redis_state", dimensions: [("state", state.rawValue)]) { redis.state() == state ? 1 : 0 }
            library.gauge("socketio_redis_links", dimensions: [("state", state.rawValue)]) { redis.links().filter { $0.state == state }.count }
        }
        if let cluster = redis.cluster {
            library.mirror("socketio_redis_cluster_moved_total", source: cluster.moved)
            library.mirror("socketio_redis_cluster_ask_total", source: cluster.asked)
            library.mirror("socketio_redis_cluster_bad_redirects_total", source: cluster.badRedirects)
            library.mirror("socketio_redis_cluster_topology_refreshes_total", source: cluster.topologyRefreshes)
            library.mirror("socketio_redis_cluster_topology_errors_total", source: cluster.topologyErrors)
            library.mirror("socketio_redis_cluster_subscription_moves_total", source: cluster.subscriptionMoves)
            library.mirror("socketio_redis_cluster_subscriptions_lost_total", source: cluster.subscriptionsLost)
        }
    }

    /// Brings every instrument up to date.
    func collect() {
        self.library.collect()
    }
}
