import NIOCore
import NIOHTTP1

/// One request at a time for the engine, a `400` for bytes the HTTP parser refuses, and quiescing
/// (`ChannelShouldQuiesceEvent`: close when idle, else after the answer in progress): in place of
/// NIO's `HTTPServerPipelineHandler` and `HTTPServerProtocolErrorHandler`, one handler whose reads stop
/// only when a client actually pipelines (``EngineHTTPRequestGateStateMachine``).
final class EngineHTTPRequestGate: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// Bytes of request bodies held behind a pending response before the connection is closed. Reads
    /// stop as soon as a request is held, so this holds at most what one read brought.
    static let maxHeldBodyBytes = 256 * 1024
    /// Parts held behind a pending response before the connection is closed (a read full of tiny
    /// pipelined requests would otherwise become thousands of request heads).
    static let maxHeldParts = 1024

    /// What waits behind a pending response: request parts, and the parser's error after them.
    private enum Held {
        case part(HTTPServerRequestPart)
        case parserError(any Error)
    }

    private var machine = EngineHTTPRequestGateStateMachine()
    private var held = CircularBuffer<Held>()
    private var heldBodyBytes = 0
    private var releasing = false

    init() {}

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = self.unwrapInboundIn(data)
        switch self.machine.partReceived(Self.kind(of: part)) {
        case .deliver:
            context.fireChannelRead(data)
            if case .end = part, self.machine.deliveredEndClosesConnection() { context.close(promise: nil) }
        case .drop:
            break
        case .hold:
            if case .body(let bytes) = part { self.heldBodyBytes += bytes.readableBytes }
            guard self.heldBodyBytes <= Self.maxHeldBodyBytes, self.held.count < Self.maxHeldParts else {
                self.held.removeAll()
                context.close(promise: nil)
                return
            }
            self.held.append(.part(part))
        }
    }

    func read(context: ChannelHandlerContext) {
        switch self.machine.readRequested() {
        case .read: context.read()
        case .hold: break
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch self.unwrapOutboundIn(data) {
        case .head(var head):
            // 1xx heads other than 101 precede the real response (NIO's `isInformational` is internal).
            let code = head.status.code
            let closing = self.machine.responseHeadWritten(informational: code >= 100 && code < 200 && code != 101)
            if closing && head.isKeepAlive {
                head.headers.replaceOrAdd(name: "connection", value: "close")
                context.write(self.wrapOutboundOut(.head(head)), promise: promise)
            } else {
                context.write(data, promise: promise)
            }
        case .body:
            context.write(data, promise: promise)
        case .end:
            switch self.machine.responseEnded() {
            case .none:
                context.write(data, promise: promise)
            case .releaseHeldParts:
                context.write(data, promise: promise)
                self.releaseHeldParts(context: context)
            case .closeAfterWrite:
                let channel = context.channel
                context.write(data).whenComplete { _ in channel.close(promise: nil) }
                promise?.succeed(())
            }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard error is HTTPParserError else { return context.fireErrorCaught(error) }
        self.perform(self.machine.parserFailed(), error: error, context: context)
    }

    /// The parser cannot go on after an error; the engine's handler closes the connection.
    private func perform(_ action: EngineHTTPRequestGateStateMachine.ErrorAction, error: any Error, context: ChannelHandlerContext) {
        switch action {
        case .hold:
            self.held.append(.parserError(error))
        case .pass:
            context.fireErrorCaught(error)
        case .answerAndPass:
            let head = HTTPResponseHead(
                version: .http1_1,
                status: .badRequest,
                headers: HTTPHeaders([("Connection", "close"), ("Content-Length", "0")])
            )
            context.write(self.wrapOutboundOut(.head(head)), promise: nil)
            context.writeAndFlush(self.wrapOutboundOut(.end(nil)), promise: nil)
            context.fireErrorCaught(error)
        }
    }

    /// A host server stopping (`ChannelShouldQuiesceEvent`): the connection closes now when idle,
    /// else once the request in progress is answered (that answer says `Connection: close`).
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is ChannelShouldQuiesceEvent else { return context.fireUserInboundEventTriggered(event) }
        switch self.machine.quiesceRequested() {
        case .none:
            break
        case .dropHeldParts:
            self.held.removeAll()
            self.heldBodyBytes = 0
        case .close:
            self.held.removeAll()
            self.heldBodyBytes = 0
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.held.removeAll()
        self.heldBodyBytes = 0
        context.fireChannelInactive()
    }

    /// Hands held parts on while the machine lets them go (an answer written synchronously while one
    /// is delivered moves the exchange on, and the loop picks that up), then reads again if a read
    /// was held.
    private func releaseHeldParts(context: ChannelHandlerContext) {
        guard !self.releasing else { return }
        self.releasing = true
        defer { self.releasing = false }
        while let first = self.held.first {
            switch first {
            case .part(let part):
                guard self.machine.heldPartReady(Self.kind(of: part)) == .deliver else { return }
                self.held.removeFirst()
                if case .body(let bytes) = part { self.heldBodyBytes -= bytes.readableBytes }
                context.fireChannelRead(self.wrapInboundOut(part))
                if case .end = part, self.machine.deliveredEndClosesConnection() { context.close(promise: nil) }
            case .parserError(let error):
                let action = self.machine.heldParserErrorReady()
                guard action != .hold else { return }
                self.held.removeFirst()
                self.perform(action, error: error, context: context)
            }
        }
        if self.machine.heldPartsDrained() { context.read() }
    }

    private static func kind(of part: HTTPServerRequestPart) -> EngineHTTPRequestGateStateMachine.Part {
        switch part {
        case .head: return .head
        case .body: return .body
        case .end: return .end
        }
    }
}
