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
    /// `{"status":"degraded","node":"a1b2c3","redis":"reconnecting","redisLinks":{"10.0.0.5:7000":"connected",
    /// "10.0.0.6:7001":"reconnecting",…}}` (one entry per Redis Cluster primary).
    func readinessCheck() -> EngineHTTPResponse {
        let report = self.readiness.report
        var body: SocketIOValue = ["status": .string(report.status), "node": .string(self.nodeID)]
        if let redis = report.redis, case .object(var members) = body {
            members["redis"] = .string(redis.rawValue)
            if let links = report.redisLinks {
                members["redisLinks"] = .object(.init(uniqueKeysWithValues: links.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value.rawValue)) }))
            }
            body = .object(members)
        }
        return EngineHTTPResponse(
            status: report.ready ? .ok : .serviceUnavailable,
            contentType: "application/json",
            body: JSONSerializer.string(from: body)
        )
    }
}
