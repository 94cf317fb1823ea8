import NIOConcurrencyHelpers
import NIOCore
import SocketIOProtocol

/// Receives what local delivery learns about a broadcast with acknowledgements: how many clients got
/// it (called again with -1 for each one that left before answering) and each client's answer.
public protocol SocketIOAckSink: AnyObject, Sendable {
    /// `count` more (or fewer, when negative) clients are expected to answer.
    func expect(_ count: Int)
    /// One client answered (its first acknowledgement argument).
    func received(_ response: SocketIOValue)
}

/// Gathers the acknowledgements of one broadcast: from local clients and, in a cluster, the client
/// counts and answers other nodes report. Done when every node has reported its count and every
/// counted client has answered; otherwise the timeout ends it with the answers gathered so far.
public final class SocketIOAckCollector: SocketIOAckSink {
    private struct State {
        var nodeCountKnown = true
        var pendingNodeReports = 0
        var expectedResponses = 0
        var responses: [SocketIOValue] = []
        var result: Result<[SocketIOValue], any Error>?
        var promise: EventLoopPromise<[SocketIOValue]>?
        var timer: Scheduled<Void>?
    }

    private let state = NIOLockedValueBox(State())

    /// A collector that also waits for `nodeReports` other nodes to report their client counts; with
    /// `nodeCountPending`, it waits for ``nodeCountKnown(otherNodes:)`` before it can finish.
    public init(nodeReports: Int = 0, nodeCountPending: Bool = false) {
        self.state.withLockedValue {
            $0.pendingNodeReports = nodeReports
            $0.nodeCountKnown = !nodeCountPending
        }
    }

    /// The number of other nodes is now known (reports already received count towards it).
    public func nodeCountKnown(otherNodes: Int) {
        self.update {
            $0.nodeCountKnown = true
            $0.pendingNodeReports += otherNodes
        }
    }

    /// `count` more clients received the packet (local delivery).
    public func expect(_ count: Int) {
        self.update { $0.expectedResponses += count }
    }

    /// Another node reported how many of its clients received the packet.
    public func nodeReported(clientCount: Int) {
        self.update {
            $0.pendingNodeReports -= 1
            $0.expectedResponses += clientCount
        }
    }

    /// Waits for `count` fewer node reports (a node left, or the count was over-estimated).
    public func nodeReportsCancelled(_ count: Int) {
        self.update { $0.pendingNodeReports -= count }
    }

    /// One client answered (its first acknowledgement argument).
    public func received(_ response: SocketIOValue) {
        self.update { $0.responses.append(response) }
    }

    /// The answers, once every expected one arrived; throws ``SocketIOError/ackTimeout(partial:)``
    /// after `timeout`, or the error given to ``fail(_:)``.
    public func wait(timeout: TimeAmount, on loop: any EventLoop) async throws -> [SocketIOValue] {
        let promise = loop.makePromise(of: [SocketIOValue].self)
        let finished: Result<[SocketIOValue], any Error>? = self.state.withLockedValue { state in
            if let result = state.result { return result }
            state.promise = promise
            state.timer = loop.scheduleTask(in: timeout) { [self] in self.timeOut() }
            return nil
        }
        if let finished { promise.completeWith(finished) }
        return try await promise.futureResult.get()
    }

    /// Ends the wait with `error` at once (a cluster adapter that lost its broker: the other nodes'
    /// answers cannot arrive). Nothing happens when the collector is already done.
    public func fail(_ error: any Error) {
        let promise = self.state.withLockedValue { state -> EventLoopPromise<[SocketIOValue]>? in
            guard state.result == nil else { return nil }
            state.result = .failure(error)
            state.timer?.cancel()
            state.timer = nil
            defer { state.promise = nil }
            return state.promise
        }
        promise?.fail(error)
    }

    private func timeOut() {
        let promise = self.state.withLockedValue { state -> EventLoopPromise<[SocketIOValue]>? in
            guard state.result == nil else { return nil }
            state.result = .failure(SocketIOError.ackTimeout(partial: state.responses))
            defer { state.promise = nil }
            return state.promise
        }
        promise?.fail(SocketIOError.ackTimeout(partial: self.state.withLockedValue { $0.responses }))
    }

    private func update(_ body: (inout State) -> Void) {
        let completion = self.state.withLockedValue { state -> (EventLoopPromise<[SocketIOValue]>?, [SocketIOValue])? in
            guard state.result == nil else { return nil }
            body(&state)
            guard state.nodeCountKnown, state.pendingNodeReports <= 0, state.responses.count >= state.expectedResponses else {
                return nil
            }
            state.result = .success(state.responses)
            state.timer?.cancel()
            state.timer = nil
            defer { state.promise = nil }
            return (state.promise, state.responses)
        }
        if let (promise, responses) = completion { promise?.succeed(responses) }
    }
}
