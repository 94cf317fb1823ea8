import Histogram
import NIOCore

/// The fan-out publisher: one client emitting stamped broadcasts, either as fast as the window allows
/// (`max`) or at a fixed rate.
///
/// In `max` mode a broadcast is in flight from its emit until every receiver has it (judged from the
/// delivery total of all loops) or, at the latest, until its acknowledgement; at most `window` are in
/// flight. In fixed-rate mode each broadcast is stamped with the time it is actually written, so the
/// receivers' latency is the server's (and the network's) alone; how late each send is against its
/// *intended* time (the bench's own timer wake-up, or a publisher that fell behind) is kept apart in
/// `sendLag`, so a lagging publisher is reported rather than hidden (no silent coordinated omission).
/// Broadcasts are skipped, and counted, only when deliveries lag more than `maxLag` broadcasts behind.
final class PublisherRole: BenchClientDelegate {
    /// How the publisher paces itself.
    enum Mode: Equatable {
        case idle
        case max
        case rate(perSecond: Double)
    }

    private let body: StampedBody
    private let shared: SharedCounter
    private let receivers: Int
    private let window: Int
    private let maxLag: Int
    private let eventLoop: any EventLoop
    private var client: BenchClient?
    private var mode: Mode = .idle
    private var timer: Scheduled<Void>?
    private var rateStart: UInt64 = 0
    private var rateSent = 0
    private var deliveredBase = 0
    /// Broadcasts emitted since the role was created.
    private(set) var sent = 0
    /// Acknowledgements received.
    private(set) var acked = 0
    /// Fixed-rate broadcasts skipped because deliveries lagged too far behind.
    private(set) var skipped = 0
    /// Failures of the publisher's connection.
    private(set) var failure: String?
    /// Fixed rate: nanoseconds from each broadcast's intended send time to its actual one.
    private(set) var sendLag = LatencyHistogram.make()

    /// A publisher emitting `body` to `receivers` clients whose deliveries add up in `shared`; `window` bounds the
    /// broadcasts in flight in `max` mode, `maxLag` the delivery backlog in fixed-rate mode.
    init(body: StampedBody, shared: SharedCounter, receivers: Int, window: Int, maxLag: Int, eventLoop: any EventLoop) {
        self.body = body
        self.shared = shared
        self.receivers = max(1, receivers)
        self.window = window
        self.maxLag = maxLag
        self.eventLoop = eventLoop
    }

    /// Broadcasts emitted but not yet delivered to every receiver (as far as the shared total tells).
    private var inFlight: Int {
        self.sent - (self.shared.current - self.deliveredBase) / self.receivers
    }

    /// Starts publishing in `mode`.
    func start(_ mode: Mode) {
        self.stop()
        if self.sent == 0 { self.deliveredBase = self.shared.current }
        self.mode = mode
        switch mode {
        case .idle: break
        case .max: self.pumpMax()
        case .rate:
            self.rateStart = Clock.now()
            self.rateSent = 0
            self.tick()
        }
    }

    /// Forgets the send lags recorded so far (at the start of a measurement window).
    func resetSendLag() {
        self.sendLag.reset()
    }

    /// Stops publishing; outstanding broadcasts still complete.
    func stop() {
        self.mode = .idle
        self.timer?.cancel()
        self.timer = nil
    }

    /// Deliveries still missing for everything sent so far.
    var undelivered: Int {
        max(0, self.sent * self.receivers - (self.shared.current - self.deliveredBase))
    }

    /// Closes the publisher's connection.
    func close() {
        self.stop()
        self.client?.close()
    }

    private func pumpMax() {
        guard self.mode == .max, let client = self.client else { return }
        while client.outstandingAcks < self.window, self.inFlight < self.window {
            guard self.emit(stamp: Clock.sinceEpoch(), on: client) else { break }
        }
        if self.inFlight >= self.window, self.timer == nil {
            // Waiting for deliveries on other loops: look again shortly.
            self.timer = self.eventLoop.assumeIsolated().scheduleTask(in: .microseconds(100)) {
                self.timer = nil
                self.pumpMax()
            }
        }
    }

    /// Emits per timer tick at most; a backlog beyond it is caught up on the next ticks (or skipped once
    /// deliveries lag `maxLag` behind), so one late tick never turns into an unbounded loop.
    private static let maxEmitsPerTick = 10_000

    private func tick() {
        guard case .rate(let perSecond) = self.mode, let client = self.client else { return }
        let now = Clock.now()
        let interval = 1e9 / perSecond
        let due = Int(Double(now &- self.rateStart) / interval) + 1
        var budget = Self.maxEmitsPerTick
        while self.rateSent < due, budget > 0 {
            budget -= 1
            if self.inFlight > self.maxLag {
                self.skipped += due - self.rateSent
                self.rateSent = due
                break
            }
            let intended = self.rateStart &+ UInt64(Double(self.rateSent) * interval)
            let actual = Clock.now()
            LatencyHistogram.record(actual &- min(intended, actual), in: &self.sendLag)
            if !self.emit(stamp: actual &- Clock.epoch, on: client) { self.skipped += 1 }
            self.rateSent += 1
        }
        let nextIntended = self.rateStart &+ UInt64(Double(self.rateSent) * interval)
        let next = max(nextIntended, Clock.now() &+ 1_000_000)  // at most one wake-up per millisecond
        self.timer = self.eventLoop.assumeIsolated().scheduleTask(deadline: .uptimeNanoseconds(next)) {
            self.timer = nil
            self.tick()
        }
    }

    @inline(__always)
    private func emit(stamp: UInt64, on client: BenchClient) -> Bool {
        let body = self.body
        guard client.emit(ackSentAt: Clock.now(), body: { body.write(timestamp: stamp, into: &$0) }) != nil else { return false }
        self.sent += 1
        return true
    }

    func clientDidConnect(_ client: BenchClient) {
        self.client = client
    }

    func client(_ client: BenchClient, didReceiveAck id: Int, latency: UInt64?, length: Int) {
        self.acked += 1
        if self.mode == .max { self.pumpMax() }
    }

    func client(_ client: BenchClient, didFail reason: String) {
        self.failure = reason
        self.stop()
    }
}
