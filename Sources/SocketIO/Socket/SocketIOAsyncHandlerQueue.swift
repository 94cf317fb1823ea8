import Atomics
import NIOCore

/// Runs one socket's asynchronous listeners one after the other, in the order their events arrived,
/// even when a listener awaits: the next event's listener starts when the previous one returned.
///
/// Bounded: at most `limit` invocations wait; past it an event's asynchronous listeners are skipped
/// and ``SocketIOError/handlerBacklogFull`` goes to the socket's error listeners (a client that sends
/// faster than its listeners finish cannot grow the server's memory). Created on the socket's loop at
/// the first asynchronous registration; closed when the socket leaves, after which the invocations
/// already queued still run (they were received while it was connected) and new ones are refused,
/// until a drain deadline: then the task running them is cancelled and what is left is dropped.
final class SocketIOAsyncHandlerQueue: Sendable {
    typealias Work = @Sendable () async -> Void

    private let continuation: AsyncStream<Work>.Continuation
    private let waiting = ManagedAtomic<Int>(0)
    private let limit: Int
    private let task: Task<Void, Never>

    init(limit: Int) {
        self.limit = limit
        let (stream, continuation) = AsyncStream<Work>.makeStream(bufferingPolicy: .unbounded)
        self.continuation = continuation
        let waiting = self.waiting
        self.task = Task {
            for await work in stream {
                // After the drain deadline the rest is dropped, not started.
                if Task.isCancelled { break }
                await work()
                waiting.wrappingDecrement(ordering: .relaxed)
            }
        }
    }

    /// Queues `work`; false when `limit` invocations already wait or the queue is closed.
    func enqueue(_ work: @escaping Work) -> Bool {
        guard self.waiting.loadThenWrappingIncrement(ordering: .relaxed) < self.limit else {
            self.waiting.wrappingDecrement(ordering: .relaxed)
            return false
        }
        if case .enqueued = self.continuation.yield(work) { return true }
        self.waiting.wrappingDecrement(ordering: .relaxed)
        return false
    }

    /// Lets the queued invocations finish, then ends the queue's task; what still runs after
    /// `drainTimeout` is cancelled and what has not started is dropped.
    func close(drainTimeout: TimeAmount, on loop: any EventLoop) {
        self.continuation.finish()
        let task = self.task
        loop.scheduleTask(in: drainTimeout) { task.cancel() }
    }
}
