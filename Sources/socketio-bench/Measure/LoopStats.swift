import Histogram
import NIOConcurrencyHelpers
import NIOCore

/// Counters of one event loop, touched only on that loop: every client of the loop adds to the same
/// object, so the hot path has no lock and no atomic. Scenarios reset and read them with `submit`.
final class LoopStats {
    /// Completed operations (deliveries, acks, handshakes) since the last reset.
    var operations = 0
    /// Latency of those operations.
    var latency = LatencyHistogram.make()
    /// Failures since the last reset.
    var errors = 0
    /// The first few failure reasons since the last reset.
    var errorSamples: [String] = []
    /// Operations not yet added to ``shared``.
    private var unpublished = 0
    /// Operations of every loop, never reset (read by the fan-out publisher for its window).
    let shared: SharedCounter

    /// Stats publishing into `shared`.
    init(shared: SharedCounter) {
        self.shared = shared
    }

    /// One operation, with its latency when known.
    @inline(__always)
    func record(latency nanoseconds: UInt64?) {
        self.operations += 1
        self.unpublished += 1
        if let nanoseconds { LatencyHistogram.record(nanoseconds, in: &self.latency) }
    }

    /// Adds the operations counted since the last call to the shared counter (one lock per read batch).
    @inline(__always)
    func publish() {
        guard self.unpublished > 0 else { return }
        self.shared.add(self.unpublished)
        self.unpublished = 0
    }

    /// One failure.
    func recordError(_ reason: String) {
        self.errors += 1
        if self.errorSamples.count < 5 { self.errorSamples.append(reason) }
    }

    /// Starts a new measurement window.
    func reset() {
        self.publish()
        self.operations = 0
        self.latency.reset()
        self.errors = 0
        self.errorSamples = []
    }

    /// The window so far.
    func snapshot() -> StatsSnapshot {
        self.publish()
        return StatsSnapshot(operations: self.operations, latency: self.latency, errors: self.errors, errorSamples: self.errorSamples)
    }
}

/// ``LoopStats`` copied out of a loop, and the sum over loops.
struct StatsSnapshot: Sendable {
    var operations = 0
    var latency = LatencyHistogram.make()
    var errors = 0
    var errorSamples: [String] = []

    /// Adds another loop's figures.
    mutating func merge(_ other: StatsSnapshot) {
        self.operations += other.operations
        self.latency.add(other.latency)
        self.errors += other.errors
        for sample in other.errorSamples where self.errorSamples.count < 5 { self.errorSamples.append(sample) }
    }
}

/// A counter shared by all loops, behind a lock; loops add to it once per read batch, not per message.
final class SharedCounter: Sendable {
    private let value = NIOLockedValueBox(0)

    /// A counter at zero.
    init() {}

    /// Adds `amount`.
    func add(_ amount: Int) {
        self.value.withLockedValue { $0 += amount }
    }

    /// The current total.
    var current: Int { self.value.withLockedValue { $0 } }
}
