import NIOCore

/// Answers a connection over the server's `maxConnections` with `503 Service Unavailable` and
/// `Connection: close`, then closes it: output first (so the answer is not lost to a reset while the
/// request is unread), the whole connection once the peer closes or after `lingerTime`.
final class EngineConnectionRefusalHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    static let response = "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\nRetry-After: 1\r\n\r\n"

    private let lingerTime: TimeAmount
    private var answered = false

    init(lingerTime: TimeAmount = .seconds(1)) {
        self.lingerTime = lingerTime
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { self.answer(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        self.answer(context: context)
        context.fireChannelActive()
    }

    /// The request is not read: whatever the peer sends is dropped.
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func answer(context: ChannelHandlerContext) {
        guard !self.answered else { return }
        self.answered = true
        let channel = context.channel
        let response = context.channel.allocator.buffer(string: Self.response)
        context.writeAndFlush(NIOAny(response)).whenComplete { _ in
            channel.close(mode: .output, promise: nil)
        }
        channel.eventLoop.scheduleTask(in: self.lingerTime) { channel.close(promise: nil) }
    }
}
