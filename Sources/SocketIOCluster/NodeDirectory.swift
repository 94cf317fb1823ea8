import Logging
import NIOConcurrencyHelpers
import NIOCore

/// This node's entry in the cluster's node directory (routing tag → internal address, refreshed before
/// its time to live runs out, removed on graceful shutdown), and lookups of other nodes' entries with
/// a short cache.
public final class NodeDirectory: Sendable {
    /// This node's routing tag.
    public let tag: NodeRoutingTag
    /// The address other nodes forward to (`host:port`).
    public let advertisedAddress: String
    let store: any NodeDirectoryStore
    let ttl: TimeAmount
    let logger: Logger
    private let cache = NIOLockedValueBox<[String: (address: String?, until: NIODeadline)]>([:])
    private let refreshTask = NIOLockedValueBox<Task<Void, Never>?>(nil)

    /// A directory entry for `tag` at `advertisedAddress`, kept in `store` with `ttl`.
    public init(tag: NodeRoutingTag, advertisedAddress: String, store: any NodeDirectoryStore, ttl: TimeAmount = .seconds(15), logger: Logger) {
        self.tag = tag
        self.advertisedAddress = advertisedAddress
        self.store = store
        self.ttl = ttl
        self.logger = logger
    }

    /// Registers now and refreshes every third of the TTL until ``leave()``. A failed registration (Redis
    /// not reachable yet, or away) is retried every 250 ms.
    public func join() {
        let interval = TimeAmount.nanoseconds(max(self.ttl.nanoseconds / 3, 100_000_000))
        let task = Task { [self] in
            var failures = 0
            while !Task.isCancelled {
                var pause = interval
                do {
                    try await self.store.register(tag: self.tag.value, address: self.advertisedAddress, ttl: self.ttl)
                    if failures > 0 { self.logger.info("registered in the node directory", metadata: ["tag": "\(self.tag)"]) }
                    failures = 0
                } catch {
                    if failures == 0 { self.logger.warning("node directory registration failed; retrying", metadata: ["error": "\(error)"]) }
                    failures += 1
                    pause = .milliseconds(250)
                }
                try? await Task.sleep(nanoseconds: UInt64(clamping: pause.nanoseconds))
            }
        }
        self.refreshTask.withLockedValue { $0 = task }
    }

    /// Stops refreshing and removes this node's entry (bounded by `timeout`).
    public func leave(timeout: TimeAmount = .seconds(2)) async {
        self.refreshTask.withLockedValue { task in
            task?.cancel()
            task = nil
        }
        let store = self.store
        let tag = self.tag.value
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await store.remove(tag: tag) }
            // A timeout at or below zero (a shutdown whose budget is spent) waits for nothing.
            group.addTask { try? await Task.sleep(nanoseconds: UInt64(clamping: timeout.nanoseconds)) }
            await group.next()
            group.cancelAll()
        }
    }

    /// The address of the node with `tag`; cached for 2 s when found and 1 s when not.
    public func address(of tag: String) async -> String? {
        let now = NIODeadline.now()
        if let cached = self.cache.withLockedValue({ $0[tag] }), cached.until > now { return cached.address }
        let address = try? await self.store.lookup(tag: tag)
        self.cache.withLockedValue { cache in
            if cache[tag] == nil, cache.count >= Self.cacheCapacity { Self.makeRoom(in: &cache, now: now) }
            cache[tag] = (address, now + (address == nil ? .seconds(1) : .seconds(2)))
        }
        return address
    }

    /// Entries the address cache holds at most.
    static let cacheCapacity = 4096

    /// Frees one place in a full cache: the expired entries go; if none had, the one closest to
    /// expiring. Entries leave one by one, so a burst of unknown tags cannot empty the cache of the
    /// addresses in use.
    static func makeRoom(in cache: inout [String: (address: String?, until: NIODeadline)], now: NIODeadline) {
        let before = cache.count
        cache = cache.filter { $0.value.until > now }
        guard cache.count == before, let soonest = cache.min(by: { $0.value.until < $1.value.until }) else { return }
        cache.removeValue(forKey: soonest.key)
    }

    /// Forgets a cached address (its node did not answer).
    public func forget(_ tag: String) {
        _ = self.cache.withLockedValue { $0.removeValue(forKey: tag) }
    }
}
