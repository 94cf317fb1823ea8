import NIOCore
import NIOHTTP1
import NIOHTTPCompression
import NIOPosix

extension EngineServer {
    /// Installs the HTTP/1.1 server and the engine's handlers on a new connection. Call it on the
    /// channel's event loop (e.g. in a child channel initializer).
    ///
    /// The engine performs WebSocket upgrades itself (``EngineHTTPHandler``), so a WebSocket may follow
    /// polling requests on the same keep-alive connection, as some clients (aiohttp) do.
    ///
    /// Every connection counts toward ``EngineHTTPLimits/maxConnections``: one over the cap is answered
    /// `503` and closed. ``EngineHTTPLimits``' deadlines close connections that are slow to send a
    /// request or silent between requests.
    public func configureHTTPPipeline(on channel: any Channel) throws {
        try self.configureHTTPPipeline(on: channel, passingOtherRequestsOn: false)
    }

    /// ``configureHTTPPipeline(on:)`` for a host framework's HTTP server on the same connection:
    /// with `passingOtherRequestsOn`, each request outside the engine's path (head, body parts, end)
    /// goes on to the handler added after the engine's, which writes its response back through the
    /// engine's HTTP handlers; the fallback responder is not used. The engine still decides per
    /// request, so one keep-alive connection may carry both.
    package func configureHTTPPipeline(on channel: any Channel, passingOtherRequestsOn: Bool) throws {
        _ = EngineHandlerTypes.instantiated
        let operations = channel.pipeline.syncOperations
        guard self.admitConnection(channel) else {
            self.statistics.connectionsRefused.wrappingIncrement(ordering: .relaxed)
            try operations.addHandler(EngineConnectionRefusalHandler())
            return
        }
        let responseEncoder = HTTPResponseEncoder()
        let deadlines = EngineHTTPDeadlineHandler(
            limits: self.configuration.httpLimits,
            statistics: self.statistics,
            now: channel.eventLoop.now
        )
        let requestDecoder = ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .forwardBytes))
        // One request at a time, and a 400 for what the parser refuses (NIO's pipelining and
        // protocol-error handlers in one, which stops reading only when a client pipelines).
        let gate = EngineHTTPRequestGate()
        var httpHandlers: [any RemovableChannelHandler] = [deadlines, gate]
        try operations.addHandler(responseEncoder)
        try operations.addHandler(deadlines)
        try operations.addHandler(requestDecoder)
        try operations.addHandler(gate)
        if let threshold = self.configuration.compressionThreshold {
            let compressor = HTTPResponseCompressor(responseCompressionPredicate: { head, _ in
                // A response already encoded by the application (fallback or host framework) stays as it is.
                if head.headers.contains(name: "content-encoding") { return .doNotCompress }
                let length = head.headers.first(name: "content-length").flatMap(Int.init) ?? 0
                return length >= threshold ? .compressIfPossible : .doNotCompress
            })
            try operations.addHandler(compressor)
            httpHandlers.append(compressor)
        }
        let handlers = EngineHTTPPipelineHandlers(
            middle: httpHandlers,
            requestDecoder: requestDecoder,
            responseEncoder: responseEncoder
        )
        try operations.addHandler(EngineHTTPHandler(server: self, pipelineHandlers: handlers, passesOtherRequestsOn: passingOtherRequestsOn))
    }

    /// Counts `channel` as open until it closes, unless ``EngineHTTPLimits/maxConnections`` are open
    /// already.
    private func admitConnection(_ channel: any Channel) -> Bool {
        let open = self.statistics.openConnections.wrappingIncrementThenLoad(ordering: .relaxed)
        if let cap = self.configuration.httpLimits.maxConnections, open > cap {
            self.statistics.openConnections.wrappingDecrement(ordering: .relaxed)
            return false
        }
        let statistics = self.statistics
        channel.closeFuture.whenComplete { _ in
            statistics.openConnections.wrappingDecrement(ordering: .relaxed)
        }
        return true
    }

    /// Binds a listening socket that serves this engine (and the fallback) on `host:port`.
    ///
    /// When `accept` fails (the process's open-files limit reached, say) the listener pauses for
    /// ``EngineHTTPLimits/acceptBackoff`` instead of retrying at once, so the node keeps serving the
    /// connections it has without spinning, and accepts again once descriptors are free.
    public func bind(host: String, port: Int, group: any EventLoopGroup) async throws -> any Channel {
        let backoff = self.configuration.httpLimits.acceptBackoff
        let statistics = self.statistics
        let logger = self.configuration.logger
        return try await ServerBootstrap(group: group)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(EngineAcceptThrottle(backoff: backoff, statistics: statistics, logger: logger))
                }
            }
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelOption(.recvAllocator, value: EngineServer.receiveBufferAllocator)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls = self.configuration.tls {
                        try channel.pipeline.syncOperations.addHandler(tls.makeHandler())
                    }
                    try self.configureHTTPPipeline(on: channel)
                }
            }
            .bind(host: host, port: port)
            .get()
    }

    /// Read buffers of a connection start at 512 bytes and grow (to 64 KiB) only while reads fill them.
    /// A channel keeps its last read buffer for reuse, so with NIO's default start of 2 KiB every idle
    /// connection held 2 KiB; Engine.IO reads are mostly small (a handshake, a ping, an event).
    static let receiveBufferAllocator = AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 512, maximum: 65536)

    /// Puts the WebSocket handler on a connection that was just switched from HTTP, and starts the
    /// session (a new one, or an upgrade probe for `sid`).
    ///
    /// One handler (``EngineWebSocketConnectionHandler``) parses frames, and the transport writes
    /// frames as bytes through it: no frame decoder, aggregator, encoder or `WebSocketFrame` values.
    /// With `deflate` (negotiated permessage-deflate) the transport compresses messages at or above
    /// the configured threshold and the handler inflates compressed ones.
    ///
    /// `requestDecoder` is the connection's HTTP request decoder, still in the pipeline: the WebSocket
    /// handler goes right after it (found by type when not given).
    func startWebSocket(
        channel: any Channel,
        request: EngineHandshakeRequest,
        sid: String?,
        deflate: EnginePerMessageDeflateAgreement? = nil,
        after requestDecoder: (any ChannelHandler)? = nil
    ) throws {
        let transport = EngineWebSocketTransport(
            channel: channel,
            maxBufferedBytes: self.configuration.maxWebSocketBufferedBytes,
            deflate: deflate,
            compressionThreshold: self.configuration.perMessageDeflate?.threshold ?? 0
        )
        let operations = channel.pipeline.syncOperations
        // The limit the handshake advertises as maxPayload, as the reference's `ws` server applies it.
        let maxMessageSize = self.configuration.maxHTTPBufferSize
        let session: EngineSession
        if let sid {
            guard let existing = self.registry.session(id: sid) else {
                transport.close(code: .normalClosure)
                return
            }
            session = existing
        } else {
            session = self.makeSession(handshake: request, transport: .websocket, on: channel.eventLoop)
        }
        // Right after the HTTP request decoder (which hands it the bytes it still holds), so it comes before
        // any handler a host framework keeps after the engine's (`configureHTTPPipeline(on:passingOtherRequestsOn:)`).
        let decoder = requestDecoder ?? (try? operations.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self))
        try operations.addHandler(
            EngineWebSocketConnectionHandler(transport: transport, session: session, maxMessageSize: maxMessageSize, deflate: deflate),
            position: decoder.map { .after($0) } ?? .last
        )
        if sid != nil {
            session.eventLoop.execute { session.attachProbeOnEventLoop(transport) }
        } else {
            session.openOnEventLoop(webSocket: transport)
            self.announce(session)
        }
    }
}

/// The HTTP handlers of a connection, removed when it switches to WebSocket.
struct EngineHTTPPipelineHandlers {
    /// Removed first (deadlines, the request gate, compression).
    var middle: [any RemovableChannelHandler]
    /// Removed after the middle ones; bytes it still holds go to the WebSocket handler.
    var requestDecoder: any RemovableChannelHandler
    /// Removed last, once the 101 is written.
    var responseEncoder: any RemovableChannelHandler
}

/// Creates one of each generic handler type once, before connections on several event loops create
/// them at the same moment: the first concurrent instantiation of a generic type's metadata has been
/// seen to crash the Swift runtime (a SIGSEGV in `swift_checkMetadataState`). A static `let` is
/// initialised exactly once, and other threads wait for it.
enum EngineHandlerTypes {
    static let instantiated: Void = {
        _ = ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .forwardBytes))
        _ = HTTPResponseEncoder()
        _ = HTTPResponseCompressor()
        _ = NIOLoopBound<Int>.self
    }()
}
