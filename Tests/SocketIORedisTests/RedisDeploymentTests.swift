import XCTest

@testable import SocketIORedis

final class RedisDeploymentTests: XCTestCase {
    private func address(_ host: String, _ port: Int) -> RedisNodeAddress { RedisNodeAddress(host: host, port: port)! }

    func testStandalone() throws {
        XCTAssertEqual(try RedisDeployment("redis://:pw@cache:6380/2"), .standalone(try RedisURL("redis://:pw@cache:6380/2")))
    }

    func testClusterSeedsAndCredentials() throws {
        guard case .cluster(let configuration) = try RedisDeployment("redis-cluster://app:s%40cret@10.0.0.1:7000,10.0.0.2:7001,[::1]:7002") else {
            return XCTFail("not a cluster")
        }
        XCTAssertEqual(configuration.seeds, [address("10.0.0.1", 7000), address("10.0.0.2", 7001), address("::1", 7002)])
        XCTAssertEqual(configuration.username, "app")
        XCTAssertEqual(configuration.password, "s@cret")
        XCTAssertEqual("\(try RedisDeployment("redis-cluster://:pw@h:1,h:2"))", "redis-cluster://:***@h:1,h:2")
    }

    func testSentinelWithSeparatePasswords() throws {
        guard case .sentinel(let configuration) = try RedisDeployment("redis-sentinel://:redispw@s1:26379,s2:26380/mymaster?sentinel-password=sent%26pw") else {
            return XCTFail("not sentinel")
        }
        XCTAssertEqual(configuration.sentinels, [address("s1", 26379), address("s2", 26380)])
        XCTAssertEqual(configuration.masterName, "mymaster")
        XCTAssertEqual(configuration.password, "redispw")
        XCTAssertEqual(configuration.sentinelPassword, "sent&pw")
        XCTAssertEqual(configuration.primaryURL(address("m", 6379)).password, "redispw")
        XCTAssertEqual(configuration.sentinelURL(address("s1", 26379)).password, "sent&pw")
        XCTAssertFalse("\(try RedisDeployment("redis-sentinel://:redispw@s1:26379/m?sentinel-password=x"))".contains("redispw"))
    }

    func testMistakesAreNamed() {
        for text in [
            "redis-cluster://", "redis-cluster://h:1,,h:2", "redis-cluster://h:1/3", "redis-cluster://h:99999",
            "redis-cluster://h:1?x=y", "redis-sentinel://h:1", "redis-sentinel://h:1/", "redis-sentinel://h:1/m?what=1",
            "redis-sentinel://h:1/m/n",
        ] {
            XCTAssertThrowsError(try RedisDeployment(text), text)
        }
        XCTAssertTrue(try RedisDeployment("redis://h").supportsClassicPubSub)
        XCTAssertFalse(try RedisDeployment("redis-cluster://h:1").supportsClassicPubSub)
    }

    func testSentinelMasterAddressReply() {
        XCTAssertEqual(
            RedisSentinelDriver.masterAddress(.array([.bulkString(.init(string: "10.0.0.5")), .bulkString(.init(string: "6380"))])),
            address("10.0.0.5", 6380)
        )
        XCTAssertNil(RedisSentinelDriver.masterAddress(.bulkString(nil)))
        XCTAssertNil(RedisSentinelDriver.masterAddress(.array([.bulkString(.init(string: "h")), .bulkString(.init(string: "999999"))])))
        XCTAssertNil(RedisSentinelDriver.masterAddress(.array([.bulkString(.init(string: "h")), .integer(1)])))
    }
}
