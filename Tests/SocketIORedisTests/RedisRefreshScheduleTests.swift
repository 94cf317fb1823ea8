import NIOCore
import XCTest

@testable import SocketIORedis

final class RedisRefreshScheduleTests: XCTestCase {
    func testAtOnceThenEveryIntervalOrDegradedInterval() {
        var schedule = RedisRefreshSchedule(interval: .seconds(5), degradedInterval: .milliseconds(250))
        let start = NIODeadline.uptimeNanoseconds(1_000_000_000)
        XCTAssertTrue(schedule.isDue(now: start, urgent: false))
        XCTAssertFalse(schedule.isDue(now: start + .milliseconds(249), urgent: true))
        XCTAssertFalse(schedule.isDue(now: start + .seconds(1), urgent: false))
        XCTAssertTrue(schedule.isDue(now: start + .milliseconds(250), urgent: true))
        XCTAssertFalse(schedule.isDue(now: start + .seconds(5), urgent: false), "the urgent refresh restarted the interval")
        XCTAssertTrue(schedule.isDue(now: start + .milliseconds(5_250), urgent: false))
    }

    func testObserversHearOnlyChanges() {
        var observers = RedisStateObservers()
        let id = observers.add { _ in }
        _ = observers.add { _ in }
        XCTAssertNil(observers.report(.connecting), "connecting is where every driver starts")
        XCTAssertEqual(observers.report(.connected)?.count, 2)
        XCTAssertNil(observers.report(.connected))
        observers.remove(id)
        XCTAssertEqual(observers.report(.reconnecting)?.count, 1)
        XCTAssertEqual(observers.reported, .reconnecting)
    }
}
