import NIOConcurrencyHelpers

/// Values recorded by server handlers (on any loop), read by the test with bounded waits.
package final class TestRecorder<Value: Sendable>: Sendable {
    private let box = NIOLockedValueBox<[Value]>([])

    package init() {}

    /// Records `value`.
    package func append(_ value: Value) {
        self.box.withLockedValue { $0.append(value) }
    }

    /// Everything recorded so far, in order.
    package var values: [Value] { self.box.withLockedValue { $0 } }

    /// Waits until at least `count` values are recorded; answers them all.
    @discardableResult
    package func wait(forCount count: Int, _ what: String = "recorded values", timeout: Duration = .seconds(5)) async throws -> [Value] {
        try await TestWait.until("\(count) \(what) (have \(self.values))", timeout: timeout) {
            let values = self.values
            return values.count >= count ? values : nil
        }
    }
}
