import NIOCore
import NIOHTTP1
import NIOHTTPCompression
import NIOPosix
import NIOWebSocket

extension EngineServer {
    /// Installs the HTTP/1.1 server, the WebSocket upgrader and the engine's handlers on a new
    /// connection. Call it on the channel's event loop (e.g. in a child channel initializer).
    public func configureHTTPPipeline(on channel: any Channel) throws {
        let httpHandler = EngineHTTPHandler(server: self)
        let boundHTTPHandler = NIOLoopBound(httpHandler, eventLoop: channel.eventLoop)
        let upgrader = NIOWebSocketServerUpgrader(
            maxFrameSize: max(self.configuration.maxHTTPBufferSize, 1 << 14),
            automaticErrorHandling: true,
            shouldUpgrade: { [self] channel, head in
                self.shouldUpgrade(channel: channel, head: head, httpHandler: boundHTTPHandler)
            },
            upgradePipelineHandler: { [self] channel, head in
                channel.eventLoop.makeCompletedFuture {
                    try self.startWebSocket(channel: channel, head: head)
                }
            }
        )
        var compressor: HTTPResponseCompressor?
        if let threshold = self.configuration.compressionThreshold {
            compressor = HTTPResponseCompressor(responseCompressionPredicate: { head, _ in
                let length = head.headers.first(name: "content-length").flatMap(Int.init) ?? 0
                return length >= threshold ? .compressIfPossible : .doNotCompress
            })
        }
        let boundCompressor = compressor.map { NIOLoopBound($0, eventLoop: channel.eventLoop) }
        let operations = channel.pipeline.syncOperations
        try operations.configureHTTPServerPipeline(
            withServerUpgrade: (
                upgraders: [upgrader],
                completionHandler: { context in
                    let operations = context.pipeline.syncOperations
                    if let boundCompressor { operations.removeHandler(boundCompressor.value, promise: nil) }
                    operations.removeHandler(boundHTTPHandler.value, promise: nil)
                }
            )
        )
        if let compressor { try operations.addHandler(compressor) }
        try operations.addHandler(httpHandler)
    }

    /// Binds a listening socket that serves this engine (and the fallback) on `host:port`.
    public func bind(host: String, port: Int, group: any EventLoopGroup) async throws -> any Channel {
        try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture { try self.configureHTTPPipeline(on: channel) }
            }
            .bind(host: host, port: port)
            .get()
    }

    // MARK: - WebSocket upgrade

    private func shouldUpgrade(
        channel: any Channel,
        head: HTTPRequestHead,
        httpHandler: NIOLoopBound<EngineHTTPHandler>
    ) -> EventLoopFuture<HTTPHeaders?> {
        let loop = channel.eventLoop
        let target = EngineRequestTarget(uri: head.uri)
        guard target.path.hasPrefix(self.configuration.path) else { return loop.makeSucceededFuture(nil) }
        let refuse: @Sendable (EngineHTTPError, String?) -> EventLoopFuture<HTTPHeaders?> = { error, message in
            httpHandler.value.refusedUpgrade = (error, message)
            return loop.makeSucceededFuture(nil)
        }
        let route = EngineRequestValidator.validate(
            method: head.method,
            query: target.query,
            headers: head.headers,
            isWebSocketUpgrade: true,
            configuration: self.configuration
        )
        switch route {
        case .failure(let error):
            return refuse(error, nil)
        case .success(.handshake(.polling)), .success(.session(_, .polling)):
            return loop.makeSucceededFuture(nil)
        case .success(.session(let sid, .websocket)):
            guard self.registry.session(id: sid) != nil else { return refuse(.unknownSessionID, nil) }
            return loop.makeSucceededFuture(HTTPHeaders())
        case .success(.handshake(.websocket)):
            let request = EngineHandshakeRequest(
                method: head.method,
                uri: head.uri,
                headers: head.headers,
                query: target.query,
                remoteAddress: channel.remoteAddress
            )
            return self.authorize(request, on: loop).flatMap { decision in
                switch decision {
                case .allow: return loop.makeSucceededFuture(HTTPHeaders())
                case .deny(let message): return refuse(.forbidden, message)
                }
            }
        }
    }

    /// Runs after the 101: a new session on this WebSocket, or an upgrade probe for an existing one.
    private func startWebSocket(channel: any Channel, head: HTTPRequestHead) throws {
        let target = EngineRequestTarget(uri: head.uri)
        let transport = EngineWebSocketTransport(channel: channel)
        let operations = channel.pipeline.syncOperations
        let aggregator = NIOWebSocketFrameAggregator(
            minNonFinalFragmentSize: 0,
            maxAccumulatedFrameCount: 1024,
            maxAccumulatedFrameSize: max(self.configuration.maxHTTPBufferSize, 1 << 14)
        )
        if let sid = target.query["sid"] {
            guard let session = self.registry.session(id: sid) else {
                transport.close(code: .normalClosure)
                return
            }
            try operations.addHandler(aggregator)
            try operations.addHandler(EngineWebSocketHandler(transport: transport, session: session))
            session.eventLoop.execute { session.attachProbeOnEventLoop(transport) }
        } else {
            let request = EngineHandshakeRequest(
                method: head.method,
                uri: head.uri,
                headers: head.headers,
                query: target.query,
                remoteAddress: channel.remoteAddress
            )
            let session = self.makeSession(handshake: request, on: channel.eventLoop)
            try operations.addHandler(aggregator)
            try operations.addHandler(EngineWebSocketHandler(transport: transport, session: session))
            session.openOnEventLoop(webSocket: transport)
            self.announce(session)
        }
    }
}
