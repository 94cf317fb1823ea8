import Histogram

/// Latency histograms of the bench: nanoseconds from 1 ns to 60 s at three significant digits (about
/// 200 KB each, so one per event loop, never one per connection).
enum LatencyHistogram {
    /// The largest latency kept as itself; longer ones are recorded as this value.
    static let highest: UInt64 = 60_000_000_000

    /// An empty histogram.
    static func make() -> Histogram<UInt64> {
        Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: Self.highest, numberOfSignificantValueDigits: .three)
    }

    /// Records `nanoseconds`, clamped to the trackable range.
    @inline(__always)
    static func record(_ nanoseconds: UInt64, in histogram: inout Histogram<UInt64>) {
        _ = histogram.record(min(max(nanoseconds, 1), Self.highest))
    }
}

/// Percentiles of a latency histogram in microseconds, as reported.
struct LatencySummary: Codable, Sendable, Equatable {
    /// Samples.
    var count: UInt64
    var minMicroseconds: Double
    var meanMicroseconds: Double
    var p50Microseconds: Double
    var p90Microseconds: Double
    var p99Microseconds: Double
    var p999Microseconds: Double
    var maxMicroseconds: Double

    /// The summary of `histogram` (nanoseconds); nil when it holds no sample.
    init?(_ histogram: Histogram<UInt64>) {
        guard histogram.totalCount > 0 else { return nil }
        func micro(_ nanoseconds: UInt64) -> Double { (Double(nanoseconds) / 1000 * 100).rounded() / 100 }
        self.count = histogram.totalCount
        self.minMicroseconds = micro(histogram.min)
        self.meanMicroseconds = (histogram.mean / 1000 * 100).rounded() / 100
        self.p50Microseconds = micro(histogram.valueAtPercentile(50))
        self.p90Microseconds = micro(histogram.valueAtPercentile(90))
        self.p99Microseconds = micro(histogram.valueAtPercentile(99))
        self.p999Microseconds = micro(histogram.valueAtPercentile(99.9))
        self.maxMicroseconds = micro(histogram.max)
    }
}
