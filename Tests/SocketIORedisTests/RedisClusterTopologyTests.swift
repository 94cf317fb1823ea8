import NIOCore
import XCTest

@testable import SocketIORedis

final class RedisClusterTopologyTests: XCTestCase {
    private func bulk(_ text: String) -> RESPValue { .bulkString(ByteBuffer(string: text)) }

    private func node(_ port: Int, role: String, health: String = "online", ip: String = "127.0.0.1") -> RESPValue {
        .array([
            bulk("id"), bulk("id-\(port)"), bulk("port"), .integer(Int64(port)), bulk("ip"), bulk(ip), bulk("endpoint"), bulk(ip),
            bulk("role"), bulk(role), bulk("replication-offset"), .integer(0), bulk("health"), bulk(health),
        ])
    }

    private func shard(_ slots: [Int64], _ nodes: [RESPValue]) -> RESPValue {
        .array([bulk("slots"), .array(slots.map(RESPValue.integer)), bulk("nodes"), .array(nodes)])
    }

    private func address(_ port: Int) -> RedisNodeAddress { RedisNodeAddress(host: "127.0.0.1", port: port)! }

    func testClusterShardsReply() throws {
        let reply = RESPValue.array([
            shard([0, 5460], [node(7000, role: "master"), node(7003, role: "replica")]),
            shard([10923, 16383], [node(7002, role: "master")]),
            shard([5461, 10922], [node(7001, role: "master")]),
        ])
        let topology = try RedisClusterTopologyParser.parseShards(reply)
        XCTAssertEqual(topology.coveredSlots, 16384)
        XCTAssertEqual(topology.primaries, [address(7000), address(7001), address(7002)])
        XCTAssertEqual(topology.primary(forSlot: 0), address(7000))
        XCTAssertEqual(topology.primary(forSlot: 5461), address(7001))
        XCTAssertEqual(topology.primary(forSlot: 16383), address(7002))
        XCTAssertNil(topology.primary(forSlot: 16384))
        XCTAssertNil(topology.primary(forSlot: -1))
        XCTAssertEqual(topology.shards[0].replicas, [address(7003)])
        XCTAssertEqual(topology.primary(forKey: "foo"), address(7002))
    }

    func testAfterAFailoverTheOnlinePrimaryWins() throws {
        let reply = RESPValue.array([
            shard([0, 16383], [node(7000, role: "master", health: "failed"), node(7003, role: "master")])
        ])
        XCTAssertEqual(try RedisClusterTopologyParser.parseShards(reply).primary(forSlot: 1), address(7003))
    }

    func testClusterSlotsReplyWithAnEmptyHostMeaningTheNodeAsked() throws {
        let reply = RESPValue.array([
            .array([.integer(0), .integer(8000), .array([bulk(""), .integer(7000), bulk("a")]), .array([bulk("127.0.0.1"), .integer(7003), bulk("c")])]),
            .array([.integer(8001), .integer(16383), .array([bulk("127.0.0.1"), .integer(7001), bulk("b")])]),
        ])
        let topology = try RedisClusterTopologyParser.parseSlots(reply, answeredBy: address(7000))
        XCTAssertEqual(topology.primary(forSlot: 8000), address(7000))
        XCTAssertEqual(topology.primary(forSlot: 8001), address(7001))
        XCTAssertEqual(topology.allNodes, [address(7000), address(7001), address(7003)])
    }

    func testUncoveredSlotsHaveNoOwner() throws {
        let topology = try RedisClusterTopologyParser.parseShards(.array([shard([0, 99], [node(7000, role: "master")])]))
        XCTAssertEqual(topology.coveredSlots, 100)
        XCTAssertNil(topology.primary(forSlot: 100))
    }

    func testWrongShapesThrowInsteadOfTrapping() {
        let bad: [RESPValue] = [
            .integer(1),
            .bulkString(nil),
            .array([.integer(1)]),
            .array([shard([0, 16384], [node(7000, role: "master")])]),
            .array([shard([5, 4], [node(7000, role: "master")])]),
            .array([shard([-1, 4], [node(7000, role: "master")])]),
            .array([shard([0], [node(7000, role: "master")])]),
            .array([shard([0, 10], [node(0, role: "master")])]),
            .array([shard([0, 10], [node(70000, role: "master")])]),
            .array([shard([0, 10], [node(7000, role: "master", ip: "")])]),
            .array([shard([0, 10], [node(7000, role: "replica")])]),
            .array([shard([0, 10], [node(7000, role: "master")]), shard([10, 20], [node(7001, role: "master")])]),
            .array([.array([bulk("slots")])]),
            .array([.array([bulk("slots"), .integer(1), bulk("nodes"), .array([])])]),
            .array([shard([0, Int64.max], [node(7000, role: "master")])]),
            .array([shard([0, 10], [.array([bulk("port"), .integer(Int64.min)])])]),
        ]
        for reply in bad {
            XCTAssertThrowsError(try RedisClusterTopologyParser.parseShards(reply), "\(reply)")
        }
        let badSlots: [RESPValue] = [
            .integer(1),
            .array([.array([.integer(0), .integer(10)])]),
            .array([.array([.integer(0), .integer(10), .integer(7000)])]),
            .array([.array([.integer(0), .integer(20000), .array([bulk("h"), .integer(7000)])])]),
            .array([.array([.integer(0), .integer(10), .array([bulk("h"), .integer(-7000)])])]),
            .array([.array([.integer(0), .integer(10), .array([bulk("h"), bulk("7000")])])]),
        ]
        for reply in badSlots {
            XCTAssertThrowsError(try RedisClusterTopologyParser.parseSlots(reply, answeredBy: address(7000)), "\(reply)")
        }
    }

    func testTooManyShardsAreRefused() {
        let shards = (0..<1_100).map { RedisClusterTopology.Shard(primary: address(1_000 + $0), slots: [$0...$0]) }
        XCTAssertThrowsError(try RedisClusterTopology(shards: shards))
    }
}
