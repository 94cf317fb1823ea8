/// Reads a ``RedisClusterTopology`` from the reply of `CLUSTER SHARDS` (Redis ≥ 7) or `CLUSTER SLOTS`.
/// Both replies come from the network and are checked element by element: a wrong shape, a slot out of
/// range, a port out of range or a count past its bound throws ``RedisClusterTopologyError``.
enum RedisClusterTopologyParser {
    /// The most nodes of one shard, and of slot ranges of one shard, accepted.
    static let maxNodesPerShard = 64
    static let maxRangesPerShard = RedisClusterKeySlot.count

    /// `CLUSTER SHARDS`: `[[ "slots", [start, end, …], "nodes", [[ "id", …, "port", p, "ip", …,
    /// "endpoint", …, "role", "master"|"replica", …, "health", "online"|"failed"|"loading" ], …] ], …]`.
    /// A shard's primary is its `master` node, one whose health is `online` when there are several.
    static func parseShards(_ reply: RESPValue) throws(RedisClusterTopologyError) -> RedisClusterTopology {
        guard let shardValues = reply.elements else { throw RedisClusterTopologyError("CLUSTER SHARDS reply is not an array") }
        guard shardValues.count <= RedisClusterTopology.maxShards else { throw RedisClusterTopologyError("too many shards") }
        var shards: [RedisClusterTopology.Shard] = []
        for value in shardValues {
            let fields = try Self.map(value, what: "shard")
            guard let slotValues = fields["slots"]?.elements, let nodeValues = fields["nodes"]?.elements else {
                throw RedisClusterTopologyError("shard without slots or nodes")
            }
            guard slotValues.count % 2 == 0, slotValues.count / 2 <= Self.maxRangesPerShard else {
                throw RedisClusterTopologyError("odd or oversized slot list")
            }
            var ranges: [ClosedRange<Int>] = []
            var index = 0
            while index < slotValues.count {
                ranges.append(try Self.range(slotValues[index], slotValues[index + 1]))
                index += 2
            }
            guard nodeValues.count <= Self.maxNodesPerShard else { throw RedisClusterTopologyError("too many nodes in a shard") }
            var primaries: [(address: RedisNodeAddress, online: Bool)] = []
            var replicas: [RedisNodeAddress] = []
            for nodeValue in nodeValues {
                let node = try Self.map(nodeValue, what: "node")
                guard let port = node["port"]?.integer.flatMap({ Int(exactly: $0) }) else { throw RedisClusterTopologyError("node without a port") }
                let host = [node["endpoint"]?.string, node["ip"]?.string].compactMap { $0 }.first { !$0.isEmpty && $0 != "?" }
                guard let host, let address = RedisNodeAddress(host: host, port: port) else {
                    throw RedisClusterTopologyError("node with an unusable address")
                }
                if node["role"]?.string == "master" {
                    primaries.append((address, node["health"]?.string.map { $0 == "online" } ?? true))
                } else {
                    replicas.append(address)
                }
            }
            guard let primary = primaries.first(where: \.online) ?? primaries.first else {
                if ranges.isEmpty { continue }
                throw RedisClusterTopologyError("shard with slots but no primary")
            }
            shards.append(.init(primary: primary.address, replicas: replicas, slots: ranges))
        }
        return try RedisClusterTopology(shards: shards)
    }

    /// `CLUSTER SLOTS`: `[[start, end, [host, port, id, …], [replica host, port, id, …], …], …]`. An empty
    /// host means the node that answered (`answeredBy`).
    static func parseSlots(_ reply: RESPValue, answeredBy: RedisNodeAddress) throws(RedisClusterTopologyError) -> RedisClusterTopology {
        guard let entries = reply.elements else { throw RedisClusterTopologyError("CLUSTER SLOTS reply is not an array") }
        guard entries.count <= RedisClusterKeySlot.count else { throw RedisClusterTopologyError("too many slot ranges") }
        var byPrimary: [RedisNodeAddress: RedisClusterTopology.Shard] = [:]
        for entry in entries {
            guard let parts = entry.elements, parts.count >= 3, parts.count <= Self.maxNodesPerShard + 2 else {
                throw RedisClusterTopologyError("slot range of the wrong shape")
            }
            let range = try Self.range(parts[0], parts[1])
            let nodes = try parts[2...].map { (value: RESPValue) throws(RedisClusterTopologyError) -> RedisNodeAddress in
                guard let fields = value.elements, fields.count >= 2, let host = fields[0].string,
                    let port = fields[1].integer.flatMap({ Int(exactly: $0) }),
                    let address = RedisNodeAddress(host: host.isEmpty ? answeredBy.host : host, port: port)
                else { throw RedisClusterTopologyError("node with an unusable address") }
                return address
            }
            let primary = nodes[0]
            var shard = byPrimary[primary] ?? .init(primary: primary, replicas: [], slots: [])
            shard.slots.append(range)
            for replica in nodes.dropFirst() where !shard.replicas.contains(replica) {
                shard.replicas.append(replica)
            }
            byPrimary[primary] = shard
        }
        return try RedisClusterTopology(shards: Array(byPrimary.values))
    }

    /// A flat `[key, value, key, value, …]` array as a dictionary (RESP2's form of a map).
    private static func map(_ value: RESPValue, what: String) throws(RedisClusterTopologyError) -> [String: RESPValue] {
        guard let elements = value.elements, elements.count % 2 == 0, elements.count <= 64 else {
            throw RedisClusterTopologyError("\(what) is not a key/value array")
        }
        var fields: [String: RESPValue] = [:]
        var index = 0
        while index < elements.count {
            guard let key = elements[index].string else { throw RedisClusterTopologyError("\(what) has a non-text key") }
            fields[key] = elements[index + 1]
            index += 2
        }
        return fields
    }

    private static func range(_ start: RESPValue, _ end: RESPValue) throws(RedisClusterTopologyError) -> ClosedRange<Int> {
        guard let low = start.integer.flatMap({ Int(exactly: $0) }), let high = end.integer.flatMap({ Int(exactly: $0) }),
            low >= 0, low <= high, high < RedisClusterKeySlot.count
        else { throw RedisClusterTopologyError("slot range out of 0...16383") }
        return low...high
    }
}
