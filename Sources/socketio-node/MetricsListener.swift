import EngineIO
import NIOCore
import NIOHTTP1
import NIOPosix

/// The listener of `--metrics-port`: `/metrics` only (and `/healthz`, `/readyz`), away from the
/// port clients and the balancer reach. One request per connection (`Connection: close`), and a
/// connection gets `deadline` in all to send it.
enum MetricsListener {
    static func bind(host: String, port: Int, group: any EventLoopGroup, routes: NodeRoutesBox, deadline: TimeAmount = .seconds(10)) async throws -> any Channel {
        try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(MetricsRequestHandler(routes: routes))
                    let expiry = channel.eventLoop.scheduleTask(in: deadline) { channel.close(promise: nil) }
                    channel.closeFuture.whenComplete { _ in expiry.cancel() }
                }
            }
            .bind(host: host, port: port)
            .get()
    }
}

/// Answers one request on the metrics port, then closes the connection.
final class MetricsRequestHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let routes: NodeRoutesBox
    private var head: HTTPRequestHead?

    init(routes: NodeRoutesBox) {
        self.routes = routes
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
        case .body:
            break
        case .end:
            guard let head = self.head else { return }
            self.head = nil
            let path = EngineRequestTarget(uri: head.uri).path
            let response = self.routes.respondOnMetricsPort(method: head.method, path: path)
            var headers = response.headers
            headers.replaceOrAdd(name: "Content-Length", value: String(response.body.readableBytes))
            headers.replaceOrAdd(name: "Connection", value: "close")
            context.write(self.wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: response.status, headers: headers))), promise: nil)
            if head.method != .HEAD { context.write(self.wrapOutboundOut(.body(.byteBuffer(response.body))), promise: nil) }
            let channel = context.channel
            context.writeAndFlush(self.wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
