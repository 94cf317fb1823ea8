import NIOCore
import XCTest

@testable import SocketIORedis

final class HiredisDriverStateMachineTests: XCTestCase {
    private let backoff = RedisReconnectBackoff(initial: .milliseconds(50), maximum: .seconds(5), jitter: 0.5)

    func testFirstConnectSucceeds() {
        var machine = HiredisDriverStateMachine(backoff: self.backoff)
        XCTAssertEqual(machine.publicState, .connecting)
        XCTAssertEqual(machine.start(), .connect(generation: 1))
        XCTAssertEqual(machine.start(), .none, "start twice does nothing")
        XCTAssertEqual(machine.publicState, .connecting)
        XCTAssertEqual(machine.linkReady(generation: 1), .becameConnected(generation: 1, isReconnect: false))
        XCTAssertEqual(machine.publicState, .connected)
        XCTAssertTrue(machine.isConnected)
    }

    func testFailedAttemptsBackOffExponentiallyAndStayConnectingUntilFirstSuccess() {
        var machine = HiredisDriverStateMachine(backoff: self.backoff)
        _ = machine.start()
        var delays: [TimeAmount] = []
        for generation in UInt64(1)...8 {
            guard case .retry(generation, let delay) = machine.linkFailed(generation: generation, random: 0) else {
                return XCTFail("attempt \(generation) should retry")
            }
            delays.append(delay)
            XCTAssertEqual(machine.publicState, .connecting)
            XCTAssertEqual(machine.retryTimerFired(), .connect(generation: generation + 1))
        }
        XCTAssertEqual(delays.map { $0.nanoseconds / 1_000_000 }, [50, 100, 200, 400, 800, 1600, 3200, 5000])
    }

    func testLostLinkReconnectsAndCountsAsReconnect() {
        var machine = HiredisDriverStateMachine(backoff: self.backoff)
        _ = machine.start()
        _ = machine.linkReady(generation: 1)
        XCTAssertEqual(machine.linkFailed(generation: 1, random: 0), .retry(abandoning: 1, after: .milliseconds(50)))
        XCTAssertEqual(machine.publicState, .reconnecting)
        XCTAssertEqual(machine.retryTimerFired(), .connect(generation: 2))
        XCTAssertEqual(machine.publicState, .reconnecting)
        XCTAssertEqual(
            machine.linkFailed(generation: 2, random: 0),
            .retry(abandoning: 2, after: .milliseconds(100)),
            "the second attempt after a loss waits longer"
        )
        XCTAssertEqual(machine.retryTimerFired(), .connect(generation: 3))
        XCTAssertEqual(machine.linkReady(generation: 3), .becameConnected(generation: 3, isReconnect: true))
        XCTAssertEqual(machine.publicState, .connected)
        // After a success the backoff starts over.
        XCTAssertEqual(machine.linkFailed(generation: 3, random: 0), .retry(abandoning: 3, after: .milliseconds(50)))
    }

    func testStaleGenerationsAreIgnored() {
        var machine = HiredisDriverStateMachine(backoff: self.backoff)
        _ = machine.start()
        _ = machine.linkFailed(generation: 1, random: 0)
        XCTAssertEqual(machine.linkFailed(generation: 1, random: 0), .none, "the same failure reported twice")
        XCTAssertEqual(machine.linkReady(generation: 1), .none, "a late success of an abandoned attempt")
        XCTAssertEqual(machine.retryTimerFired(), .connect(generation: 2))
        XCTAssertEqual(machine.linkFailed(generation: 1, random: 0), .none)
        XCTAssertEqual(machine.retryTimerFired(), .none, "no timer runs while connecting")
        XCTAssertEqual(machine.currentGeneration, 2)
    }

    func testCloseWhileConnectedDrainsThenCloses() {
        var machine = HiredisDriverStateMachine(backoff: self.backoff)
        _ = machine.start()
        _ = machine.linkReady(generation: 1)
        XCTAssertEqual(machine.close(), .drain(generation: 1))
        XCTAssertEqual(machine.publicState, .connected)
        XCTAssertFalse(machine.isConnected, "no new publishes while closing")
        XCTAssertEqual(machine.close(), .none)
        XCTAssertEqual(machine.drained(), .finishClose)
        XCTAssertEqual(machine.publicState, .closed)
        XCTAssertEqual(machine.drained(), .none)
    }

    func testLinkLossWhileDrainingFinishesTheClose() {
        var machine = HiredisDriverStateMachine(backoff: self.backoff)
        _ = machine.start()
        _ = machine.linkReady(generation: 1)
        _ = machine.close()
        XCTAssertEqual(machine.linkFailed(generation: 1, random: 0.3), .finishClose)
        XCTAssertEqual(machine.publicState, .closed)
    }

    func testCloseFromEveryOtherStateClosesAtOnceAndStopsRetries() {
        var idle = HiredisDriverStateMachine(backoff: self.backoff)
        XCTAssertEqual(idle.close(), .finishClose)
        XCTAssertEqual(idle.start(), .none, "a closed driver never connects")

        var connecting = HiredisDriverStateMachine(backoff: self.backoff)
        _ = connecting.start()
        XCTAssertEqual(connecting.close(), .finishClose)
        XCTAssertEqual(connecting.linkReady(generation: 1), .none)

        var waiting = HiredisDriverStateMachine(backoff: self.backoff)
        _ = waiting.start()
        _ = waiting.linkFailed(generation: 1, random: 0)
        XCTAssertEqual(waiting.close(), .finishClose)
        XCTAssertEqual(waiting.retryTimerFired(), .none)
        XCTAssertEqual(waiting.publicState, .closed)
    }

    func testBackoffJitterStaysWithinItsShare() {
        let backoff = RedisReconnectBackoff(initial: .milliseconds(100), maximum: .seconds(1), jitter: 0.5)
        XCTAssertEqual(backoff.delay(attempt: 0, random: 0), .milliseconds(100))
        XCTAssertEqual(backoff.delay(attempt: 0, random: 1), .milliseconds(50))
        XCTAssertEqual(backoff.delay(attempt: 2, random: 0.5), .milliseconds(300))
        XCTAssertEqual(backoff.delay(attempt: 1_000, random: 0), .seconds(1), "huge attempts cap without overflow")
        for _ in 0..<100 {
            let delay = backoff.delay(attempt: 3, random: .random(in: 0...1))
            XCTAssertTrue((TimeAmount.milliseconds(400)...TimeAmount.milliseconds(800)).contains(delay), "\(delay)")
        }
    }

    func testPublishQueueIsBoundedAndKeepsTheOldest() {
        var queue = RedisPublishQueue(capacity: 2)
        let publishes = (0..<3).map { RedisQueuedPublish(payload: ByteBuffer(string: "\($0)"), channel: "c", sharded: $0 == 1) }
        XCTAssertTrue(queue.append(publishes[0]))
        XCTAssertTrue(queue.append(publishes[1]))
        XCTAssertFalse(queue.append(publishes[2]))
        XCTAssertEqual(queue.count, 2)
        XCTAssertEqual(queue.removeAll(), Array(publishes[0..<2]))
        XCTAssertEqual(queue.count, 0)
        var none = RedisPublishQueue(capacity: 0)
        XCTAssertFalse(none.append(publishes[0]))
    }

    func testSubscriptionRegistryTokensRejectStaleConfirmations() {
        var registry = RedisSubscriptionRegistry()
        let key = RedisSubscriptionKey(kind: .pattern, name: "room.*")
        guard case .added(let first) = registry.add(key, handler: { _ in }) else { return XCTFail() }
        registry.addWaiter(1, to: key)
        XCTAssertEqual(registry.add(key, handler: { _ in }), .replacedPending(token: first))
        XCTAssertEqual(registry.remove(key), [1])
        guard case .added(let second) = registry.add(key, handler: { _ in }) else { return XCTFail() }
        XCTAssertNotEqual(first, second)
        registry.addWaiter(2, to: key)
        XCTAssertNil(registry.handler(for: key), "no delivery before the confirmation")
        XCTAssertEqual(registry.confirm(key, token: first), [], "the confirmation of the removed instance")
        XCTAssertNil(registry.handler(for: key))
        XCTAssertEqual(registry.confirm(key, token: second), [2])
        XCTAssertNotNil(registry.handler(for: key))
        XCTAssertEqual(registry.add(key, handler: { _ in }), .replacedConfirmed)
        registry.resetConfirmations()
        XCTAssertEqual(registry.add(key, handler: { _ in }), .replacedPending(token: second))
        XCTAssertNil(registry.remove(key, token: first))
        XCTAssertEqual(registry.remove(key, token: second), [])
        XCTAssertTrue(registry.all.isEmpty)
    }
}
