import NIOCore

extension RedisClusterDriver: RedisKeyValueCommands {
    /// `PUBSUB SHARDNUMSUB channel` on every primary, summed (each shard answers for its own
    /// subscribers). Fails when the owner of the channel's slot does not answer; other primaries that
    /// do not answer count 0. Classic counts throw ``RedisClusterError/classicModeUnsupported``.
    public func subscriberCount(of channel: String, sharded: Bool, timeout: TimeAmount) async throws -> Int {
        guard sharded else { throw RedisClusterError.classicModeUnsupported }
        let (nodes, owner) = self.shared.withLockedValue { state in
            (state.nodes, state.topology?.primary(forKey: channel))
        }
        guard let owner, nodes[owner] != nil else { throw RedisDriverError.notConnected }
        return try await withThrowingTaskGroup(of: (RedisNodeAddress, Int?).self) { group in
            for (address, node) in nodes {
                group.addTask {
                    do {
                        return (address, try await node.subscriberCount(of: channel, sharded: true, timeout: timeout))
                    } catch {
                        if address == owner { throw error }
                        return (address, nil)
                    }
                }
            }
            var total = 0
            for try await (_, count) in group {
                total += count ?? 0
            }
            return total
        }
    }

    public func set(_ key: String, value: String, expiresIn ttl: TimeAmount, timeout: TimeAmount) async throws {
        let milliseconds = max(1, ttl.nanoseconds / 1_000_000)
        _ = try await self.send(RedisCommand("SET", key, value, "PX", String(milliseconds)), key: key, timeout: timeout)
    }

    public func get(_ key: String, timeout: TimeAmount) async throws -> String? {
        switch try await self.send(RedisCommand("GET", key), key: key, timeout: timeout) {
        case .bulkString(.some(let buffer)): return String(buffer: buffer)
        case .bulkString(.none): return nil
        case let other: throw RedisDriverError.unexpectedReply("\(other)")
        }
    }

    public func delete(_ key: String, timeout: TimeAmount) async throws {
        _ = try await self.send(RedisCommand("DEL", key), key: key, timeout: timeout)
    }

    /// Sends a one-key command to the primary owning `key`'s slot, following `-MOVED` (after a topology
    /// refresh, or straight to the named primary) and `-ASK` (`ASKING` first, on the named primary) up
    /// to `maxRedirects` times, all within `timeout`.
    func send(_ command: RedisCommand, key: String, timeout: TimeAmount) async throws -> RESPValue {
        let deadline = NIODeadline.now() + timeout
        var target: (node: HiredisPubSubDriver, asking: Bool)?
        var redirects = 0
        while true {
            let version = self.shared.withLockedValue { $0.topologyVersion }
            let routed = try target ?? self.shared.withLockedValue { state -> (node: HiredisPubSubDriver, asking: Bool)? in
                guard !state.closed else { throw RedisDriverError.closed }
                return state.topology?.primary(forKey: key).flatMap { state.nodes[$0] }.map { ($0, false) }
            }
            guard let routed else {
                guard NIODeadline.now() < deadline else { throw RedisClusterError.topologyUnknown }
                await self.awaitTopology(newerThan: version, deadline: deadline)
                continue
            }
            let remaining = deadline - NIODeadline.now()
            guard remaining > .zero else { throw RedisDriverError.timeout }
            do {
                return try await routed.node.send(command, asking: routed.asking, timeout: remaining)
            } catch RedisDriverError.serverError(let message) where RedisRedirect.isRedirect(message) {
                self.noteRedirect(message)
                redirects += 1
                guard redirects <= self.configuration.maxRedirects, let redirect = RedisRedirect(errorMessage: message) else {
                    throw redirects > self.configuration.maxRedirects ? RedisClusterError.tooManyRedirects : RedisDriverError.unexpectedReply(message)
                }
                let named = self.shared.withLockedValue { $0.nodes[redirect.address] }
                switch redirect.kind {
                case .ask:
                    guard let named else {
                        self.clusterStatistics.badRedirects.wrappingIncrement(ordering: .relaxed)
                        throw RedisDriverError.unexpectedReply("ASK to \(redirect.address), not a known primary")
                    }
                    target = (named, true)
                case .moved:
                    target = named.map { ($0, false) }
                    if target == nil {
                        await self.awaitTopology(newerThan: version, deadline: deadline)
                    } else {
                        self.shared.withLockedValue { $0.refreshRequested = true }
                    }
                }
            }
        }
    }
}
