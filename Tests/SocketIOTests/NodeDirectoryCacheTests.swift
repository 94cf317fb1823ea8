import NIOCore
import XCTest

@testable import SocketIOCluster

/// The node directory's address cache gives up one entry at a time when full: a burst of lookups
/// for unknown tags cannot flush the addresses in use.
final class NodeDirectoryCacheTests: XCTestCase {
    private typealias Cache = [String: (address: String?, until: NIODeadline)]
    private let now = NIODeadline.uptimeNanoseconds(10_000_000_000)

    func testExpiredEntriesGoFirst() {
        var cache: Cache = [
            "live": ("10.0.0.1:3000", self.now + .seconds(2)),
            "old1": (nil, self.now - .seconds(1)),
            "old2": ("10.0.0.2:3000", self.now),
        ]
        NodeDirectory.makeRoom(in: &cache, now: self.now)
        XCTAssertEqual(Set(cache.keys), ["live"])
    }

    func testWithNothingExpiredOnlyTheEntryClosestToExpiringGoes() {
        var cache: Cache = [:]
        for index in 0..<NodeDirectory.cacheCapacity {
            cache["tag\(index)"] = ("10.0.0.\(index % 250):3000", self.now + .milliseconds(Int64(1_000 + index)))
        }
        NodeDirectory.makeRoom(in: &cache, now: self.now)
        XCTAssertEqual(cache.count, NodeDirectory.cacheCapacity - 1)
        XCTAssertNil(cache["tag0"])
        XCTAssertNotNil(cache["tag1"])
    }
}
