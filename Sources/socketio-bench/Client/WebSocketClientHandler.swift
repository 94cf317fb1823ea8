import EngineIO
import NIOCore

/// A Socket.IO client over a raw WebSocket: sends the HTTP upgrade by hand, then parses frames in place
/// and hands every text message to its ``BenchClient``. The only handler in its pipeline.
///
/// Writes made while a read is processed are flushed once, at `channelReadComplete`; writes made from a
/// timer are flushed at once.
final class WebSocketClientHandler: ChannelInboundHandler, EngineTransport {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum Phase {
        /// Upgrade request sent; the bytes of the response head so far.
        case upgrading(ByteBuffer)
        /// Frames flow.
        case open
        /// Closed or failed.
        case closed
    }

    private let client: BenchClient
    private let target: BenchTarget
    private var phase: Phase = .upgrading(ByteBuffer())
    private var context: ChannelHandlerContext?
    /// Bytes of an incomplete frame carried over to the next read.
    private var carry: ByteBuffer?
    /// Payload of a fragmented message being assembled.
    private var fragments: ByteBuffer?
    private var scratch = ByteBuffer()
    private var random: XorShiftGenerator
    private var inRead = false
    private var needsFlush = false
    /// permessage-deflate, when offered (`--deflate`) and accepted: the client compresses messages of
    /// at least ``deflateThreshold`` bytes and inflates what the server compressed, as a browser does.
    private var deflater: EngineDeflater?
    private var inflater: EngineInflater?
    /// The fragmented message being assembled is compressed.
    private var fragmentsCompressed = false
    static let deflateThreshold = 1024
    /// The largest message the client inflates.
    static let maxInflatedSize = WebSocketFrameCodec.maxPayloadLength

    /// A handler driving `client` against `target`.
    init(client: BenchClient, target: BenchTarget, seed: UInt64) {
        self.client = client
        self.target = target
        self.random = XorShiftGenerator(seed: seed)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        self.client.transport = self
        self.scratch = context.channel.allocator.buffer(capacity: 256)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        var key = [UInt8]()
        key.reserveCapacity(16)
        for _ in 0..<2 {
            var bits = self.random.next()
            for _ in 0..<8 { key.append(UInt8(truncatingIfNeeded: bits)); bits >>= 8 }
        }
        let request = HandshakeText.upgradeRequest(target: self.target, key: Base64.encode(key))
        context.writeAndFlush(self.wrapOutboundOut(context.channel.allocator.buffer(string: request)), promise: nil)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.phase = .closed
        self.client.transportClosed()
        self.client.transport = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        self.fail("\(error)")
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = self.unwrapInboundIn(data)
        self.inRead = true
        switch self.phase {
        case .upgrading(var head):
            head.writeBuffer(&bytes)
            guard let headEnd = HandshakeText.endOfHead(head) else {
                guard head.readableBytes < 16_384 else { return self.fail("upgrade response head too long") }
                self.phase = .upgrading(head)
                return
            }
            guard HandshakeText.isSwitchingProtocols(head) else {
                return self.fail("upgrade refused: \(HandshakeText.statusLine(head))")
            }
            if self.target.offersDeflate, HandshakeText.acceptsDeflate(head) {
                // The bench offers no window limits, so the server keeps full windows and context takeover.
                self.deflater = EngineDeflater(windowBits: 15, noContextTakeover: false)
                self.inflater = EngineInflater(noContextTakeover: false)
            }
            head.moveReaderIndex(forwardBy: headEnd)
            self.phase = .open
            self.processFrames(&head)
        case .open:
            if var carried = self.carry {
                self.carry = nil
                carried.writeBuffer(&bytes)
                self.processFrames(&carried)
            } else {
                self.processFrames(&bytes)
            }
        case .closed:
            break
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        self.inRead = false
        if self.needsFlush {
            self.needsFlush = false
            context.flush()
        }
        self.client.finishedRead()
        context.fireChannelReadComplete()
    }

    // MARK: EngineTransport

    func sendText(_ write: (inout ByteBuffer) -> Void) {
        self.sendMessage(opcode: .text, write)
    }

    func sendBinary(_ write: (inout ByteBuffer) -> Void) {
        self.sendMessage(opcode: .binary, write)
    }

    private func sendMessage(opcode: WebSocketOpcode, _ write: (inout ByteBuffer) -> Void) {
        guard let context, case .open = self.phase else { return }
        self.scratch.clear()
        write(&self.scratch)
        var frame = context.channel.allocator.buffer(
            capacity: WebSocketFrameCodec.maskedFrameLength(payloadLength: self.scratch.readableBytes)
        )
        let mask = self.random.next32()
        if let deflater = self.deflater, self.scratch.readableBytes >= Self.deflateThreshold, let compressed = deflater.compress(self.scratch) {
            frame.reserveCapacity(WebSocketFrameCodec.maskedFrameLength(payloadLength: compressed.readableBytes))
            compressed.withUnsafeReadableBytes { payload in
                WebSocketFrameCodec.writeMaskedFrame(opcode: opcode, payload: payload, maskKey: mask, compressed: true, into: &frame)
            }
        } else {
            self.scratch.withUnsafeReadableBytes { payload in
                WebSocketFrameCodec.writeMaskedFrame(opcode: opcode, payload: payload, maskKey: mask, into: &frame)
            }
        }
        context.write(self.wrapOutboundOut(frame), promise: nil)
        if self.inRead {
            self.needsFlush = true
        } else {
            context.flush()
        }
    }

    func drop() {
        guard let context else { return }
        self.phase = .closed
        context.close(promise: nil)
    }

    func close() {
        guard let context else { return }
        if case .open = self.phase {
            var frame = context.channel.allocator.buffer(capacity: 8)
            let closeCode: [UInt8] = [0x03, 0xE8]  // 1000 normal closure
            closeCode.withUnsafeBytes { payload in
                WebSocketFrameCodec.writeMaskedFrame(opcode: .close, payload: payload, maskKey: self.random.next32(), into: &frame)
            }
            context.write(self.wrapOutboundOut(frame), promise: nil)
        }
        self.phase = .closed
        context.flush()
        context.close(promise: nil)
    }

    // MARK: Frames

    private func processFrames(_ buffer: inout ByteBuffer) {
        while buffer.readableBytes > 0 {
            let deflate = self.inflater != nil
            let parse = buffer.withUnsafeReadableBytes { WebSocketFrameCodec.parseHeader($0, deflate: deflate) }
            switch parse {
            case .needMoreBytes:
                self.carry = buffer
                return
            case .invalid(let reason):
                return self.fail("bad frame: \(reason)")
            case .header(let header):
                guard buffer.readableBytes >= header.frameLength else {
                    self.carry = buffer
                    return
                }
                buffer.withUnsafeReadableBytes { raw in
                    let payload = UnsafeRawBufferPointer(rebasing: raw[header.headerLength..<header.frameLength])
                    self.handleFrame(header, payload: payload)
                }
                guard case .open = self.phase else { return }
                buffer.moveReaderIndex(forwardBy: header.frameLength)
            }
        }
    }

    private func handleFrame(_ header: WebSocketFrameHeader, payload: UnsafeRawBufferPointer) {
        switch header.opcode {
        case .text where header.fin && self.fragments == nil && !header.compressed:
            self.client.receive(enginePacket: payload)
        case .text where header.fin && self.fragments == nil:
            self.receiveCompressed(ByteBuffer(bytes: payload), binary: false)
        case .binary where header.fin && self.fragments == nil:
            if header.compressed {
                self.receiveCompressed(ByteBuffer(bytes: payload), binary: true)
            } else {
                self.client.receive(binaryMessage: payload)
            }
        case .text, .binary:
            guard self.fragments == nil else { return self.fail("new message inside a fragmented one") }
            self.fragmentsCompressed = header.compressed
            var assembled = ByteBuffer()
            assembled.writeInteger(header.opcode.rawValue)  // remember the message type in the first byte
            assembled.writeBytes(payload)
            self.fragments = assembled
        case .continuation:
            guard var assembled = self.fragments else { return self.fail("continuation without a message") }
            assembled.writeBytes(payload)
            guard header.fin else {
                self.fragments = assembled
                return
            }
            self.fragments = nil
            let isText = assembled.readInteger(as: UInt8.self) == WebSocketOpcode.text.rawValue
            if self.fragmentsCompressed {
                self.receiveCompressed(assembled, binary: !isText)
            } else if isText {
                assembled.withUnsafeReadableBytes { self.client.receive(enginePacket: $0) }
            } else {
                assembled.withUnsafeReadableBytes { self.client.receive(binaryMessage: $0) }
            }
        case .ping:
            self.sendControl(.pong, payload: payload)
        case .pong:
            break
        case .close:
            self.sendControl(.close, payload: UnsafeRawBufferPointer(rebasing: payload.prefix(2)))
            self.fail("WebSocket closed by the server")
        }
    }

    /// Inflates a compressed message and hands it on as an Engine.IO text packet or a binary message.
    private func receiveCompressed(_ compressed: ByteBuffer, binary: Bool) {
        guard let inflater = self.inflater else { return self.fail("compressed message without permessage-deflate") }
        switch inflater.inflate(compressed, limit: Self.maxInflatedSize) {
        case .inflated(let message):
            message.withUnsafeReadableBytes { binary ? self.client.receive(binaryMessage: $0) : self.client.receive(enginePacket: $0) }
        case .tooLarge:
            self.fail("compressed message inflates past \(Self.maxInflatedSize) bytes")
        case .invalid:
            self.fail("invalid compressed message")
        }
    }

    private func sendControl(_ opcode: WebSocketOpcode, payload: UnsafeRawBufferPointer) {
        guard let context else { return }
        var frame = context.channel.allocator.buffer(capacity: WebSocketFrameCodec.maskedFrameLength(payloadLength: payload.count))
        WebSocketFrameCodec.writeMaskedFrame(opcode: opcode, payload: payload, maskKey: self.random.next32(), into: &frame)
        context.write(self.wrapOutboundOut(frame), promise: nil)
        self.needsFlush = true
        if !self.inRead { context.flush() }
    }

    private func fail(_ reason: String) {
        guard let context else { return }
        if case .closed = self.phase { return }
        self.phase = .closed
        self.client.transportFailed(reason)
        context.flush()
        context.close(promise: nil)
    }
}
