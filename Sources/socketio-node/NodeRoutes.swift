import EngineIO
import NIOConcurrencyHelpers
import NIOHTTP1

/// The node's plain-HTTP routes, everything outside `/socket.io/`:
/// `/` (demo page), `/demo.js`, `/socket.io.min.js` (with `--client-script`), `/healthz`, `/readyz`,
/// `/metrics` (on `--metrics-port` instead when that is set: there only `/metrics`, `/healthz` and
/// `/readyz`). Only GET is answered; other methods get 405.
struct NodeRoutes: Sendable {
    let demo: DemoPage
    let health: HealthRoutes
    let metrics: MetricsRoutes
    let collector: NodeMetricsCollector
    /// `/metrics` is served on its own port, not on the clients' one.
    let metricsOnOwnPort: Bool

    func respond(to request: EngineHTTPRequest) -> EngineHTTPResponse {
        let route: () -> EngineHTTPResponse?
        switch request.path {
        case "/", "/index.html": route = { self.demo.page }
        case "/demo.js": route = { self.demo.script }
        case DemoPage.localClientPath: route = { self.demo.clientScript }
        case "/healthz": route = { self.health.liveness() }
        case "/readyz": route = { self.health.readinessCheck() }
        case "/metrics" where !self.metricsOnOwnPort: route = { self.metrics.scrape(collector: self.collector) }
        default: return .notFound
        }
        return Self.onlyGET(request.method, route)
    }

    /// The routes of `--metrics-port`.
    func respondOnMetricsPort(method: HTTPMethod, path: String) -> EngineHTTPResponse {
        let route: () -> EngineHTTPResponse?
        switch path {
        case "/metrics": route = { self.metrics.scrape(collector: self.collector) }
        case "/healthz": route = { self.health.liveness() }
        case "/readyz": route = { self.health.readinessCheck() }
        default: return .notFound
        }
        return Self.onlyGET(method, route)
    }

    private static func onlyGET(_ method: HTTPMethod, _ route: () -> EngineHTTPResponse?) -> EngineHTTPResponse {
        guard method == .GET else {
            var response = EngineHTTPResponse(status: .methodNotAllowed, body: "Method Not Allowed")
            response.headers.add(name: "Allow", value: "GET")
            return response
        }
        return route() ?? .notFound
    }
}

/// Holds the routes for the server's fallback closure, which must exist before the server does.
final class NodeRoutesBox: Sendable {
    private let routes = NIOLockedValueBox<NodeRoutes?>(nil)

    func set(_ routes: NodeRoutes) {
        self.routes.withLockedValue { $0 = routes }
    }

    /// The answer, or 503 while the node is still starting.
    func respond(to request: EngineHTTPRequest) -> EngineHTTPResponse {
        guard let routes = self.routes.withLockedValue({ $0 }) else {
            return EngineHTTPResponse(status: .serviceUnavailable, body: "starting")
        }
        return routes.respond(to: request)
    }

    /// The answer on `--metrics-port`, or 503 while the node is still starting.
    func respondOnMetricsPort(method: HTTPMethod, path: String) -> EngineHTTPResponse {
        guard let routes = self.routes.withLockedValue({ $0 }) else {
            return EngineHTTPResponse(status: .serviceUnavailable, body: "starting")
        }
        return routes.respondOnMetricsPort(method: method, path: path)
    }
}
