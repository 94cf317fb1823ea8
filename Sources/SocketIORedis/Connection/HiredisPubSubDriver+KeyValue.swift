import NIOCore

extension HiredisPubSubDriver: RedisKeyValueCommands {
    public func set(_ key: String, value: String, expiresIn ttl: TimeAmount, timeout: TimeAmount) async throws {
        let milliseconds = max(1, ttl.nanoseconds / 1_000_000)
        _ = try await self.send(RedisCommand("SET", key, value, "PX", String(milliseconds)), timeout: timeout)
    }

    public func get(_ key: String, timeout: TimeAmount) async throws -> String? {
        switch try await self.send(RedisCommand("GET", key), timeout: timeout) {
        case .bulkString(.some(let buffer)): return String(buffer: buffer)
        case .bulkString(.none): return nil
        case let other: throw RedisDriverError.unexpectedReply("\(other)")
        }
    }

    public func delete(_ key: String, timeout: TimeAmount) async throws {
        _ = try await self.send(RedisCommand("DEL", key), timeout: timeout)
    }

    /// Sends one command on the command connection and returns its reply; with `asking`, an `ASKING`
    /// goes right before it (a Redis Cluster `-ASK` redirection).
    func send(_ command: RedisCommand, asking: Bool = false, timeout: TimeAmount) async throws -> RESPValue {
        let promise = self.eventLoop.makePromise(of: RESPValue.self)
        self.onLoop { core in
            if asking {
                // Written in the same turn of the loop, so nothing comes between the two.
                core.send(RedisCommand("ASKING"), timeout: timeout, promise: core.eventLoop.makePromise())
            }
            core.send(command, timeout: timeout, promise: promise)
        }
        return try await promise.futureResult.get()
    }
}
