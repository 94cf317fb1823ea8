import NIOCore
import NIOHTTP1

/// The HTTP front of the engine, one per connection: validates Engine.IO requests, hands polling
/// GETs and POSTs to their session's event loop, answers errors and CORS preflights, and passes other
/// paths to the application's fallback responder. It writes the answers the sessions decide on.
final class EngineHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// What the request being read will become.
    private enum Pending {
        /// No request.
        case none
        /// Answer an Engine.IO error once the request is read (refused upgrades in plain text).
        case error(EngineHTTPError, message: String?, refusedUpgrade: Bool)
        /// A CORS preflight.
        case preflight
        /// A handshake over polling.
        case handshake
        /// A polling GET for a session.
        case poll(EngineSession)
        /// A polling POST for a session; its body is being collected.
        case post(EngineSession, EngineHTTPExchange)
        /// A WebSocket upgrade: a new session (sid nil) or a probe for `sid`.
        case webSocket(sid: String?)
        /// A polling request for a session another node owns; its body is being collected.
        case forward(sid: String)
        /// A WebSocket upgrade for a session another node owns.
        case forwardUpgrade(sid: String)
        /// A request for the application's fallback responder.
        case fallback
        /// A request outside the engine's path, passed on to the next handler (a host framework's HTTP
        /// server mounted on the same pipeline).
        case passOn
        /// An answer already went out (e.g. 413); the rest of the request is ignored.
        case discard
    }

    private let server: EngineServer
    private let pipelineHandlers: EngineHTTPPipelineHandlers
    private var context: ChannelHandlerContext?
    private var head: HTTPRequestHead?
    private var target = EngineRequestTarget(uri: "/")
    private var body = ByteBuffer()
    private var pending = Pending.none
    /// The polling exchange awaiting a session's answer, and its session.
    private var exchange: EngineHTTPExchange?
    private var exchangeSession: EngineSession?
    private var exchangeIsPost = false
    /// A forwarded request or tunnel in flight, cancelled if the client goes away.
    private var forwardInFlight = false
    /// The fallback responder is working on the request; cleared by its answer or its deadline.
    private var fallbackInFlight = false
    /// Requests outside the engine's path go to the next handler instead of the fallback responder.
    private let passesOtherRequestsOn: Bool
    init(server: EngineServer, pipelineHandlers: EngineHTTPPipelineHandlers, passesOtherRequestsOn: Bool = false) {
        self.server = server
        self.pipelineHandlers = pipelineHandlers
        self.passesOtherRequestsOn = passesOtherRequestsOn
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .head(let head):
            context.triggerUserOutboundEvent(EngineHTTPRequestProgress.headReceived, promise: nil)
            self.receivedHead(head, context: context)
            if case .passOn = self.pending { context.fireChannelRead(data) }
        case .body(var chunk):
            if case .passOn = self.pending { return context.fireChannelRead(data) }
            self.receivedBody(&chunk)
        case .end:
            context.triggerUserOutboundEvent(EngineHTTPRequestProgress.requestEnded, promise: nil)
            if case .passOn = self.pending {
                self.pending = .none
                return context.fireChannelRead(data)
            }
            self.receivedEnd(context: context)
        }
    }

    /// A request the HTTP parser could not read (answered 400 by `EngineHTTPRequestGate`
    /// just before), or an I/O error: the parser cannot go on, so the connection ends here, as Node's
    /// server ends it. Left open, it would hold its buffers until the peer went away.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.forwardInFlight = false
        self.fallbackInFlight = false
        if let exchange = self.exchange, let session = self.exchangeSession {
            let isPost = self.exchangeIsPost
            session.eventLoop.execute {
                if isPost {
                    session.postAbandonedOnEventLoop()
                } else {
                    session.pollExchangeClosedOnEventLoop(exchange)
                }
            }
        }
        self.exchange = nil
        self.exchangeSession = nil
        context.fireChannelInactive()
    }

    // MARK: - Reading a request

    private var configuration: EngineServerConfiguration { self.server.configuration }

    private func receivedHead(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        self.head = head
        self.body.clear()
        self.target = EngineRequestTarget(uri: head.uri)
        guard self.target.path.hasPrefix(self.configuration.path) else {
            self.pending = self.passesOtherRequestsOn ? .passOn : .fallback
            return
        }
        if head.method == .OPTIONS, self.configuration.cors != nil {
            self.pending = .preflight
            return
        }
        if let cors = self.configuration.cors, cors.refuses(requestHeaders: head.headers) {
            self.pending = .error(.forbidden, message: "Origin not allowed", refusedUpgrade: false)
            return
        }
        let isUpgrade = EngineRequestValidator.isWebSocketUpgrade(head.headers)
        let route = EngineRequestValidator.validate(
            method: head.method,
            query: self.target.query,
            headers: head.headers,
            isWebSocketUpgrade: isUpgrade,
            configuration: self.configuration
        )
        switch route {
        case .failure(let error):
            self.pending = .error(error, message: nil, refusedUpgrade: isUpgrade)
        case .success(.handshake(.polling)):
            self.pending = .handshake
        case .success(.handshake(.websocket)):
            self.pending = .webSocket(sid: nil)
        case .success(.session(let sid, .websocket)) where isUpgrade:
            if self.server.registry.session(id: sid) != nil {
                self.pending = .webSocket(sid: sid)
            } else if self.mayForward(sid, head: head) {
                self.pending = .forwardUpgrade(sid: sid)
            } else {
                self.pending = .error(.unknownSessionID, message: nil, refusedUpgrade: true)
            }
        case .success(.session(let sid, let transport)):
            guard let session = self.server.registry.session(id: sid) else {
                if transport == .polling, self.mayForward(sid, head: head) {
                    self.pending = .forward(sid: sid)
                    if let length = head.headers.first(name: "content-length").flatMap(Int.init),
                        length > self.configuration.maxHTTPBufferSize
                    {
                        self.forwardTooLarge()
                    }
                } else {
                    self.pending = .error(.unknownSessionID, message: nil, refusedUpgrade: isUpgrade)
                }
                return
            }
            guard transport == .polling else {
                self.pending = .error(.badRequest, message: nil, refusedUpgrade: isUpgrade)
                return
            }
            switch head.method {
            case .GET:
                self.pending = .poll(session)
            case .POST:
                self.beginPost(session: session, head: head, context: context)
            default:
                self.pending = .error(.badRequest, message: nil, refusedUpgrade: false)
            }
        }
    }

    private func beginPost(session: EngineSession, head: HTTPRequestHead, context: ChannelHandlerContext) {
        let exchange = EngineHTTPExchange(handler: self, eventLoop: context.eventLoop, isHandshake: false)
        self.exchange = exchange
        self.exchangeSession = session
        self.exchangeIsPost = true
        self.pending = .post(session, exchange)
        Self.onSessionLoop(session) { _ = session.beginPostOnEventLoop(exchange) }
        if let length = head.headers.first(name: "content-length").flatMap(Int.init),
            length > self.configuration.maxHTTPBufferSize
        {
            self.postTooLarge(session: session, exchange: exchange)
        }
    }

    /// A POST for another node's session with a body over maxHTTPBufferSize: answered `413` and the
    /// connection closed here, as the owner would answer it, instead of relaying a truncated body.
    private func forwardTooLarge() {
        self.server.statistics.payloadTooLarge.wrappingIncrement(ordering: .relaxed)
        self.pending = .discard
        self.body.clear()
        self.write(status: .payloadTooLarge, headers: HTTPHeaders(), body: ByteBuffer(), closeConnection: true, cors: true)
    }

    /// Runs `body` on the session's loop: at once when this connection is on that loop (no task, no
    /// wake-up), else as a task there. The calls of one connection always take the same way, so they
    /// keep their order.
    private static func onSessionLoop(_ session: EngineSession, _ body: @escaping @Sendable () -> Void) {
        if session.eventLoop.inEventLoop {
            body()
        } else {
            session.eventLoop.execute(body)
        }
    }

    private func postTooLarge(session: EngineSession, exchange: EngineHTTPExchange) {
        self.server.statistics.payloadTooLarge.wrappingIncrement(ordering: .relaxed)
        self.pending = .discard
        self.body.clear()
        Self.onSessionLoop(session) { session.postTooLargeOnEventLoop(exchange) }
    }

    private func receivedBody(_ chunk: inout ByteBuffer) {
        switch self.pending {
        case .post(let session, let exchange):
            if self.body.readableBytes + chunk.readableBytes > self.configuration.maxHTTPBufferSize {
                self.postTooLarge(session: session, exchange: exchange)
            } else {
                self.body.writeBuffer(&chunk)
            }
        case .forward:
            if self.body.readableBytes + chunk.readableBytes > self.configuration.maxHTTPBufferSize {
                self.forwardTooLarge()
            } else {
                self.body.writeBuffer(&chunk)
            }
        case .fallback:
            if self.body.readableBytes + chunk.readableBytes <= self.configuration.maxHTTPBufferSize {
                self.body.writeBuffer(&chunk)
            }
        case .none, .error, .preflight, .handshake, .poll, .discard, .webSocket, .forwardUpgrade, .passOn:
            break
        }
    }

    private func receivedEnd(context: ChannelHandlerContext) {
        guard let head = self.head else { return }
        let pending = self.pending
        self.pending = .none
        switch pending {
        case .none, .discard, .passOn:
            break
        case .error(let error, let message, let refusedUpgrade):
            self.server.statistics.countError(error)
            self.configuration.logger.debug(
                "refused an Engine.IO request",
                metadata: [
                    "engineio.code": "\(error.rawValue)", "engineio.message": "\(message ?? error.message)",
                    "http.method": "\(head.method.rawValue)", "http.path": "\(self.target.path)",
                    "engineio.sid": "\(self.target.query["sid"] ?? "")", "net.peer": "\(context.channel.remoteAddress.map { "\($0)" } ?? "")",
                ]
            )
            if refusedUpgrade {
                self.respondRefusedUpgrade(error: error, message: message, context: context)
            } else {
                self.respond(status: error.status, contentType: "application/json", body: ByteBuffer(string: error.jsonBody(message: message)))
            }
        case .preflight:
            var headers = HTTPHeaders()
            for (name, value) in self.configuration.cors?.preflightHeaders(for: head.headers) ?? [] {
                headers.add(name: name, value: value)
            }
            self.write(status: .noContent, headers: headers, body: ByteBuffer())
        case .handshake:
            self.handshake(head: head, context: context)
        case .poll(let session):
            let exchange = EngineHTTPExchange(handler: self, eventLoop: context.eventLoop, isHandshake: false)
            self.exchange = exchange
            self.exchangeSession = session
            self.exchangeIsPost = false
            Self.onSessionLoop(session) { session.handlePollOnEventLoop(exchange) }
        case .post(let session, let exchange):
            let body = self.body
            self.body = ByteBuffer()
            Self.onSessionLoop(session) { session.completePostOnEventLoop(body: body, exchange: exchange) }
        case .fallback:
            self.fallback(head: head, context: context)
        case .webSocket(let sid):
            self.upgrade(head: head, sid: sid, context: context)
        case .forward(let sid):
            self.forward(head: head, sid: sid, context: context)
        case .forwardUpgrade(let sid):
            self.forwardUpgrade(head: head, sid: sid, context: context)
        }
    }

    // MARK: - Forwarding to the owner node

    private func mayForward(_ sid: String, head: HTTPRequestHead) -> Bool {
        guard let forwarder = self.configuration.forwarder else { return false }
        return !head.headers.contains(name: EngineForwarding.markerHeader) && forwarder.mayForward(sessionID: sid)
    }

    private func forward(head: HTTPRequestHead, sid: String, context: ChannelHandlerContext) {
        guard let forwarder = self.configuration.forwarder else { return }
        var headers = head.headers
        headers.replaceOrAdd(name: EngineForwarding.markerHeader, value: "1")
        let request = EngineHTTPRequest(
            method: head.method,
            uri: head.uri,
            path: self.target.path,
            query: self.target.query,
            headers: headers,
            body: self.body,
            remoteAddress: context.channel.remoteAddress
        )
        self.body = ByteBuffer()
        self.forwardInFlight = true
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let statistics = self.server.statistics
        forwarder.forward(request, sessionID: sid, on: context.eventLoop, until: context.channel.closeFuture).whenComplete { result in
            let handler = bound.value
            guard handler.forwardInFlight else { return }
            handler.forwardInFlight = false
            switch result {
            case .success(.some(let response)):
                statistics.forwardedRequests.wrappingIncrement(ordering: .relaxed)
                handler.write(status: response.status, headers: response.headers, body: response.body, cors: false)
            case .success(.none), .failure:
                statistics.forwardFailures.wrappingIncrement(ordering: .relaxed)
                statistics.countError(.unknownSessionID)
                handler.configuration.logger.notice(
                    "could not forward a polling request to the node that owns its session",
                    metadata: ["engineio.sid": "\(sid)", "error": "\(result)"]
                )
                handler.respond(status: .badRequest, contentType: "application/json", body: ByteBuffer(string: EngineHTTPError.unknownSessionID.jsonBody()))
            }
        }
    }

    private func forwardUpgrade(head: HTTPRequestHead, sid: String, context: ChannelHandlerContext) {
        guard let forwarder = self.configuration.forwarder else { return }
        var forwardedHead = head
        forwardedHead.headers.replaceOrAdd(name: EngineForwarding.markerHeader, value: "1")
        self.forwardInFlight = true
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let statistics = self.server.statistics
        forwarder.openTunnel(for: forwardedHead, sessionID: sid, on: context.eventLoop).whenComplete { result in
            let handler = bound.value
            guard handler.forwardInFlight, let context = handler.context else {
                if case .success(.some(let tunnel)) = result { tunnel.cancel() }
                return
            }
            handler.forwardInFlight = false
            switch result {
            case .success(.some(let tunnel)):
                statistics.forwardedUpgrades.wrappingIncrement(ordering: .relaxed)
                let channel = context.channel
                handler.removeHTTPHandlers(context: context, keepingRequestDecoder: true)
                tunnel.attach(to: channel)
                channel.pipeline.syncOperations.removeHandler(handler.pipelineHandlers.requestDecoder, promise: nil)
            case .success(.none), .failure:
                statistics.forwardFailures.wrappingIncrement(ordering: .relaxed)
                statistics.countError(.unknownSessionID)
                handler.configuration.logger.notice(
                    "could not forward a WebSocket upgrade to the node that owns its session",
                    metadata: ["engineio.sid": "\(sid)", "error": "\(result)"]
                )
                handler.respondRefusedUpgrade(error: .unknownSessionID, message: nil, context: context)
            }
        }
    }

    /// Takes every HTTP handler (this one included) off the connection; bytes the request decoder
    /// still holds go to whatever is added after it.
    private func removeHTTPHandlers(context: ChannelHandlerContext, keepingRequestDecoder: Bool = false) {
        let operations = context.pipeline.syncOperations
        for handler in self.pipelineHandlers.middle { operations.removeHandler(handler, promise: nil) }
        operations.removeHandler(self.pipelineHandlers.responseEncoder, promise: nil)
        operations.removeHandler(context: context, promise: nil)
        if !keepingRequestDecoder { operations.removeHandler(self.pipelineHandlers.requestDecoder, promise: nil) }
    }

    // MARK: - WebSocket upgrade

    private func upgrade(head: HTTPRequestHead, sid: String?, context: ChannelHandlerContext) {
        guard let accept = EngineWebSocketHandshake.acceptValue(for: head.headers) else {
            self.server.statistics.countError(.badRequest)
            self.respondRefusedUpgrade(error: .badRequest, message: nil, context: context)
            return
        }
        // permessage-deflate (when enabled): a malformed or unacceptable offer fails the upgrade
        // with 400, as the reference's `ws` fails it; no offer means no compression.
        var deflate: EnginePerMessageDeflateAgreement?
        if let options = self.server.configuration.perMessageDeflate {
            switch EnginePerMessageDeflateNegotiation.negotiate(headerLines: head.headers["sec-websocket-extensions"], options: options) {
            case .notOffered:
                break
            case .accepted(let agreement):
                deflate = agreement
            case .refused:
                self.server.statistics.countError(.badRequest)
                self.respondRefusedUpgrade(error: .badRequest, message: nil, context: context)
                return
            }
        }
        let request = self.handshakeRequest(head: head, context: context)
        let decision = sid == nil ? self.server.authorize(request, on: context.eventLoop) : context.eventLoop.makeSucceededFuture(.allow)
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let agreement = deflate
        decision.whenSuccess { decision in
            let handler = bound.value
            guard let context = handler.context else { return }
            switch decision {
            case .deny(let message):
                handler.server.statistics.countError(.forbidden)
                handler.respondRefusedUpgrade(error: .forbidden, message: message, context: context)
            case .allow:
                handler.switchToWebSocket(head: head, accept: accept, deflate: agreement, request: request, sid: sid, context: context)
            }
        }
    }

    /// Writes the 101, replaces the HTTP handlers with the WebSocket ones and starts the session.
    private func switchToWebSocket(
        head: HTTPRequestHead,
        accept: String,
        deflate: EnginePerMessageDeflateAgreement?,
        request: EngineHandshakeRequest,
        sid: String?,
        context: ChannelHandlerContext
    ) {
        let responseHead = EngineWebSocketHandshake.switchingProtocolsHead(
            version: head.version,
            accept: accept,
            extensions: deflate?.responseHeaderValue
        )
        // Not flushed yet: a new session's open packet is written next, and both leave in one `writev`.
        context.write(self.wrapOutboundOut(.head(responseHead)), promise: nil)
        context.write(self.wrapOutboundOut(.end(nil)), promise: nil)
        let channel = context.channel
        self.removeHTTPHandlers(context: context, keepingRequestDecoder: true)
        do {
            try self.server.startWebSocket(
                channel: channel,
                request: request,
                sid: sid,
                deflate: deflate,
                after: self.pipelineHandlers.requestDecoder
            )
        } catch {
            channel.flush()
            channel.close(promise: nil)
            return
        }
        channel.flush()
        channel.pipeline.syncOperations.removeHandler(self.pipelineHandlers.requestDecoder, promise: nil)
    }

    // MARK: - Handshake and fallback

    /// What `allowRequest` and the new session see of a handshake (the peer address is the one the
    /// channel cached at accept: `context.remoteAddress` would ask the kernel again).
    private func handshakeRequest(head: HTTPRequestHead, context: ChannelHandlerContext) -> EngineHandshakeRequest {
        var request = EngineHandshakeRequest(
            method: head.method,
            uri: head.uri,
            headers: head.headers,
            query: self.target.query,
            remoteAddress: context.channel.remoteAddress
        )
        request.isSecure = self.configuration.tls != nil
        return request
    }

    private func handshake(head: HTTPRequestHead, context: ChannelHandlerContext) {
        let request = self.handshakeRequest(head: head, context: context)
        let exchange = EngineHTTPExchange(handler: self, eventLoop: context.eventLoop, isHandshake: true)
        self.exchange = exchange
        self.exchangeIsPost = false
        let loop = context.eventLoop
        let server = self.server
        let bound = NIOLoopBound(self, eventLoop: loop)
        server.authorize(request, on: loop).whenSuccess { decision in
            switch decision {
            case .deny(let message):
                server.statistics.countError(.forbidden)
                exchange.answer(error: .forbidden, message: message)
            case .allow:
                let session = server.makeSession(handshake: request, transport: .polling, on: loop)
                bound.value.exchangeSession = session
                session.openOnEventLoop(polling: exchange)
                server.announce(session)
            }
        }
    }

    private func fallback(head: HTTPRequestHead, context: ChannelHandlerContext) {
        let request = EngineHTTPRequest(
            method: head.method,
            uri: head.uri,
            path: self.target.path,
            query: self.target.query,
            headers: head.headers,
            body: self.body,
            remoteAddress: context.channel.remoteAddress
        )
        self.body = ByteBuffer()
        guard let fallback = self.server.fallback else {
            self.write(response: .notFound)
            return
        }
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let loop = context.eventLoop
        let statistics = self.server.statistics
        self.fallbackInFlight = true
        let answer = loop.makeFutureWithTask { await fallback(request) }
        let timeout = loop.scheduleTask(in: self.configuration.httpLimits.fallbackTimeout) {
            let handler = bound.value
            guard handler.fallbackInFlight else { return }
            handler.fallbackInFlight = false
            statistics.fallbackTimeouts.wrappingIncrement(ordering: .relaxed)
            handler.write(response: EngineHTTPResponse(status: .serviceUnavailable, body: "Service Unavailable"), closeConnection: true)
        }
        answer.whenSuccess { response in
            timeout.cancel()
            let handler = bound.value
            guard handler.fallbackInFlight else { return }
            handler.fallbackInFlight = false
            handler.write(response: response)
        }
    }

    // MARK: - Writing answers

    /// Writes the answer to `exchange` if it is still the request this connection waits on.
    func respond(
        to exchange: EngineHTTPExchange,
        status: HTTPResponseStatus,
        contentType: String?,
        body: ByteBuffer,
        closeConnection: Bool = false
    ) {
        guard self.exchange === exchange else { return }
        self.exchange = nil
        let session = self.exchangeSession
        self.exchangeSession = nil
        var headers = HTTPHeaders()
        if let contentType { headers.add(name: "Content-Type", value: contentType) }
        if exchange.isHandshake, status == .ok, let cookie = self.configuration.cookie, let session {
            headers.add(name: "Set-Cookie", value: cookie.headerValue(sessionID: session.id))
        }
        self.write(status: status, headers: headers, body: body, closeConnection: closeConnection)
    }

    private func respond(status: HTTPResponseStatus, contentType: String, body: ByteBuffer) {
        self.write(status: status, headers: ["Content-Type": contentType], body: body)
    }

    private func write(response: EngineHTTPResponse, closeConnection: Bool = false) {
        self.write(status: response.status, headers: response.headers, body: response.body, closeConnection: closeConnection, cors: false)
    }

    private func write(
        status: HTTPResponseStatus,
        headers: HTTPHeaders,
        body: ByteBuffer,
        closeConnection: Bool = false,
        cors: Bool = true
    ) {
        guard let context = self.context, let head = self.head else { return }
        var headers = headers
        if cors, let policy = self.configuration.cors, status != .noContent {
            for (name, value) in policy.responseHeaders(for: head.headers) { headers.add(name: name, value: value) }
        }
        headers.replaceOrAdd(name: "Content-Length", value: String(body.readableBytes))
        if headers["Cache-Control"].isEmpty { headers.add(name: "Cache-Control", value: "no-store") }
        let keepAlive = head.isKeepAlive && !closeConnection
        if !keepAlive {
            headers.replaceOrAdd(name: "Connection", value: "close")
        } else if head.version.major == 1 && head.version.minor == 0 {
            headers.replaceOrAdd(name: "Connection", value: "keep-alive")
        }
        let responseHead = HTTPResponseHead(version: head.version, status: status, headers: headers)
        context.write(self.wrapOutboundOut(.head(responseHead)), promise: nil)
        if body.readableBytes > 0 && head.method != .HEAD {
            context.write(self.wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        }
        if keepAlive {
            context.writeAndFlush(self.wrapOutboundOut(.end(nil)), promise: nil)
        } else {
            let channel = context.channel
            context.writeAndFlush(self.wrapOutboundOut(.end(nil))).whenComplete { _ in
                channel.close(promise: nil)
            }
        }
    }

    /// A refused WebSocket upgrade gets a plain-text 400, as the reference answers it.
    private func respondRefusedUpgrade(error: EngineHTTPError, message: String?, context: ChannelHandlerContext) {
        let text = message ?? error.message
        self.write(
            status: .badRequest,
            headers: ["Content-Type": "text/html"],
            body: ByteBuffer(string: text),
            closeConnection: true,
            cors: false
        )
    }
}
