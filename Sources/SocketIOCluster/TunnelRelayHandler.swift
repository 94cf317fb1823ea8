import NIOCore

/// One side of a byte relay between two channels on the same event loop: what one reads, the other
/// writes; a side reads only while its partner can write (backpressure); either side closing closes
/// the other.
final class TunnelRelayHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var partner: TunnelRelayHandler?
    private var context: ChannelHandlerContext?
    private var readPending = false

    /// Two handlers relaying to each other.
    static func pair() -> (TunnelRelayHandler, TunnelRelayHandler) {
        let first = TunnelRelayHandler()
        let second = TunnelRelayHandler()
        first.partner = second
        second.partner = first
        return (first, second)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        self.partner = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.partner?.context?.write(data, promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        self.partner?.context?.flush()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.partner?.context?.close(promise: nil)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { self.partner?.resumeReading() }
        context.fireChannelWritabilityChanged()
    }

    func read(context: ChannelHandlerContext) {
        if self.partner?.context?.channel.isWritable ?? true {
            context.read()
        } else {
            self.readPending = true
        }
    }

    private func resumeReading() {
        guard self.readPending, let context = self.context else { return }
        self.readPending = false
        context.read()
    }
}
