import NIOCore
import SocketIORedis

/// The node directory as Redis keys: `<prefix>#nodes#<tag>` → `host:port`, set with a TTL (`SET … PX`),
/// read with GET, removed with DEL.
public struct RedisNodeDirectoryStore: NodeDirectoryStore {
    let redis: any RedisKeyValueCommands
    let keyPrefix: String
    let timeout: TimeAmount

    /// A store on `redis` under `keyPrefix` (the adapter's prefix, `socket.io` by default).
    public init(redis: any RedisKeyValueCommands, keyPrefix: String = "socket.io", timeout: TimeAmount = .seconds(2)) {
        self.redis = redis
        self.keyPrefix = keyPrefix
        self.timeout = timeout
    }

    private func key(_ tag: String) -> String { "\(self.keyPrefix)#nodes#\(tag)" }

    public func register(tag: String, address: String, ttl: TimeAmount) async throws {
        try await self.redis.set(self.key(tag), value: address, expiresIn: ttl, timeout: self.timeout)
    }

    public func lookup(tag: String) async throws -> String? {
        try await self.redis.get(self.key(tag), timeout: self.timeout)
    }

    public func remove(tag: String) async throws {
        try await self.redis.delete(self.key(tag), timeout: self.timeout)
    }
}
