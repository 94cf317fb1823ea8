import NIOCore
import SocketIOProtocol

extension SocketIOSocket {
    /// An asynchronous listener.
    public typealias AsyncListener = @Sendable (SocketIOEvent) async throws -> Void
    /// An asynchronous packet middleware: throw to refuse the event.
    public typealias AsyncMiddleware = @Sendable (SocketIOEvent) async throws -> Void

    /// How many asynchronous listener runs may wait per socket before events are refused with
    /// ``SocketIOError/handlerBacklogFull``.
    static let asyncBacklogLimit = 1024

    /// Adds an asynchronous listener for events named `event`. The socket's asynchronous listeners run
    /// one at a time in the order the events arrived, even when one awaits; a thrown error goes to the
    /// ``onError(_:)`` listeners. Synchronous listeners of the same event run first, on the loop.
    public func on(_ event: String, _ handler: @escaping AsyncListener) {
        guard self.onOwnLoop({ $0.on(event, handler) }) else { return }
        self.asyncHandlers.append((event, handler))
    }

    /// Adds an asynchronous packet middleware. It runs after the synchronous ``use(_:)`` middlewares
    /// and gates every listener of the event, synchronous ones included (they then run after it, on
    /// the loop); events go through it one at a time, in order. Throwing refuses the event and reports
    /// the error to ``onError(_:)``.
    public func use(_ middleware: @escaping AsyncMiddleware) {
        guard self.onOwnLoop({ $0.use(middleware) }) else { return }
        self.asyncMiddlewares.append(middleware)
    }

    /// The events the client sends, after the middlewares, as an `AsyncSequence` (an alternative to
    /// listeners). It ends when the socket disconnects. At most `bufferSize` events wait unread; an
    /// event arriving past that is not added (the stream keeps the oldest) and
    /// ``SocketIOError/handlerBacklogFull`` goes to the ``onError(_:)`` listeners.
    public func events(bufferSize: Int = 256) -> AsyncStream<SocketIOEvent> {
        let (stream, continuation) = AsyncStream<SocketIOEvent>.makeStream(bufferingPolicy: .bufferingOldest(max(bufferSize, 1)))
        let sink = EventSink(continuation)
        self.onEventLoop { socket in
            guard socket.connectedOnEventLoop else {
                sink.finish()
                return
            }
            sink.onDrop = { [weak socket] in socket?.reportErrorOnEventLoop(SocketIOError.handlerBacklogFull) }
            socket.eventSinks.append(sink)
        }
        return stream
    }

    // MARK: - Internals (event loop)

    /// Queues the asynchronous middlewares, then (back on the loop) the listeners, for one event.
    func enqueueGatedDispatch(_ event: SocketIOEvent) {
        let middlewares = self.asyncMiddlewares
        let loop = self.eventLoop
        self.enqueueAsync { socket in
            do {
                for middleware in middlewares { try await middleware(event) }
            } catch {
                loop.execute { socket.reportErrorOnEventLoop(error) }
                return
            }
            try? await loop.submit {
                guard socket.connectedOnEventLoop else { return }
                socket.runListenersOnEventLoop(event)
            }.get()
        }
    }

    /// Queues the asynchronous listeners of one event, run in order.
    func enqueueAsyncListeners(_ listeners: [AsyncListener], event: SocketIOEvent) {
        let loop = self.eventLoop
        self.enqueueAsync { socket in
            for listener in listeners {
                do {
                    try await listener(event)
                } catch {
                    loop.execute { socket.reportErrorOnEventLoop(error) }
                }
            }
        }
    }

    private func enqueueAsync(_ work: @escaping @Sendable (SocketIOSocket) async -> Void) {
        let queue: SocketIOAsyncHandlerQueue
        if let existing = self.asyncQueue {
            queue = existing
        } else {
            queue = SocketIOAsyncHandlerQueue(limit: Self.asyncBacklogLimit)
            self.asyncQueue = queue
        }
        if !queue.enqueue({ await work(self) }) {
            self.namespace.server.statistics.asyncEventsRefused.wrappingIncrement(ordering: .relaxed)
            self.namespace.server.configuration.logger.warning(
                "asynchronous listeners fell behind; an event was not handed to them",
                metadata: ["socketio.sid": "\(self.id)", "socketio.nsp": "\(self.namespace.name)"]
            )
            self.reportErrorOnEventLoop(SocketIOError.handlerBacklogFull)
        }
    }
}

/// Feeds one ``SocketIOSocket/events(bufferSize:)`` stream; used on the socket's loop only.
final class EventSink: @unchecked Sendable {
    private let continuation: AsyncStream<SocketIOEvent>.Continuation
    var onDrop: (() -> Void)?

    init(_ continuation: AsyncStream<SocketIOEvent>.Continuation) {
        self.continuation = continuation
    }

    func yield(_ event: SocketIOEvent) {
        if case .dropped = self.continuation.yield(event) { self.onDrop?() }
    }

    func finish() {
        self.continuation.finish()
    }
}
