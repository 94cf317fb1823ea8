import EngineIO
import NIOConcurrencyHelpers
import NIOHTTP1

/// The node's plain-HTTP routes, everything outside `/socket.io/`:
/// `/` (demo page), `/demo.js`, `/socket.io.min.js` (with `--client-script`), `/healthz`, `/readyz`,
/// `/metrics`. Only GET is answered; other methods get 405.
struct NodeRoutes: Sendable {
    let demo: DemoPage
    let health: HealthRoutes
    let metrics: MetricsRoutes
    let collector: NodeMetricsCollector

    func respond(to request: EngineHTTPRequest) -> EngineHTTPResponse {
        let route: () -> EngineHTTPResponse?
        switch request.path {
        case "/", "/index.html": route = { self.demo.page }
        case "/demo.js": route = { self.demo.script }
        case DemoPage.localClientPath: route = { self.demo.clientScript }
        case "/healthz": route = { self.health.liveness() }
        case "/readyz": route = { self.health.readinessCheck() }
        case "/metrics": route = { self.metrics.scrape(collector: self.collector) }
        default: return .notFound
        }
        guard request.method == .GET else {
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
}
