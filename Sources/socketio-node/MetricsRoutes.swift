import EngineIO
import Metrics
import NIOCore
import Prometheus

/// `/metrics`: the Prometheus text exposition of everything recorded through swift-metrics.
struct MetricsRoutes: Sendable {
    /// Where swift-metrics instruments land; bootstrapped once per process by ``bootstrap()``.
    let registry: PrometheusCollectorRegistry

    /// Makes a registry and installs it as the process's swift-metrics backend.
    static func bootstrap() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }

    /// Collects the current values, then renders the registry.
    func scrape(collector: NodeMetricsCollector) -> EngineHTTPResponse {
        collector.collect()
        var bytes: [UInt8] = []
        self.registry.emit(into: &bytes)
        return EngineHTTPResponse(
            status: .ok,
            headers: ["Content-Type": "text/plain; version=0.0.4; charset=utf-8"],
            body: ByteBuffer(bytes: bytes)
        )
    }
}
