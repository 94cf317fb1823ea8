import NIOCore
import XCTest

@testable import EngineIO

/// The byte-bounded queue that holds frames for the next polling GET.
final class OutboundQueueTests: XCTestCase {
    func testAppendWithinTheLimitKeepsOrderAndCountsBytes() {
        var queue = EngineOutboundQueue(maxBytes: 10)
        XCTAssertTrue(queue.isEmpty)
        XCTAssertTrue(queue.append(text("4abc")))
        XCTAssertTrue(queue.append(binary([1, 2])))
        XCTAssertFalse(queue.isEmpty)
        XCTAssertEqual(queue.byteCount, 6)
        XCTAssertEqual(queue.drain(), [text("4abc"), binary([1, 2])])
        XCTAssertTrue(queue.isEmpty)
        XCTAssertEqual(queue.byteCount, 0)
    }

    func testAppendUpToExactlyTheLimitIsAccepted() {
        var queue = EngineOutboundQueue(maxBytes: 5)
        XCTAssertTrue(queue.append(text("4abcd")))
        XCTAssertEqual(queue.byteCount, 5)
    }

    func testAppendPastTheLimitIsRefusedAndChangesNothing() {
        var queue = EngineOutboundQueue(maxBytes: 5)
        XCTAssertTrue(queue.append(text("4ab")))
        XCTAssertFalse(queue.append(text("4cd")))
        XCTAssertEqual(queue.byteCount, 3)
        XCTAssertEqual(queue.drain(), [text("4ab")])
    }

    func testASingleFrameLargerThanTheLimitIsRefused() {
        var queue = EngineOutboundQueue(maxBytes: 3)
        XCTAssertFalse(queue.append(text("4abcd")))
        XCTAssertTrue(queue.isEmpty)
    }

    func testForceAppendIgnoresTheLimitAndLaterAppendsAreRefused() {
        var queue = EngineOutboundQueue(maxBytes: 2)
        queue.forceAppend(text("4abcdef"))
        XCTAssertEqual(queue.byteCount, 7)
        XCTAssertFalse(queue.append(text("4")))
        queue.forceAppend(text("1"))
        XCTAssertEqual(queue.drain(), [text("4abcdef"), text("1")])
    }

    func testSpaceIsReusableAfterADrain() {
        var queue = EngineOutboundQueue(maxBytes: 4)
        XCTAssertTrue(queue.append(text("4abc")))
        _ = queue.drain()
        XCTAssertTrue(queue.append(text("4xyz")))
        XCTAssertEqual(queue.drain(), [text("4xyz")])
        XCTAssertEqual(queue.drain(), [], "a second drain is empty")
    }
}
