import XCTest

@testable import SocketIORedis

final class RedisClusterKeySlotTests: XCTestCase {
    func testCRC16MatchesTheXModemCheckValue() {
        XCTAssertEqual(RedisClusterKeySlot.crc16(Array("123456789".utf8)), 0x31C3)
    }

    func testSlotsOfKnownKeys() {
        // Values from `CLUSTER KEYSLOT` on Redis 7.0.
        XCTAssertEqual(RedisClusterKeySlot.slot(of: "foo"), 12182)
        XCTAssertEqual(RedisClusterKeySlot.slot(of: "bar"), 5061)
        XCTAssertEqual(RedisClusterKeySlot.slot(of: "hello"), 866)
        XCTAssertEqual(RedisClusterKeySlot.slot(of: ""), 0)
    }

    func testHashTagsHashOnlyTheTag() {
        XCTAssertEqual(RedisClusterKeySlot.slot(of: "{user1000}.following"), RedisClusterKeySlot.slot(of: "{user1000}.followers"))
        XCTAssertEqual(RedisClusterKeySlot.slot(of: "a{foo}b"), RedisClusterKeySlot.slot(of: "foo"))
        // The first "{" and the first "}" after it; an empty tag hashes the whole key.
        XCTAssertEqual(RedisClusterKeySlot.slot(of: "foo{}{bar}"), Int(RedisClusterKeySlot.crc16(Array("foo{}{bar}".utf8)) & 0x3FFF))
        XCTAssertEqual(RedisClusterKeySlot.slot(of: "foo{{bar}}zap"), RedisClusterKeySlot.slot(of: "{bar"))
        XCTAssertEqual(RedisClusterKeySlot.slot(of: "foo{bar"), Int(RedisClusterKeySlot.crc16(Array("foo{bar".utf8)) & 0x3FFF))
    }

    func testEverySlotIsInRange() {
        for index in 0..<2_000 {
            XCTAssertTrue((0..<16_384).contains(RedisClusterKeySlot.slot(of: "socket.io#/#room-\(index)#")))
        }
    }
}
