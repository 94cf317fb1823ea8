import NIOCore
import NIOWebSocket

/// A WebSocket that carries (or probes for) one session, and the writer of its frames. Safe to use
/// from any thread.
///
/// Frames are written as bytes straight from ``EngineWebSocketConnectionHandler``'s context (no frame
/// type, no encoder handler): the header goes in front of the payload when the payload has room for
/// it, or the two go out as one new buffer (small payloads) or as two writes that leave in one
/// `writev` (large ones). Messages built by ``EngineFrame/preparedForBroadcast()`` go out as they are.
final class EngineWebSocketTransport: @unchecked Sendable {
    let channel: any Channel
    /// The connection handler's context while it is in the pipeline (touched on the channel's loop only).
    private var context: ChannelHandlerContext?
    /// The handler left the pipeline (the connection is gone): writes are dropped.
    private var detached = false
    /// A flush is queued in this loop's ``EngineFlushBatch`` (touched on the channel's loop only).
    private var flushPending = false
    /// A close frame was sent (touched on the channel's loop only); later ones are not.
    private var closeSent = false

    /// Payloads up to this size are copied behind their header into one buffer: cheaper than a
    /// second buffer and a second write.
    static let copyThreshold = 1024

    /// Bytes the connection may hold unwritten (a client that does not read) before it is closed.
    let maxBufferedBytes: Int
    /// Called on the channel's loop, once, when the unwritten bytes pass ``maxBufferedBytes``, just
    /// before the connection is closed with 1008 (set by the connection handler).
    var onOverflow: (@Sendable (EngineWebSocketTransport) -> Void)?

    /// The negotiated permessage-deflate parameters; nil sends every message plain.
    private let deflate: EnginePerMessageDeflateAgreement?
    /// The compressor, made for the first message that is compressed (a zlib stream holds about
    /// 256 KB: connections that never send a large message never pay for one) and kept for the
    /// window unless `server_no_context_takeover` was agreed (touched on the channel's loop only).
    private var deflater: EngineDeflater?
    /// With ``deflate``, messages of at least this many bytes go out compressed.
    private let compressionThreshold: Int

    init(channel: any Channel, maxBufferedBytes: Int = .max, deflate: EnginePerMessageDeflateAgreement? = nil, compressionThreshold: Int = 0) {
        self.channel = channel
        self.maxBufferedBytes = maxBufferedBytes
        self.deflate = deflate
        self.compressionThreshold = max(compressionThreshold, 1)
    }

    /// Whether the socket's outbound buffer is below its high watermark.
    var isWritable: Bool { self.channel.isWritable }


    /// Writes go through `context` from now on (called by the handler when it is added).
    func attach(_ context: ChannelHandlerContext) {
        self.context = context
    }

    /// The handler left the pipeline: drop the context (and the reference cycle through it).
    func detach() {
        self.context = nil
        self.onOverflow = nil  // it holds the session, which holds this transport
        self.detached = true
    }

    /// Writes one Engine.IO packet as one WebSocket message. On the channel's own loop the flush is
    /// coalesced with the loop's other writes (``EngineFlushBatch``); from another thread the write
    /// hops to the loop and is flushed at once.
    ///
    /// The unwritten bytes are accounted on the channel's loop, where they queue, whichever loop the
    /// session runs on: past ``maxBufferedBytes`` (with the socket unwritable) the connection closes
    /// with 1008 and ``onOverflow`` tells the session (a `transport error`).
    func write(_ frame: EngineFrame) {
        guard self.channel.eventLoop.inEventLoop else {
            self.channel.eventLoop.execute {
                self.writeOnLoop(frame)
                self.flushChannel()
                self.checkBuffered()
            }
            return
        }
        self.writeOnLoop(frame)
        if !self.flushPending {
            self.flushPending = true
            EngineFlushBatch.forCurrentThread().enqueue(self, on: self.channel.eventLoop)
        }
        self.checkBuffered()
    }

    /// Closes the connection once its unwritten bytes pass the bound (read on the channel's loop,
    /// and only when the channel is past its high watermark: an atomic load per write otherwise).
    private func checkBuffered() {
        guard !self.channel.isWritable, !self.closeSent else { return }
        let buffered = (try? self.channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? 0
        guard buffered > self.maxBufferedBytes else { return }
        self.onOverflow?(self)
        self.close(code: .policyViolation)
    }

    /// Flushes what ``write(_:)`` left pending.
    func flushNow() {
        self.flushPending = false
        self.flushChannel()
    }

    /// Flushes everything written so far (a pending batched flush still comes, and finds less to do).
    private func flushChannel() {
        if let context = self.context {
            context.flush()
        } else {
            self.channel.flush()
        }
    }

    /// Sends a close frame with `code` (once per connection), then closes the connection.
    func close(code: WebSocketErrorCode) {
        guard self.channel.eventLoop.inEventLoop else {
            self.channel.eventLoop.execute { self.close(code: code) }
            return
        }
        guard !self.closeSent else { return }
        self.closeSent = true
        var payload = self.channel.allocator.buffer(capacity: 4)
        payload.writeInteger(UInt16(0x80 | EngineWebSocketFrameParser.Opcode.close) << 8 | 2)
        payload.write(webSocketErrorCode: code)
        let channel = self.channel
        let written: EventLoopFuture<Void>
        if let context = self.context {
            written = context.writeAndFlush(NIOAny(payload))
        } else {
            written = channel.writeAndFlush(payload)
        }
        written.whenComplete { _ in channel.close(promise: nil) }
    }

    /// Answers a ping with a pong carrying `payload` (at most 125 bytes), flushed at once.
    func pong(_ payload: ByteBuffer) {
        guard !self.closeSent else { return }
        self.writeFrame(opcode: EngineWebSocketFrameParser.Opcode.pong, payload: payload)
        self.flushChannel()
    }

    // MARK: - Framing (on the channel's loop)

    private func writeOnLoop(_ frame: EngineFrame) {
        // Nothing may follow a close frame (RFC 6455 §5.5.1).
        guard !self.closeSent else { return }
        let opcode = frame.kind == .text ? EngineWebSocketFrameParser.Opcode.text : EngineWebSocketFrameParser.Opcode.binary
        // permessage-deflate: compressed per connection (the window is this connection's), so a
        // broadcast's prepared message is not used; the compressed payload has room for the header.
        if let deflate = self.deflate, frame.compress, frame.bytes.readableBytes >= self.compressionThreshold,
            let deflater = self.deflater ?? deflate.makeDeflater(),
            let compressed = deflater.compress(frame.bytes, headroom: EngineWebSocketFrameHeader.maxLength)
        {
            self.deflater = deflate.serverNoContextTakeover ? nil : deflater
            self.writeFrame(opcode: opcode, payload: compressed, compressed: true)
            return
        }
        if let message = frame.webSocketMessage {
            self.send(message)
        } else {
            self.writeFrame(opcode: opcode, payload: frame.bytes)
        }
    }

    /// Writes `payload` as one final frame of `opcode` (RSV1 set when `compressed`) with as few
    /// buffers as possible.
    private func writeFrame(opcode: UInt8, payload: ByteBuffer, compressed: Bool = false) {
        var payload = payload
        let payloadLength = payload.readableBytes
        let headerLength = EngineWebSocketFrameHeader.length(payloadLength: payloadLength)
        let prepended =
            payload.modifyIfUniquelyOwned { buffer -> Bool in
                let start = buffer.readerIndex - headerLength
                guard start >= 0 else { return false }
                EngineWebSocketFrameHeader.set(opcode: opcode, payloadLength: payloadLength, compressed: compressed, in: &buffer, at: start)
                buffer.moveReaderIndex(to: start)
                return true
            } ?? false
        if prepended {
            self.send(payload)
        } else if payloadLength <= Self.copyThreshold {
            var message = self.channel.allocator.buffer(capacity: headerLength + payloadLength)
            EngineWebSocketFrameHeader.write(opcode: opcode, payloadLength: payloadLength, compressed: compressed, to: &message)
            message.writeImmutableBuffer(payload)
            self.send(message)
        } else {
            var header = self.channel.allocator.buffer(capacity: headerLength)
            EngineWebSocketFrameHeader.write(opcode: opcode, payloadLength: payloadLength, compressed: compressed, to: &header)
            self.send(header)
            self.send(payload)
        }
    }

    private func send(_ bytes: ByteBuffer) {
        if let context = self.context {
            context.write(NIOAny(IOData.byteBuffer(bytes)), promise: nil)
        } else if !self.detached {
            self.channel.write(bytes, promise: nil)
        }
    }
}
