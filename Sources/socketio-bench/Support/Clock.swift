import NIOCore

/// The one clock of the bench: CLOCK_MONOTONIC in nanoseconds, shared by every thread of the process,
/// so a timestamp written by the publisher can be subtracted from the receiver's clock.
enum Clock {
    /// Nanoseconds on the monotonic clock.
    @inline(__always)
    static func now() -> UInt64 {
        NIODeadline.now().uptimeNanoseconds
    }

    /// The moment the process started measuring; fan-out timestamps count from it so they fit in 16
    /// decimal digits (115 days).
    static let epoch = Clock.now()

    /// Nanoseconds since ``epoch``.
    @inline(__always)
    static func sinceEpoch() -> UInt64 {
        Clock.now() &- Clock.epoch
    }
}
