import NIOCore
import NIOWebSocket

/// A WebSocket that carries (or probes for) one session. Safe to use from any thread.
final class EngineWebSocketTransport: @unchecked Sendable {
    let channel: any Channel
    /// A flush is queued in this loop's ``EngineFlushBatch`` (touched on the channel's loop only).
    private var flushPending = false

    init(channel: any Channel) {
        self.channel = channel
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
        self.channel.write(message, promise: nil)
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
