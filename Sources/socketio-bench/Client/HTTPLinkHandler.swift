import NIOCore
import NIOHTTP1

/// One keep-alive HTTP/1.1 connection that carries one request at a time (a polling GET or POST).
/// Sits after NIOHTTP1's client codec.
final class HTTPLinkHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    /// A finished exchange: status and the whole body.
    typealias Completion = (_ status: Int, _ body: ByteBuffer) -> Void

    private var context: ChannelHandlerContext?
    private var completion: Completion?
    private var status = 0
    private var body = ByteBuffer()
    private let hostHeader: String
    /// Called once when the connection goes away (before any pending completion is dropped).
    var onClose: ((_ reason: String) -> Void)?

    /// A link whose requests carry `Host: hostHeader`.
    init(hostHeader: String) {
        self.hostHeader = hostHeader
    }

    /// True while a request waits for its response.
    var isBusy: Bool { self.completion != nil }

    /// True while the connection is usable.
    var isActive: Bool { self.context?.channel.isActive ?? false }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    /// Sends a request; `completion` runs on the loop with the response.
    func send(method: HTTPMethod, uri: String, body: ByteBuffer?, completion: @escaping Completion) {
        guard let context, self.completion == nil else {
            preconditionFailure("HTTPLinkHandler carries one request at a time")
        }
        self.completion = completion
        self.status = 0
        self.body.clear()
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: self.hostHeader)
        if let body {
            headers.add(name: "Content-Type", value: "text/plain;charset=UTF-8")
            headers.add(name: "Content-Length", value: String(body.readableBytes))
        }
        let head = HTTPRequestHead(version: .http1_1, method: method, uri: uri, headers: headers)
        context.write(self.wrapOutboundOut(.head(head)), promise: nil)
        if let body { context.write(self.wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        context.writeAndFlush(self.wrapOutboundOut(.end(nil)), promise: nil)
    }

    /// Closes the connection.
    func close() {
        self.context?.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .head(let head):
            self.status = Int(head.status.code)
        case .body(var bytes):
            self.body.writeBuffer(&bytes)
        case .end:
            let completion = self.completion
            self.completion = nil
            completion?(self.status, self.body)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.completion = nil
        let onClose = self.onClose
        self.onClose = nil
        onClose?("HTTP connection closed")
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        let onClose = self.onClose
        self.onClose = nil
        self.completion = nil
        onClose?("HTTP connection error: \(error)")
        context.close(promise: nil)
    }
}
