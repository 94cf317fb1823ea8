import NIOCore
import NIOWebSocket

/// A WebSocket that carries (or probes for) one session. Safe to use from any thread.
final class EngineWebSocketTransport: @unchecked Sendable {
    let channel: any Channel
    /// Writes prepared WebSocket messages below the frame encoder (used on the channel's loop only).
    private let rawWriter: EngineWebSocketRawWriter?
    /// A flush is queued in this loop's ``EngineFlushBatch`` (touched on the channel's loop only).
    private var flushPending = false

    init(channel: any Channel, rawWriter: EngineWebSocketRawWriter? = nil) {
        self.channel = channel
        self.rawWriter = rawWriter
    }

    /// Whether the socket's outbound buffer is below its high watermark.
    var isWritable: Bool { self.channel.isWritable }

    /// Bytes queued in the channel but not yet written to the socket (0 when asked off its loop).
    var bufferedBytes: Int {
        guard self.channel.eventLoop.inEventLoop else { return 0 }
        return (try? self.channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? 0
    }

    /// Writes one Engine.IO packet as one WebSocket message. On the channel's own loop the flush is
    /// coalesced with the loop's other writes (``EngineFlushBatch``); from another thread it is immediate.
    func write(_ frame: EngineFrame) {
        let opcode: WebSocketOpcode = frame.kind == .text ? .text : .binary
        let message = WebSocketFrame(fin: true, opcode: opcode, data: frame.bytes)
        guard self.channel.eventLoop.inEventLoop else {
            self.channel.writeAndFlush(message, promise: nil)
            return
        }
        if let prepared = frame.webSocketMessage, let rawWriter = self.rawWriter, rawWriter.isActive {
            rawWriter.write(prepared)
        } else {
            self.channel.write(message, promise: nil)
        }
        if !self.flushPending {
            self.flushPending = true
            EngineFlushBatch.forCurrentThread().enqueue(self, on: self.channel.eventLoop)
        }
    }

    /// Flushes what ``write(_:)`` left pending.
    func flushNow() {
        self.flushPending = false
        self.channel.flush()
    }

    /// Sends a close frame with `code`, then closes the connection.
    func close(code: WebSocketErrorCode) {
        var data = self.channel.allocator.buffer(capacity: 2)
        data.write(webSocketErrorCode: code)
        let channel = self.channel
        channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .connectionClose, data: data)).whenComplete { _ in
            channel.close(promise: nil)
        }
    }
}

/// Sits below the WebSocket frame encoder and lets the transport write messages that already carry
/// their frame header (``EngineFrame/preparedForBroadcast()``), skipping the encoder.
final class EngineWebSocketRawWriter: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    private var context: ChannelHandlerContext?

    var isActive: Bool { self.context != nil }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    /// Writes a complete WebSocket message (on the channel's loop).
    func write(_ message: ByteBuffer) {
        self.context?.write(self.wrapOutboundOut(.byteBuffer(message)), promise: nil)
    }
}
