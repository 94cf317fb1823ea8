import NIOConcurrencyHelpers
import NIOCore

/// Where nodes publish `routing tag → internal address` with a time to live.
public protocol NodeDirectoryStore: Sendable {
    /// Sets `tag → address`, expiring after `ttl` unless refreshed.
    func register(tag: String, address: String, ttl: TimeAmount) async throws
    /// The address registered for `tag`, nil when none (or expired).
    func lookup(tag: String) async throws -> String?
    /// Removes `tag` (graceful shutdown).
    func remove(tag: String) async throws
}

/// A directory in this process, for tests with several nodes in one process.
public final class InMemoryNodeDirectoryStore: NodeDirectoryStore {
    private let entries = NIOLockedValueBox<[String: (address: String, expires: NIODeadline)]>([:])

    /// An empty directory.
    public init() {}

    public func register(tag: String, address: String, ttl: TimeAmount) async throws {
        self.entries.withLockedValue { $0[tag] = (address, .now() + ttl) }
    }

    public func lookup(tag: String) async throws -> String? {
        self.entries.withLockedValue { entries in
            guard let entry = entries[tag], entry.expires > .now() else { return nil }
            return entry.address
        }
    }

    public func remove(tag: String) async throws {
        _ = self.entries.withLockedValue { $0.removeValue(forKey: tag) }
    }
}
