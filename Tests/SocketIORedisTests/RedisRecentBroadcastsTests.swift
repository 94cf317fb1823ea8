import NIOCore
import SocketIO
import SocketIOProtocol
import XCTest

@testable import SocketIORedis

final class RedisRecentBroadcastsTests: XCTestCase {
    private let now = NIODeadline.uptimeNanoseconds(1_000_000_000)

    private func record(_ recent: inout RedisRecentBroadcasts, _ sequence: UInt64, rooms: Set<String> = ["r"]) {
        recent.record(id: (7, sequence), arguments: ["news", .int(Int(sequence)), .string("7-\(sequence)")], options: SocketIOBroadcastOptions(rooms: rooms))
    }

    func testAJoiningSocketGetsWhatWasDeliveredAfterItsRestoreReadAndNothingItRead() throws {
        var recent = RedisRecentBroadcasts()
        recent.beginRestore()
        record(&recent, 1)
        let counter = recent.counter
        // Delivered after the restore's last read was sent: 2 was in that read (id ≤ 3), 4 and 5 not.
        record(&recent, 2)
        record(&recent, 4)
        record(&recent, 5, rooms: ["elsewhere"])
        record(&recent, 6)
        recent.expect(socketID: "s", rooms: ["s", "r"], readThrough: (7, 3), counter: counter, now: self.now)
        recent.endRestore()
        let handover = try XCTUnwrap(recent.takeHandover("s"))
        XCTAssertNil(recent.takeHandover("s"), "taken once")
        let (events, complete) = recent.since(handover)
        XCTAssertEqual(events.map { $0[1] }, [4, 6])
        XCTAssertTrue(complete)
    }

    func testForgettingDeliveriesIsReportedNotHidden() throws {
        var recent = RedisRecentBroadcasts(capacity: 2)
        recent.beginRestore()
        let counter = recent.counter
        for sequence in UInt64(1)...5 { record(&recent, sequence) }
        recent.expect(socketID: "s", rooms: ["r"], readThrough: (7, 0), counter: counter, now: self.now)
        let (events, complete) = recent.since(try XCTUnwrap(recent.takeHandover("s")))
        XCTAssertEqual(events.map { $0[1] }, [4, 5], "the ring keeps the last two, in order")
        XCTAssertFalse(complete)
    }

    func testNothingIsRememberedWhenNoRestoreNeedsIt() throws {
        var recent = RedisRecentBroadcasts()
        record(&recent, 1)
        record(&recent, 2)
        XCTAssertEqual(recent.counter, 2, "deliveries are still counted")
        recent.beginRestore()
        let counter = recent.counter
        record(&recent, 3)
        recent.expect(socketID: "s", rooms: ["r"], readThrough: (7, 0), counter: counter, now: self.now)
        recent.endRestore()
        record(&recent, 4)
        let handover = try XCTUnwrap(recent.takeHandover("s"))
        XCTAssertEqual(recent.since(handover).events.map { $0[1] }, [3, 4])
        recent.releaseIfIdle()
        record(&recent, 5)
        recent.beginRestore()
        recent.expect(socketID: "t", rooms: ["r"], readThrough: (7, 0), counter: 4, now: self.now)
        let later = try XCTUnwrap(recent.takeHandover("t"))
        XCTAssertEqual(recent.since(later).events.map { $0[1] }, [], "5 came while nothing needed the ring")
        XCTAssertFalse(recent.since(later).complete, "and that is reported")
    }

    func testHandoversExpireAndAreBounded() {
        var recent = RedisRecentBroadcasts(handoverLifetime: .seconds(30), maxHandovers: 2)
        recent.expect(socketID: "old", rooms: [], readThrough: (0, 0), counter: 0, now: self.now)
        recent.expect(socketID: "a", rooms: [], readThrough: (0, 0), counter: 0, now: self.now + .seconds(31))
        XCTAssertNil(recent.takeHandover("old"), "expired")
        recent.expect(socketID: "b", rooms: [], readThrough: (0, 0), counter: 0, now: self.now + .seconds(32))
        recent.expect(socketID: "c", rooms: [], readThrough: (0, 0), counter: 0, now: self.now + .seconds(33))
        XCTAssertNil(recent.takeHandover("a"), "the oldest made room")
        XCTAssertNotNil(recent.takeHandover("b"))
        XCTAssertNotNil(recent.takeHandover("c"))
    }

    func testAHandoverWhoseSocketNeverJoinedExpiresAndTheRingEmpties() throws {
        var recent = RedisRecentBroadcasts(handoverLifetime: .seconds(30))
        recent.beginRestore()
        recent.expect(socketID: "gone", rooms: ["r"], readThrough: (7, 0), counter: 0, now: self.now)
        recent.endRestore()
        record(&recent, 1)
        recent.expire(now: self.now + .seconds(10))
        recent.beginRestore()
        recent.expect(socketID: "probe", rooms: ["r"], readThrough: (7, 0), counter: 0, now: self.now + .seconds(10))
        XCTAssertEqual(recent.since(try XCTUnwrap(recent.takeHandover("probe"))).events.count, 1, "still kept within its lifetime")
        recent.endRestore()
        recent.expire(now: self.now + .seconds(31))
        XCTAssertNil(recent.takeHandover("gone"), "expired without a new restore")
        recent.beginRestore()
        recent.expect(socketID: "later", rooms: ["r"], readThrough: (7, 0), counter: 0, now: self.now + .seconds(32))
        XCTAssertEqual(recent.since(try XCTUnwrap(recent.takeHandover("later"))).events, [], "the ring was emptied")
    }

    func testCatchUpsAreTakenOnce() {
        var recent = RedisRecentBroadcasts()
        recent.keepCatchUp([["news", 1]], for: "s")
        XCTAssertEqual(recent.takeCatchUp("s"), [["news", 1]])
        XCTAssertEqual(recent.takeCatchUp("s"), [])
    }
}
