import Atomics
import EngineIO
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// Forwards requests for sessions owned by other nodes: polling requests are relayed as HTTP requests
/// and their answers relayed back; WebSocket upgrades become a byte tunnel to the owner.
///
/// A session id names its node by its routing tag; the owner's address comes from the
/// ``NodeDirectory``. A forwarded request carries ``EngineForwarding/markerHeader`` and is never
/// forwarded again. Each forward has deadlines (connect, whole request) and the number in flight is
/// bounded; a dead or unknown owner yields `Session ID unknown`. Each forwarded request uses its own
/// connection to the owner (no pooling): with a balancer that routes by sid, forwarding is the rare path.
public final class ClusterRequestForwarder: EngineRequestForwarder {
    let directory: NodeDirectory
    let nodeID: String
    let connectTimeout: TimeAmount
    let requestTimeout: TimeAmount
    let maxResponseBytes: Int
    let maxInFlight: Int
    let logger: Logger
    private let inFlight = ManagedAtomic<Int>(0)

    /// A forwarder for this node (`nodeID`, whose tag is `directory.tag`). `requestTimeout` must exceed
    /// pingInterval, since a forwarded polling GET waits like any long poll.
    public init(
        directory: NodeDirectory,
        nodeID: String,
        requestTimeout: TimeAmount,
        connectTimeout: TimeAmount = .seconds(2),
        maxResponseBytes: Int = 16 * 1_048_576,
        maxInFlight: Int = 4096,
        logger: Logger
    ) {
        self.directory = directory
        self.nodeID = nodeID
        self.requestTimeout = requestTimeout
        self.connectTimeout = connectTimeout
        self.maxResponseBytes = maxResponseBytes
        self.maxInFlight = maxInFlight
        self.logger = logger
    }

    /// Requests being forwarded now.
    public var requestsInFlight: Int { self.inFlight.load(ordering: .relaxed) }

    public func mayForward(sessionID: String) -> Bool {
        guard let tag = NodeRoutingTag(sessionID: sessionID) else { return false }
        return tag != self.directory.tag
    }

    public func forward(_ request: EngineHTTPRequest, sessionID: String, on eventLoop: any EventLoop) -> EventLoopFuture<EngineHTTPResponse?> {
        self.forward(request, sessionID: sessionID, on: eventLoop, until: nil)
    }

    public func forward(
        _ request: EngineHTTPRequest,
        sessionID: String,
        on eventLoop: any EventLoop,
        until clientGone: EventLoopFuture<Void>
    ) -> EventLoopFuture<EngineHTTPResponse?> {
        self.forward(request, sessionID: sessionID, on: eventLoop, until: Optional(clientGone))
    }

    private func forward(
        _ request: EngineHTTPRequest,
        sessionID: String,
        on eventLoop: any EventLoop,
        until clientGone: EventLoopFuture<Void>?
    ) -> EventLoopFuture<EngineHTTPResponse?> {
        guard let tag = NodeRoutingTag(sessionID: sessionID), self.acquire() else { return eventLoop.makeSucceededFuture(nil) }
        var marked = request
        marked.headers.replaceOrAdd(name: EngineForwarding.markerHeader, value: self.nodeID)
        let request = marked
        let directory = self.directory
        return eventLoop.makeFutureWithTask { await directory.address(of: tag.value) }
            .flatMap { [self] address -> EventLoopFuture<EngineHTTPResponse?> in
                guard let address, let (host, port) = Self.split(address) else { return eventLoop.makeSucceededFuture(nil) }
                return self.relay(request, host: host, port: port, on: eventLoop, until: clientGone).map { Optional($0) }
            }
            .flatMapError { [self] error in
                self.logger.debug("forwarding failed", metadata: ["sid": "\(sessionID)", "error": "\(error)"])
                // A client that left says nothing about the owner: keep its address.
                if (error as? ForwardingError) != .cancelled { directory.forget(tag.value) }
                return eventLoop.makeSucceededFuture(nil)
            }
            .always { [self] _ in self.release() }
    }

    public func openTunnel(for head: HTTPRequestHead, sessionID: String, on eventLoop: any EventLoop) -> EventLoopFuture<(any EngineTunnel)?> {
        guard let tag = NodeRoutingTag(sessionID: sessionID), self.acquire() else { return eventLoop.makeSucceededFuture(nil) }
        var marked = head
        marked.headers.replaceOrAdd(name: EngineForwarding.markerHeader, value: self.nodeID)
        let head = marked
        let directory = self.directory
        return eventLoop.makeFutureWithTask { await directory.address(of: tag.value) }
            .flatMap { [self] address -> EventLoopFuture<(any EngineTunnel)?> in
                guard let address, let (host, port) = Self.split(address) else { return eventLoop.makeSucceededFuture(nil) }
                return ClientBootstrap(group: eventLoop)
                    .connectTimeout(self.connectTimeout)
                    .channelOption(.autoRead, value: false)
                    .channelOption(.socketOption(.tcp_nodelay), value: 1)
                    .connect(host: host, port: port)
                    .flatMap { channel in
                        channel.writeAndFlush(Self.serialize(head)).map { RelayTunnel(owner: channel) as (any EngineTunnel)? }
                    }
            }
            .flatMapError { error in
                directory.forget(tag.value)
                return eventLoop.makeSucceededFuture(nil)
            }
            .always { [self] _ in self.release() }
    }

    // MARK: Relaying one HTTP request

    private func relay(
        _ request: EngineHTTPRequest,
        host: String,
        port: Int,
        on eventLoop: any EventLoop,
        until clientGone: EventLoopFuture<Void>?
    ) -> EventLoopFuture<EngineHTTPResponse> {
        let promise = eventLoop.makePromise(of: EngineHTTPResponse.self)
        let maxBytes = self.maxResponseBytes
        let timeout = self.requestTimeout
        return ClientBootstrap(group: eventLoop)
            .connectTimeout(self.connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let operations = channel.pipeline.syncOperations
                    try operations.addHTTPClientHandlers()
                    try operations.addHandler(ForwardedResponseCollector(promise: promise, maxBodyBytes: maxBytes))
                }
            }
            .connect(host: host, port: port)
            .flatMapError { error in
                // No connection, so the collector never runs: fail its promise here.
                promise.fail(error)
                return eventLoop.makeFailedFuture(error)
            }
            .flatMap { channel in
                var headers = request.headers
                headers.replaceOrAdd(name: "Connection", value: "close")
                headers.replaceOrAdd(name: "Content-Length", value: String(request.body.readableBytes))
                headers.remove(name: "Transfer-Encoding")
                let head = HTTPRequestHead(version: .http1_1, method: request.method, uri: request.uri, headers: headers)
                channel.write(HTTPClientRequestPart.head(head), promise: nil)
                if request.body.readableBytes > 0 {
                    channel.write(HTTPClientRequestPart.body(.byteBuffer(request.body)), promise: nil)
                }
                channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
                let timer = channel.eventLoop.scheduleTask(in: timeout) {
                    promise.fail(ForwardingError.timeout)
                    channel.close(promise: nil)
                }
                clientGone?.whenComplete { _ in
                    promise.fail(ForwardingError.cancelled)
                    channel.close(promise: nil)
                }
                return promise.futureResult.always { _ in
                    timer.cancel()
                    channel.close(promise: nil)
                }
            }
    }

    // MARK: Helpers

    private func acquire() -> Bool {
        if self.inFlight.loadThenWrappingIncrement(ordering: .relaxed) >= self.maxInFlight {
            self.inFlight.wrappingDecrement(ordering: .relaxed)
            return false
        }
        return true
    }

    private func release() {
        self.inFlight.wrappingDecrement(ordering: .relaxed)
    }

    /// `host:port` (also `[v6]:port`) split in two; nil unless the port is in 1...65535 and the host is
    /// 1 to 255 bytes (the address comes from the node directory in Redis: untrusted).
    package static func split(_ address: String) -> (String, Int)? {
        guard address.utf8.count <= 300, let colon = address.lastIndex(of: ":"),
            let port = Int(address[address.index(after: colon)...]), (1...65_535).contains(port)
        else { return nil }
        var host = String(address[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host.isEmpty || host.utf8.count > 255 ? nil : (host, port)
    }

    /// The bytes of an HTTP/1.1 request head.
    static func serialize(_ head: HTTPRequestHead) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeString("\(head.method.rawValue) \(head.uri) HTTP/1.1\r\n")
        for (name, value) in head.headers { buffer.writeString("\(name): \(value)\r\n") }
        buffer.writeString("\r\n")
        return buffer
    }
}

/// Why a forward failed.
enum ForwardingError: Error, Equatable {
    case timeout
    /// The client closed its connection before the owner answered.
    case cancelled
    case responseTooLarge
    case connectionClosed
}

/// Gathers the owner's answer to a forwarded request.
final class ForwardedResponseCollector: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart

    private let promise: EventLoopPromise<EngineHTTPResponse>
    private let maxBodyBytes: Int
    private var head: HTTPResponseHead?
    private var body = ByteBuffer()

    init(promise: EventLoopPromise<EngineHTTPResponse>, maxBodyBytes: Int) {
        self.promise = promise
        self.maxBodyBytes = maxBodyBytes
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
        case .body(var chunk):
            guard self.body.readableBytes + chunk.readableBytes <= self.maxBodyBytes else {
                self.promise.fail(ForwardingError.responseTooLarge)
                context.close(promise: nil)
                return
            }
            self.body.writeBuffer(&chunk)
        case .end:
            guard let head = self.head else { return }
            var headers = head.headers
            for name in ["Connection", "Keep-Alive", "Transfer-Encoding", "Content-Length"] { headers.remove(name: name) }
            self.promise.succeed(EngineHTTPResponse(status: head.status, headers: headers, body: self.body))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.promise.fail(ForwardingError.connectionClosed)
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        // Whatever happened, the promise is completed once the handler goes.
        self.promise.fail(ForwardingError.connectionClosed)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.promise.fail(error)
        context.close(promise: nil)
    }
}

/// A connection to the owner node relaying a WebSocket's bytes.
final class RelayTunnel: EngineTunnel {
    let owner: any Channel

    init(owner: any Channel) {
        self.owner = owner
    }

    func attach(to channel: any Channel) {
        let (clientSide, ownerSide) = TunnelRelayHandler.pair()
        do {
            try channel.pipeline.syncOperations.addHandler(clientSide)
            try self.owner.pipeline.syncOperations.addHandler(ownerSide)
            self.owner.setOption(.autoRead, value: true).whenComplete { _ in self.owner.read() }
        } catch {
            channel.close(promise: nil)
            self.owner.close(promise: nil)
        }
    }

    func cancel() {
        self.owner.close(promise: nil)
    }
}
