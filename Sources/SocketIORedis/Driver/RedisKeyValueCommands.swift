import NIOCore

/// The few key commands the cluster's node directory needs, next to pub/sub on the same link.
public protocol RedisKeyValueCommands: Sendable {
    /// `SET key value PX ttl`.
    func set(_ key: String, value: String, expiresIn ttl: TimeAmount, timeout: TimeAmount) async throws
    /// `GET key`; nil when the key does not exist.
    func get(_ key: String, timeout: TimeAmount) async throws -> String?
    /// `DEL key`.
    func delete(_ key: String, timeout: TimeAmount) async throws
}
