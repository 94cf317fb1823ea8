import NIOCore

/// Any one-key command on a deployment's command link: what the streams adapter needs beyond pub/sub
/// (XADD, XREAD, XRANGE, SET, GETDEL, DEL). On a Redis Cluster the command goes to the primary that
/// owns `key`'s slot (following redirections); on Sentinel to the current primary.
public protocol RedisCommandSending: Sendable {
    /// Sends `arguments` (the command name first) and returns the reply; an error reply throws
    /// ``RedisDriverError/serverError(_:)``, no reply within `timeout` ``RedisDriverError/timeout``,
    /// and a link that is down ``RedisDriverError/notConnected`` at once.
    func command(_ arguments: [String], key: String, timeout: TimeAmount) async throws -> RESPValue

    /// Like ``command(_:key:timeout:)``, as a future. Commands submitted from one thread are written,
    /// and their futures completed, in submission order (the streams adapter relies on it to deliver
    /// broadcasts in the order Redis stored them).
    func submit(_ arguments: [String], key: String, timeout: TimeAmount) -> EventLoopFuture<RESPValue>
}

extension HiredisPubSubDriver: RedisCommandSending {
    public func command(_ arguments: [String], key: String, timeout: TimeAmount) async throws -> RESPValue {
        try await self.submit(arguments, key: key, timeout: timeout).get()
    }

    public func submit(_ arguments: [String], key: String, timeout: TimeAmount) -> EventLoopFuture<RESPValue> {
        let promise = self.eventLoop.makePromise(of: RESPValue.self)
        let command = RedisCommand(arguments: arguments.map(RedisCommandArgument.string))
        self.onLoop { core in core.send(command, timeout: timeout, promise: promise) }
        return promise.futureResult
    }
}

extension RedisClusterDriver: RedisCommandSending {
    public func command(_ arguments: [String], key: String, timeout: TimeAmount) async throws -> RESPValue {
        try await self.send(RedisCommand(arguments: arguments.map(RedisCommandArgument.string)), key: key, timeout: timeout)
    }

    /// Straight to the slot owner's connection when the topology names it (so order holds); a
    /// redirection, or an unknown owner, continues on the redirect-following path.
    public func submit(_ arguments: [String], key: String, timeout: TimeAmount) -> EventLoopFuture<RESPValue> {
        let owner = self.shared.withLockedValue { state in state.topology?.primary(forKey: key).flatMap { state.nodes[$0] } }
        guard let owner else {
            let promise = self.eventLoopGroup.any().makePromise(of: RESPValue.self)
            promise.completeWithTask { try await self.command(arguments, key: key, timeout: timeout) }
            return promise.futureResult
        }
        return owner.submit(arguments, key: key, timeout: timeout).flatMapError { error in
            guard case RedisDriverError.serverError(let message) = error, RedisRedirect.isRedirect(message) else {
                return owner.eventLoop.makeFailedFuture(error)
            }
            let promise = owner.eventLoop.makePromise(of: RESPValue.self)
            promise.completeWithTask { try await self.command(arguments, key: key, timeout: timeout) }
            return promise.futureResult
        }
    }
}

extension RedisSentinelDriver: RedisCommandSending {
    public func command(_ arguments: [String], key: String, timeout: TimeAmount) async throws -> RESPValue {
        try await self.submit(arguments, key: key, timeout: timeout).get()
    }

    public func submit(_ arguments: [String], key: String, timeout: TimeAmount) -> EventLoopFuture<RESPValue> {
        guard let driver = self.shared.withLockedValue({ $0.primary?.driver }) else {
            return self.eventLoopGroup.any().makeFailedFuture(RedisDriverError.notConnected)
        }
        return driver.submit(arguments, key: key, timeout: timeout)
    }
}
