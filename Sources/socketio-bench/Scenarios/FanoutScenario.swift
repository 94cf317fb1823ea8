import ArgumentParser
import NIOCore

/// Runs `fanout` and `cluster-fanout`: connect the receivers (round robin over the URLs), make them join
/// the room, connect the publisher, then one warm-up + measurement per rate.
enum FanoutScenario {
    static func run(common: CommonOptions, run: RunOptions, load: FanoutLoadOptions, cluster: ClusterOptions?) async throws {
        try await BenchContext.perform(common, sockets: load.clients + 1) { context in
            try await Self.measure(context, run: run, load: load, cluster: cluster)
        }
    }

    private static func measure(_ context: BenchContext, run: RunOptions, load: FanoutLoadOptions, cluster: ClusterOptions?) async throws -> BenchReport {
        let bodies = EventBodies(style: context.common.handlers, payloadSize: load.payloadSize, parser: context.common.parser)
        let parser = context.common.parser
        let joinBody = bodies.join(room: load.room)
        let receivers = try await context.perLoop { stats, _ in ReceiverRole(stats: stats, joinBody: joinBody) }
        let targets = context.targets
        let scenario = cluster == nil ? "fanout" : "cluster-fanout"

        context.progress("opening \(load.clients) receivers on \(targets.count) node(s)")
        let batch = await ClientConnector.openMany(
            count: load.clients, concurrency: context.common.connectConcurrency, timeout: context.connectTimeout
        ) { index in
            let role = receivers[index % receivers.count]
            return ClientSpec(
                index: index, target: targets[index % targets.count], transport: .websocket,
                eventLoop: role.eventLoop, delegate: { role.value }, maxOutstandingAcks: 4, parser: parser
            )
        }
        let connected = batch.clients.count
        guard connected > 0 else {
            throw BenchError.notEnoughClients(connected: 0, wanted: load.clients, firstError: batch.failureReasons.first)
        }
        var setupFailures = batch.failures
        var setupSamples = batch.failureReasons

        if !load.namespace {
            let joined = try await Self.join(receivers, expected: connected)
            if joined == 0 {
                for role in receivers { try await role.eventLoop.submit { role.value.closeAll() }.get() }
                throw BenchError.scenario(
                    "no receiver's `join` was acknowledged within 10 s: does the server have the bench handlers? "
                        + "(socketio-node needs --bench-handlers; socketio-fixture needs --handlers fixture here)"
                )
            }
            if joined < connected {
                setupFailures += connected - joined
                setupSamples.append("only \(joined) of \(connected) receivers acknowledged the join")
            }
        }

        let publisherNode = cluster?.publisherNode ?? 0
        let publisherLoop = context.loop(for: load.clients)
        let body = bodies.fanout(room: load.namespace ? nil : load.room)
        let shared = context.shared
        let window = load.inFlight
        let maxLag = load.maxLag
        let publisher = try await publisherLoop.submit {
            NIOLoopBound(
                PublisherRole(body: body, shared: shared, receivers: connected, window: window, maxLag: maxLag, eventLoop: publisherLoop),
                eventLoop: publisherLoop
            )
        }.get()
        _ = try await ClientConnector.open(
            ClientSpec(
                index: load.clients, target: targets[publisherNode], transport: .websocket, eventLoop: publisherLoop,
                delegate: { publisher.value }, maxOutstandingAcks: max(4096, window), parser: parser
            ),
            timeout: context.connectTimeout
        ).get()

        let redis = try cluster?.redisAddress()
        var runs: [RunResult] = []
        for rate in try load.parsedRates() {
            let label = rate.map { "rate=\(Self.format($0))" } ?? "rate=max"
            context.progress("\(label): warming up \(run.warmup) s, measuring \(run.duration) s")
            let publishesBefore = try await redis.asyncMap { try await RedisCommandStats.publishCalls(host: $0.host, port: $0.port, on: publisherLoop) }
            let sentBefore = try await publisherLoop.submit { publisher.value.sent }.get()
            try await publisherLoop.submit { publisher.value.start(rate.map { .rate(perSecond: $0) } ?? .max) }.get()
            try await BenchContext.sleep(seconds: run.warmup)
            let windowSentStart = try await publisherLoop.submit {
                publisher.value.resetSendLag()
                return publisher.value.sent
            }.get()
            let measured = try await context.measure(seconds: run.duration)
            let (windowSentEnd, skipped, sendLag) = try await publisherLoop.submit {
                (publisher.value.sent, publisher.value.skipped, LatencySummary(publisher.value.sendLag))
            }.get()
            try await publisherLoop.submit { publisher.value.stop() }.get()
            let undelivered = try await Self.drain(publisher, on: publisherLoop, seconds: 3)
            let (sentAfter, failure) = try await publisherLoop.submit { (publisher.value.sent, publisher.value.failure) }.get()
            let publishesAfter = try await redis.asyncMap { try await RedisCommandStats.publishCalls(host: $0.host, port: $0.port, on: publisherLoop) }

            let sent = windowSentEnd - windowSentStart
            var notes: [String] = []
            var extra: [String: Double] = [
                "receivers": Double(connected),
                "broadcastsPerSecond": MeasurementWindow.rounded(Double(sent) / measured.seconds, 1),
                "undelivered": Double(undelivered),
            ]
            if let rate {
                extra["targetRate"] = rate
                extra["skippedBroadcasts"] = Double(skipped)
                if let sendLag {
                    // Latency counts from the actual send; how late the sends were against the schedule.
                    extra["sendLagP50Microseconds"] = sendLag.p50Microseconds
                    extra["sendLagP99Microseconds"] = sendLag.p99Microseconds
                    extra["sendLagMaxMicroseconds"] = sendLag.maxMicroseconds
                }
                if Double(sent) < rate * measured.seconds * 0.95 {
                    notes.append("fixed rate not sustained: \(sent) broadcasts sent, \(Int(rate * measured.seconds)) due")
                }
            } else {
                extra["inFlight"] = Double(window)
            }
            if undelivered > 0 { notes.append("\(undelivered) deliveries missing 3 s after the publisher stopped") }
            if let failure { notes.append("publisher failed: \(failure)") }
            if let before = publishesBefore, let after = publishesAfter, sentAfter > sentBefore {
                extra["redisPublishesPerBroadcast"] = MeasurementWindow.rounded(Double(after - before) / Double(sentAfter - sentBefore), 3)
            }
            var result = measured.result(
                label: label, operation: "delivered message", serverPIDs: context.common.serverPIDs, sent: sent, notes: notes, extra: extra
            )
            result.errors += undelivered > 0 ? 1 : 0
            result.errors += failure == nil ? 0 : 1
            runs.append(result)
            if failure != nil { break }
        }
        for role in receivers { try await role.eventLoop.submit { role.value.closeAll() }.get() }
        try await publisherLoop.submit { publisher.value.close() }.get()

        var parameters = [
            "clients": String(load.clients), "payloadSize": String(load.payloadSize), "inFlight": String(load.inFlight),
            "target": load.namespace ? "namespace" : "room \(load.room)", "handlers": context.common.handlers.rawValue, "parser": parser.rawValue,
            "duration": String(run.duration), "warmup": String(run.warmup), "nodes": String(targets.count),
        ]
        if cluster != nil { parameters["publisherNode"] = String(publisherNode) }
        return context.report(
            scenario: scenario, parameters: parameters, runs: runs, setupFailures: setupFailures, setupErrorSamples: setupSamples
        )
    }

    /// Sends the joins and waits (at most 10 s) for their acknowledgements; returns how many arrived.
    private static func join(_ receivers: [NIOLoopBound<ReceiverRole>], expected: Int) async throws -> Int {
        for role in receivers { try await role.eventLoop.submit { role.value.joinAll() }.get() }
        let deadline = Clock.now() + 10_000_000_000
        var joined = 0
        while Clock.now() < deadline {
            joined = 0
            for role in receivers { joined += try await role.eventLoop.submit { role.value.joined }.get() }
            if joined >= expected { break }
            try await BenchContext.sleep(seconds: 0.02)
        }
        return joined
    }

    /// Waits until everything sent was delivered, at most `seconds`; returns the deliveries still missing.
    private static func drain(_ publisher: NIOLoopBound<PublisherRole>, on loop: any EventLoop, seconds: Double) async throws -> Int {
        let deadline = Clock.now() + UInt64(seconds * 1e9)
        var missing = 0
        repeat {
            missing = try await loop.submit { publisher.value.undelivered }.get()
            if missing == 0 { break }
            try await BenchContext.sleep(seconds: 0.02)
        } while Clock.now() < deadline
        return missing
    }

    private static func format(_ rate: Double) -> String {
        rate == rate.rounded() ? String(Int(rate)) : String(rate)
    }
}
