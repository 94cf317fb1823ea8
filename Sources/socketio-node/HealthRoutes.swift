import EngineIO
import SocketIOProtocol

/// `/healthz` (the process runs) and `/readyz` (send traffic here).
struct HealthRoutes: Sendable {
    let readiness: NodeReadiness
    let nodeID: String

    /// 200 `ok` while the process serves HTTP at all.
    func liveness() -> EngineHTTPResponse {
        EngineHTTPResponse(body: "ok")
    }

    /// 200 when ready, else 503; the JSON body says why, e.g.
    /// `{"status":"degraded","node":"a1b2c3","redis":"reconnecting"}`.
    func readinessCheck() -> EngineHTTPResponse {
        let report = self.readiness.report
        var body: SocketIOValue = ["status": .string(report.status), "node": .string(self.nodeID)]
        if let redis = report.redis, case .object(var members) = body {
            members["redis"] = .string(redis.rawValue)
            body = .object(members)
        }
        return EngineHTTPResponse(
            status: report.ready ? .ok : .serviceUnavailable,
            contentType: "application/json",
            body: JSONSerializer.string(from: body)
        )
    }
}
