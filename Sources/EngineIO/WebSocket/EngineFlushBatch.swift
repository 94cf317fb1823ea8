import NIOCore
import NIOPosix

/// Coalesces WebSocket flushes per event loop: writes made while the loop works through its queued
/// tasks (say, 32 broadcasts) are flushed once per connection by one task queued behind them, so a
/// client gets one `writev` for many messages instead of one per message. Thread-confined: each event
/// loop thread has its own batch.
final class EngineFlushBatch: @unchecked Sendable {
    private static let current = ThreadSpecificVariable<EngineFlushBatch>()

    private var transports: [EngineWebSocketTransport] = []
    private var scheduled = false

    /// The batch of the calling event loop thread.
    static func forCurrentThread() -> EngineFlushBatch {
        if let batch = self.current.currentValue { return batch }
        let batch = EngineFlushBatch()
        self.current.currentValue = batch
        return batch
    }

    /// Flushes `transport` once the loop has run the tasks queued before now.
    func enqueue(_ transport: EngineWebSocketTransport, on eventLoop: any EventLoop) {
        self.transports.append(transport)
        guard !self.scheduled else { return }
        self.scheduled = true
        eventLoop.execute { [self] in self.flush() }
    }

    private func flush() {
        let transports = self.transports
        self.transports.removeAll(keepingCapacity: true)
        self.scheduled = false
        for transport in transports { transport.flushNow() }
    }
}
