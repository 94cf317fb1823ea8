import NIOCore
import SocketIOProtocol
import XCTest

@testable import SocketIO

/// The events and sessions kept for connection state recovery: what a client gets back, and the
/// bounds (count, age) that keep the store from growing.
final class RecoveryStoreTests: XCTestCase {
    private func at(_ ms: Int64) -> NIODeadline { .uptimeNanoseconds(UInt64(10_000 + ms) * 1_000_000) }

    private func store(maxPackets: Int = 100, maxSessions: Int = 100) -> SocketIORecoveryStore {
        SocketIORecoveryStore(
            settings: SocketIOConnectionStateRecovery(maxDisconnectionDuration: .seconds(2), maxPackets: maxPackets, maxSessions: maxSessions),
            prefix: "test"
        )
    }

    private func offset(_ data: [SocketIOValue]) -> String { data.last?.stringValue ?? "" }

    func testMissedEventsFollowTheOffsetAndTheSessionsRooms() {
        var store = self.store()
        let seen = store.record(["e", 0], rooms: [], except: [], now: at(0))
        _ = store.record(["e", 1], rooms: ["a"], except: [], now: at(1))
        _ = store.record(["e", 2], rooms: ["b"], except: [], now: at(2))
        _ = store.record(["e", 3], rooms: [], except: ["a"], now: at(3))
        _ = store.record(["e", 4], rooms: ["sid"], except: [], now: at(4))
        store.persist(SocketIOSessionSnapshot(sid: "sid", pid: "pid", rooms: ["sid", "a"], data: ["k": 1]), now: at(5))
        let restored = store.restore(pid: "pid", offset: offset(seen), now: at(6))
        XCTAssertEqual(restored?.session.sid, "sid")
        XCTAssertEqual(restored?.missedPackets.map { Array($0.prefix(2)) }, [["e", 1], ["e", 4]])
        XCTAssertNil(store.restore(pid: "other", offset: offset(seen), now: at(6)))
        XCTAssertNil(store.restore(pid: "pid", offset: "test-zz", now: at(6)), "an offset never given out")
        XCTAssertNil(store.restore(pid: "pid", offset: "else-0", now: at(6)), "another store's offset")
    }

    func testTheOldestEventsGoPastMaxPacketsAndTheirOffsetsNoLongerRecover() {
        var store = self.store(maxPackets: 2)
        let first = store.record(["e", 0], rooms: [], except: [], now: at(0))
        let second = store.record(["e", 1], rooms: [], except: [], now: at(1))
        _ = store.record(["e", 2], rooms: [], except: [], now: at(2))
        XCTAssertEqual(store.counts.packets, 2)
        store.persist(SocketIOSessionSnapshot(sid: "s", pid: "p", rooms: ["s"], data: .null), now: at(3))
        XCTAssertNil(store.restore(pid: "p", offset: offset(first), now: at(4)))
        XCTAssertEqual(store.restore(pid: "p", offset: offset(second), now: at(4))?.missedPackets.count, 1)
    }

    func testSessionsAndEventsExpireAfterMaxDisconnectionDuration() {
        var store = self.store()
        let seen = store.record(["e"], rooms: [], except: [], now: at(0))
        store.persist(SocketIOSessionSnapshot(sid: "s", pid: "p", rooms: ["s"], data: .null), now: at(100))
        XCTAssertNotNil(store.restore(pid: "p", offset: offset(seen), now: at(1_000)))
        XCTAssertNil(store.restore(pid: "p", offset: offset(seen), now: at(2_200)), "the session expired")
        _ = store.record(["later"], rooms: [], except: [], now: at(5_000))
        XCTAssertEqual(store.counts.packets, 1, "expired events were dropped")
    }

    func testAtMaxSessionsANewSessionIsNotKept() {
        var store = self.store(maxSessions: 1)
        XCTAssertTrue(store.persist(SocketIOSessionSnapshot(sid: "1", pid: "p1", rooms: [], data: .null), now: at(0)))
        XCTAssertFalse(store.persist(SocketIOSessionSnapshot(sid: "2", pid: "p2", rooms: [], data: .null), now: at(1)))
        XCTAssertTrue(store.persist(SocketIOSessionSnapshot(sid: "3", pid: "p3", rooms: [], data: .null), now: at(3_000)), "the first one expired")
    }

    func testOffsetsThatAreNotNumbersDoNotMatch() {
        var store = self.store()
        _ = store.record(["e"], rooms: [], except: [], now: at(0))
        store.persist(SocketIOSessionSnapshot(sid: "s", pid: "p", rooms: [], data: .null), now: at(1))
        for offset in ["", "test", "test-", "test--1", "test-" + String(repeating: "z", count: 40), "test-0x"] {
            XCTAssertNil(store.restore(pid: "p", offset: offset, now: at(2)), offset)
        }
    }
}
