/// Which primary owns each of the 16384 slots of a Redis Cluster, as read from `CLUSTER SHARDS` or
/// `CLUSTER SLOTS` (see ``RedisClusterTopologyParser``). A value: a refresh builds a new one.
public struct RedisClusterTopology: Sendable, Hashable {
    /// One primary with its replicas and slot ranges.
    public struct Shard: Sendable, Hashable {
        /// The primary: SPUBLISH, SSUBSCRIBE and key commands of the shard's slots go there.
        public var primary: RedisNodeAddress
        /// The replicas (candidates for a later topology query).
        public var replicas: [RedisNodeAddress]
        /// The slots owned, as inclusive ranges within `0..<16384`.
        public var slots: [ClosedRange<Int>]

        /// A shard.
        public init(primary: RedisNodeAddress, replicas: [RedisNodeAddress] = [], slots: [ClosedRange<Int>]) {
            self.primary = primary
            self.replicas = replicas
            self.slots = slots
        }
    }

    /// The shards that own at least one slot, ordered by their first slot.
    public let shards: [Shard]
    /// Slot → index in `shards`; `UInt16.max` for a slot nobody owns.
    private let owners: [UInt16]
    /// The number of slots with an owner (16384 when the cluster is fully covered).
    public let coveredSlots: Int

    /// The most shards accepted (Redis Cluster's documented ceiling is 1000 nodes).
    static let maxShards = 1_024

    /// A topology from shards; throws when a range leaves `0..<16384`, two shards claim one slot, or
    /// there are more than ``maxShards`` shards. Shards without slots are left out.
    public init(shards: [Shard]) throws(RedisClusterTopologyError) {
        let owning = shards.filter { !$0.slots.isEmpty }
        guard owning.count <= Self.maxShards else { throw RedisClusterTopologyError("\(owning.count) shards (at most \(Self.maxShards))") }
        var owners = [UInt16](repeating: .max, count: RedisClusterKeySlot.count)
        var covered = 0
        let ordered = owning.sorted { ($0.slots.map(\.lowerBound).min() ?? 0) < ($1.slots.map(\.lowerBound).min() ?? 0) }
        for (index, shard) in ordered.enumerated() {
            for range in shard.slots {
                guard range.lowerBound >= 0, range.upperBound < RedisClusterKeySlot.count else {
                    throw RedisClusterTopologyError("slot range \(range) outside 0...16383")
                }
                for slot in range {
                    guard owners[slot] == .max else { throw RedisClusterTopologyError("slot \(slot) claimed by two shards") }
                    owners[slot] = UInt16(truncatingIfNeeded: index)
                    covered += 1
                }
            }
        }
        self.shards = ordered
        self.owners = owners
        self.coveredSlots = covered
    }

    /// The primary that owns `slot`; nil when nobody does or the slot is out of range.
    public func primary(forSlot slot: Int) -> RedisNodeAddress? {
        guard slot >= 0, slot < self.owners.count else { return nil }
        let index = Int(self.owners[slot])
        guard index < self.shards.count else { return nil }
        return self.shards[index].primary
    }

    /// The primary that owns `key`'s (or shard channel's) slot.
    public func primary(forKey key: String) -> RedisNodeAddress? {
        self.primary(forSlot: RedisClusterKeySlot.slot(of: key))
    }

    /// Every primary, once each, in shard order.
    public var primaries: [RedisNodeAddress] {
        var seen = Set<RedisNodeAddress>()
        return self.shards.map(\.primary).filter { seen.insert($0).inserted }
    }

    /// Every node named (primaries, then replicas), once each: where the next topology query may go.
    public var allNodes: [RedisNodeAddress] {
        var seen = Set<RedisNodeAddress>()
        return (self.shards.map(\.primary) + self.shards.flatMap(\.replicas)).filter { seen.insert($0).inserted }
    }
}

/// A topology reply that cannot be used; ``message`` says why.
public struct RedisClusterTopologyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong.
    public var message: String

    /// An error with a message.
    public init(_ message: String) {
        self.message = message
    }

    public var description: String { "unusable Redis Cluster topology: \(self.message)" }
}
