import Logging
import NIOCore

extension RedisClusterDriver {
    /// Refreshes the topology until the driver closes: at once, then every `refreshInterval`, every
    /// `degradedRefreshInterval` while no topology is known or a primary is unreachable, and at the next
    /// tick (50 ms) after a MOVED or a dropped subscription asked for one (never more often than the
    /// degraded interval).
    func refreshLoop() async {
        var schedule = RedisRefreshSchedule(interval: self.configuration.refreshInterval, degradedInterval: self.configuration.degradedRefreshInterval)
        await schedule.run(
            probe: {
                self.releaseHeldPublishes()
                return self.shared.withLockedValue { state in
                    (state.closed, state.refreshRequested || state.topology == nil || state.nodes.values.contains { $0.state != .connected })
                }
            },
            refresh: { await self.refreshTopology() }
        )
    }

    /// The publishes held for a topology, unless a `-MOVED` hold is still running (they then stay).
    static func takePendingIfReleased(_ state: inout ClusterState) -> [RedisQueuedPublish] {
        if let until = state.holdPendingUntil {
            guard NIODeadline.now() >= until else { return [] }
            state.holdPendingUntil = nil
        }
        return state.pending.removeAll()
    }

    /// Sends what waited for the end of a `-MOVED` hold, once it ended (checked every 50 ms by the
    /// refresh loop).
    func releaseHeldPublishes() {
        let released = self.shared.withLockedValue { state -> [RedisQueuedPublish] in
            guard state.holdPendingUntil != nil, state.topology != nil else { return [] }
            return Self.takePendingIfReleased(&state)
        }
        for publish in released {
            self.route(publish)
        }
    }

    /// Asks one node after another (healthy primaries, seeds, then every other known node) for the
    /// topology and applies the first usable answer.
    func refreshTopology() async {
        let candidates = self.shared.withLockedValue { state -> [RedisNodeAddress] in
            state.refreshRequested = false
            let healthy = state.nodes.filter { $0.value.state == .connected }.map(\.key).sorted()
            let known = state.topology?.allNodes ?? []
            var seen = Set<RedisNodeAddress>()
            return (healthy + self.configuration.seeds + known).filter { seen.insert($0).inserted }
        }
        let eventLoop = self.eventLoopGroup.next()
        var lastError = "no node to ask"
        for address in candidates {
            if Task.isCancelled { return }
            do {
                let topology = try await self.queryTopology(at: address, on: eventLoop)
                self.clusterStatistics.topologyRefreshes.wrappingIncrement(ordering: .relaxed)
                await self.apply(topology)
                return
            } catch {
                lastError = "\(address): \(error)"
            }
        }
        let errors = self.clusterStatistics.topologyErrors.wrappingIncrementThenLoad(ordering: .relaxed)
        if errors & (errors - 1) == 0 {
            self.logger.warning("Redis Cluster topology unavailable; retrying", metadata: ["redis.error": "\(lastError)", "redis.failures": "\(errors)"])
        }
    }

    /// `CLUSTER SHARDS` at `address`, or `CLUSTER SLOTS` when the server does not know it.
    private func queryTopology(at address: RedisNodeAddress, on eventLoop: any EventLoop) async throws -> RedisClusterTopology {
        let url = self.configuration.url(of: address)
        let timeout = self.configuration.topologyTimeout
        let shards = try await RedisOneShotCommand.run([RedisCommand("CLUSTER", "SHARDS")], at: url, on: eventLoop, timeout: timeout)
        if let reply = shards.first, reply.errorMessage == nil {
            return try RedisClusterTopologyParser.parseShards(reply)
        }
        if let message = shards.first?.errorMessage, message.localizedCaseInsensitiveContains("cluster support disabled") {
            throw RedisClusterTopologyError("\(address) is not a Redis Cluster node (cluster support disabled); use redis:// for a single server")
        }
        let slots = try await RedisOneShotCommand.run([RedisCommand("CLUSTER", "SLOTS")], at: url, on: eventLoop, timeout: timeout)
        guard let reply = slots.first else { throw RedisClusterTopologyError("no reply") }
        if let message = reply.errorMessage { throw RedisDriverError.serverError(message) }
        return try RedisClusterTopologyParser.parseSlots(reply, answeredBy: address)
    }

    /// Makes `topology` current: links for new primaries, subscriptions and peer watches moved to their
    /// slots' owners, publishes held for a topology (and those queued for former primaries) sent, links
    /// to former primaries closed.
    func apply(_ topology: RedisClusterTopology) async {
        let primaries = Set(topology.primaries)
        let outcome = self.shared.withLockedValue { state -> ApplyOutcome? in
            guard !state.closed else { return nil }
            var outcome = ApplyOutcome()
            outcome.changed = state.topology != topology
            state.topology = topology
            state.topologyVersion += 1
            for address in primaries where state.nodes[address] == nil {
                let node = self.makeNode(address)
                state.nodes[address] = node
                outcome.started.append(node)
            }
            for (address, node) in state.nodes where !primaries.contains(address) {
                state.nodes[address] = nil
                state.retired.append(node)
                outcome.retired.append(node)
            }
            // Peer watches follow their channel's owner.
            for (channel, watch) in state.watched {
                let owner = topology.primary(forKey: channel)
                guard owner != watch.owner else { continue }
                if let old = watch.owner.flatMap({ state.nodes[$0] }) {
                    outcome.watchMoves.append((old, channel, -watch.count))
                }
                if let new = owner.flatMap({ state.nodes[$0] }) {
                    outcome.watchMoves.append((new, channel, watch.count))
                }
                state.watched[channel] = (watch.count, owner)
            }
            outcome.pending = Self.takePendingIfReleased(&state)
            return outcome
        }
        guard let outcome else { return }
        if outcome.changed {
            self.logger.info(
                "Redis Cluster topology",
                metadata: [
                    "redis.primaries": "\(topology.primaries.map(\.description).joined(separator: ","))",
                    "redis.coveredSlots": "\(topology.coveredSlots)",
                ]
            )
        }
        for node in outcome.started {
            node.start()
        }
        for (node, channel, delta) in outcome.watchMoves {
            for _ in 0..<abs(delta) {
                if delta > 0 { node.watchPeers(on: channel, sharded: true) } else { node.unwatchPeers(on: channel, sharded: true) }
            }
        }
        for publish in outcome.pending {
            self.route(publish)
        }
        self.placeSubscriptions()
        for node in outcome.retired {
            self.retire(node)
        }
        self.updateState()
    }

    /// Re-routes what a former primary still queues, then closes its link.
    private func retire(_ node: HiredisPubSubDriver) {
        Task {
            for publish in await node.takeQueuedPublishes() {
                self.route(publish)
            }
            await node.close(timeout: .seconds(1))
            self.shared.withLockedValue { state in state.retired.removeAll { $0 === node } }
        }
    }

    /// A link to the primary at `address`, sharing this driver's counters, reporting redirections here.
    private func makeNode(_ address: RedisNodeAddress) -> HiredisPubSubDriver {
        var logger = self.logger
        logger[metadataKey: "redis.node"] = "\(address)"
        let hooks = HiredisDriverHooks(
            shardSubscriptionDropped: { [weak self] channel in
                self?.subscriptionLost(channel, from: address, reason: "slot moved")
            },
            subscriptionRefused: { [weak self] name, message in
                self?.noteRedirect(message)
                self?.subscriptionLost(name, from: address, reason: message)
            },
            publishRefused: { [weak self] publish, message in
                guard let self else { return }
                self.noteRedirect(message)
                self.shared.withLockedValue { state in
                    state.refreshRequested = true
                    // The channel's slot moved: the other nodes lost their subscriptions to it at
                    // the same moment and subscribe on the new owner after their next topology.
                    // Hold what was redirected (and what follows it) until they have had the time.
                    let until = NIODeadline.now() + self.configuration.movedHold
                    state.holdPendingUntil = max(state.holdPendingUntil ?? until, until)
                    if !state.pending.append(publish) {
                        self.statistics.dropped.wrappingIncrement(ordering: .relaxed)
                    }
                }
            }
        )
        let node = HiredisPubSubDriver(
            url: self.configuration.url(of: address),
            eventLoopGroup: self.eventLoopGroup,
            configuration: self.configuration.node,
            logger: logger,
            statistics: self.statistics,
            hooks: hooks
        )
        node.addStateObserver { [weak self] nodeState in
            guard let self else { return }
            if nodeState == .reconnecting {
                self.shared.withLockedValue { $0.refreshRequested = true }
            }
            self.updateState()
        }
        return node
    }

    /// Counts a redirection by kind; a malformed one separately.
    func noteRedirect(_ message: String) {
        switch RedisRedirect(errorMessage: message)?.kind {
        case .moved: self.clusterStatistics.moved.wrappingIncrement(ordering: .relaxed)
        case .ask: self.clusterStatistics.asked.wrappingIncrement(ordering: .relaxed)
        case nil: self.clusterStatistics.badRedirects.wrappingIncrement(ordering: .relaxed)
        }
    }

    /// Waits until a topology newer than `version` is applied, or `deadline`.
    func awaitTopology(newerThan version: Int, deadline: NIODeadline) async {
        self.shared.withLockedValue { $0.refreshRequested = true }
        while NIODeadline.now() < deadline, !Task.isCancelled {
            let (current, closed) = self.shared.withLockedValue { ($0.topologyVersion, $0.closed) }
            if current > version || closed { return }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }
}

/// What applying a topology must do outside the lock.
struct ApplyOutcome {
    var changed = false
    var started: [HiredisPubSubDriver] = []
    var retired: [HiredisPubSubDriver] = []
    var watchMoves: [(HiredisPubSubDriver, String, Int)] = []
    var pending: [RedisQueuedPublish] = []
}
