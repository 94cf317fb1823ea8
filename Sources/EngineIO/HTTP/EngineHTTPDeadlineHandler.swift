import NIOCore
import NIOHTTP1

/// Events the engine's HTTP handler sends down the pipeline to the deadline handler: the request
/// parts it decoded (the deadline handler sits before the decoder and sees bytes only).
enum EngineHTTPRequestProgress: Sendable {
    case headReceived
    case requestEnded
}

/// Enforces ``EngineHTTPLimits``' deadlines on one HTTP connection. It sits between the response
/// encoder and the request decoder: inbound it sees the raw bytes (a next request's first byte),
/// outbound the response parts (a response's end); the request's head and end come as
/// ``EngineHTTPRequestProgress`` events. Removed with the other HTTP handlers on a WebSocket upgrade.
final class EngineHTTPDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private var machine: EngineHTTPDeadlineStateMachine
    private let statistics: EngineStatistics
    /// The one timer; it is moved earlier when needed and otherwise left to fire and re-arm, so a
    /// request costs no timer churn.
    private var timer: Scheduled<Void>?
    private var timerDeadline: NIODeadline?

    init(limits: EngineHTTPLimits, statistics: EngineStatistics, now: NIODeadline) {
        self.machine = EngineHTTPDeadlineStateMachine(limits: limits, now: now)
        self.statistics = statistics
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.perform(self.machine.start(), context: context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.timer?.cancel()
        self.timer = nil
        self.timerDeadline = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.perform(self.machine.bytesReceived(now: context.eventLoop.now), context: context)
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = self.unwrapOutboundIn(data) {
            self.perform(self.machine.responseEnded(now: context.eventLoop.now), context: context)
        }
        context.write(data, promise: promise)
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard let progress = event as? EngineHTTPRequestProgress else {
            context.triggerUserOutboundEvent(event, promise: promise)
            return
        }
        switch progress {
        case .headReceived: self.perform(self.machine.headReceived(now: context.eventLoop.now), context: context)
        case .requestEnded: self.perform(self.machine.requestEnded(now: context.eventLoop.now), context: context)
        }
        promise?.succeed(())
    }

    private func perform(_ action: EngineHTTPDeadlineStateMachine.Action, context: ChannelHandlerContext) {
        switch action {
        case .none, .disarm:
            break
        case .arm(let deadline):
            if let current = self.timerDeadline, current <= deadline { return }
            self.timer?.cancel()
            self.timerDeadline = deadline
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            self.timer = context.eventLoop.scheduleTask(deadline: deadline) {
                let (handler, context) = bound.value
                handler.timer = nil
                handler.timerDeadline = nil
                handler.perform(handler.machine.timerFired(now: context.eventLoop.now), context: context)
            }
        case .close(let expiry, let answer408):
            self.statistics.countHTTPTimeout(expiry)
            if answer408 {
                var headers = HTTPHeaders()
                headers.add(name: "Connection", value: "close")
                headers.add(name: "Content-Length", value: "0")
                let head = HTTPResponseHead(version: .http1_1, status: .requestTimeout, headers: headers)
                context.write(self.wrapOutboundOut(.head(head)), promise: nil)
                context.writeAndFlush(self.wrapOutboundOut(.end(nil)), promise: nil)
            }
            context.close(promise: nil)
        }
    }
}
