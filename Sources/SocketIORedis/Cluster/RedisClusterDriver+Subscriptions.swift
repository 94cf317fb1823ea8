import NIOCore

extension RedisClusterDriver {
    /// Subscribes to a shard channel on the primary that owns its slot (on that primary's subscriber
    /// connection), following `-MOVED` through topology refreshes until `timeout`. The subscription moves
    /// by itself when its slot does. Classic kinds throw ``RedisClusterError/classicModeUnsupported``.
    public func subscribe(_ name: String, kind: RedisSubscriptionKind, timeout: TimeAmount, handler: @escaping RedisMessageHandler) async throws {
        guard kind == .sharded else { throw RedisClusterError.classicModeUnsupported }
        let deadline = NIODeadline.now() + timeout
        try self.shared.withLockedValue { state in
            guard !state.closed else { throw RedisDriverError.closed }
            if var entry = state.subscriptions[name] {
                entry.handler = handler
                state.subscriptions[name] = entry
            } else {
                state.subscriptions[name] = .init(handler: handler, owner: nil, placement: 0)
            }
        }
        var redirects = 0
        while true {
            let version = self.shared.withLockedValue { $0.topologyVersion }
            guard let (node, _) = try self.place(name, force: true) else {
                // No topology yet, or nobody owns the slot: wait for the next one.
                guard NIODeadline.now() < deadline else { throw RedisDriverError.timeout }
                await self.awaitTopology(newerThan: version, deadline: deadline)
                continue
            }
            do {
                let remaining = deadline - NIODeadline.now()
                guard remaining > .zero else { throw RedisDriverError.timeout }
                try await node.subscribe(name, kind: .sharded, timeout: remaining, handler: handler)
                return
            } catch RedisDriverError.serverError(let message) where RedisRedirect.isRedirect(message) || message == "slot moved" {
                redirects += 1
                guard redirects <= self.configuration.maxRedirects else { throw RedisClusterError.tooManyRedirects }
                await self.awaitTopology(newerThan: version, deadline: deadline)
            }
        }
    }

    /// Points `name` at its slot's owner: when the owner changed (or `force`, or it was never placed),
    /// the old primary's link forgets it and the new one's is returned for the SSUBSCRIBE, with the
    /// placement's number. Nil when no topology names an owner.
    private func place(_ name: String, force: Bool) throws -> (HiredisPubSubDriver, UInt64)? {
        let (result, old) = try self.shared.withLockedValue { state -> ((HiredisPubSubDriver, UInt64)?, HiredisPubSubDriver?) in
            guard !state.closed else { throw RedisDriverError.closed }
            guard var entry = state.subscriptions[name] else {
                throw RedisDriverError.unexpectedReply("unsubscribed before Redis confirmed the subscription")
            }
            guard let owner = state.topology?.primary(forKey: name), let node = state.nodes[owner] else { return (nil, nil) }
            if entry.owner == owner && !force { return (nil, nil) }
            let old = entry.owner.flatMap { $0 == owner ? nil : state.nodes[$0] }
            if entry.owner != nil && entry.owner != owner {
                self.clusterStatistics.subscriptionMoves.wrappingIncrement(ordering: .relaxed)
            }
            state.lastPlacement += 1
            entry.owner = owner
            entry.placement = state.lastPlacement
            state.subscriptions[name] = entry
            return ((node, state.lastPlacement), old)
        }
        old?.unsubscribe(name, kind: .sharded)
        return result
    }

    /// After a topology change or a lost subscription: sends every subscription whose slot's owner is
    /// not where it was placed to the owner (in the background, bounded by the connect timeout; a
    /// failure leaves it to the next topology).
    func placeSubscriptions() {
        let names = self.shared.withLockedValue { state -> [String] in
            guard let topology = state.topology else { return [] }
            return state.subscriptions.filter { $0.value.owner != topology.primary(forKey: $0.key) }.map(\.key)
        }
        for name in names {
            guard let placed = try? self.place(name, force: false) else { continue }
            let (node, placement) = placed
            let handler = self.shared.withLockedValue { $0.subscriptions[name]?.handler }
            guard let handler else { continue }
            let timeout = self.configuration.node.connectTimeout
            Task {
                do {
                    try await node.subscribe(name, kind: .sharded, timeout: timeout, handler: handler)
                } catch {
                    // Redirected or not answered: the next topology places it again.
                    self.shared.withLockedValue { state in
                        if state.subscriptions[name]?.placement == placement, case RedisDriverError.serverError = error {
                            state.subscriptions[name]?.owner = nil
                            state.refreshRequested = true
                        }
                    }
                }
            }
        }
    }

    /// A primary's link forgot `name` (Redis moved its slot, or refused it with a redirection): it is
    /// placed again after the next topology.
    func subscriptionLost(_ name: String, from address: RedisNodeAddress, reason: String) {
        let lost = self.shared.withLockedValue { state -> Bool in
            guard state.subscriptions[name]?.owner == address else { return false }
            state.subscriptions[name]?.owner = nil
            state.refreshRequested = true
            return true
        }
        guard lost else { return }
        let count = self.clusterStatistics.subscriptionsLost.wrappingIncrementThenLoad(ordering: .relaxed)
        // One line per power of two: a server that keeps refusing does not flood the log.
        if count & (count - 1) == 0 {
            self.logger.info(
                "Redis Cluster: shard subscription lost; placing it again",
                metadata: ["redis.subscription": "\(name)", "redis.reason": "\(reason)", "redis.lostTotal": "\(count)"]
            )
        }
    }

    public func unsubscribe(_ name: String, kind: RedisSubscriptionKind) {
        guard kind == .sharded else { return }
        let node = self.shared.withLockedValue { state -> HiredisPubSubDriver? in
            guard let entry = state.subscriptions.removeValue(forKey: name) else { return nil }
            return entry.owner.flatMap { state.nodes[$0] }
        }
        node?.unsubscribe(name, kind: .sharded)
    }

    // MARK: Peer watch

    public func watchPeers(on channel: String, sharded: Bool) {
        guard sharded else { return }
        let node = self.shared.withLockedValue { state -> HiredisPubSubDriver? in
            let owner = state.watched[channel]?.owner ?? state.topology?.primary(forKey: channel)
            state.watched[channel] = ((state.watched[channel]?.count ?? 0) + 1, owner)
            return owner.flatMap { state.nodes[$0] }
        }
        node?.watchPeers(on: channel, sharded: true)
    }

    public func unwatchPeers(on channel: String, sharded: Bool) {
        guard sharded else { return }
        let node = self.shared.withLockedValue { state -> HiredisPubSubDriver? in
            guard let watch = state.watched[channel] else { return nil }
            state.watched[channel] = watch.count > 1 ? (watch.count - 1, watch.owner) : nil
            return watch.owner.flatMap { state.nodes[$0] }
        }
        node?.unwatchPeers(on: channel, sharded: true)
    }
}
