import NIOCore
import NIOWebSocket

/// The only handler of a WebSocket connection: parses the client's frames
/// (``EngineWebSocketFrameParser``), decodes Engine.IO packets and hands them to the session on its
/// event loop, answers pings and close frames, and closes the connection with 1002 or 1009 when the
/// client breaks the protocol. Frames going out are written by ``EngineWebSocketTransport`` through
/// this handler's context.
final class EngineWebSocketConnectionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    let transport: EngineWebSocketTransport
    private let session: EngineSession
    private var parser: EngineWebSocketFrameParser
    /// The negotiated permessage-deflate parameters (nil: RSV1 is a protocol error).
    private let deflate: EnginePerMessageDeflateAgreement?
    /// The decompressor, made for the first compressed message and kept for the window unless
    /// `client_no_context_takeover` was agreed.
    private var inflater: EngineInflater?
    /// The connection failed (a close frame is on its way): later bytes are ignored.
    private var failed = false

    init(transport: EngineWebSocketTransport, session: EngineSession, maxMessageSize: Int, deflate: EnginePerMessageDeflateAgreement? = nil) {
        self.transport = transport
        self.session = session
        self.parser = EngineWebSocketFrameParser(maxMessageSize: maxMessageSize, perMessageDeflate: deflate != nil)
        self.deflate = deflate
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.transport.attach(context)
        let session = self.session
        self.transport.onOverflow = { transport in
            // A client that stopped reading: the session ends with `transport error`.
            if session.eventLoop.inEventLoop {
                session.webSocketClosedOnEventLoop(transport, failed: true)
            } else {
                session.eventLoop.execute { session.webSocketClosedOnEventLoop(transport, failed: true) }
            }
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.transport.detach()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !self.failed else { return }
        var bytes = Self.unwrapInboundIn(data)
        while let event = self.parser.next(from: &bytes) {
            // A compressed message is inflated here, on the connection's loop, within the same limit.
            let event = self.inflatedIfCompressed(event)
            self.handle(event)
            if case .failure = event {
                self.failed = true
                return
            }
        }
    }

    private func inflatedIfCompressed(_ event: EngineWebSocketFrameParser.Event) -> EngineWebSocketFrameParser.Event {
        switch event {
        case .compressedText, .compressedBinary:
            let inflater = self.inflater ?? self.deflate?.makeInflater()
            self.inflater = self.deflate?.clientNoContextTakeover == true ? nil : inflater
            return event.inflated(with: inflater, limit: self.parser.maxMessageSize)
        default:
            return event
        }
    }

    private func handle(_ event: EngineWebSocketFrameParser.Event) {
        switch event {
        case .text(let payload):
            do {
                self.deliver(try EngineInboundPacket.decodeText(payload.readableBytesView))
            } catch {
                self.onSessionLoop { session, transport in session.webSocketReceivedGarbageOnEventLoop(from: transport) }
            }
        case .binary(let payload):
            self.deliver(.message(.binary(payload)))
        case .ping(let payload):
            self.transport.pong(payload)
        case .pong:
            break
        case .compressedText, .compressedBinary:
            // Inflated before this point; left compressed only if inflation did not run.
            self.failed = true
            self.transport.close(code: .unexpectedServerError)
        case .close(let code, _):
            // Echo the client's code (1000 when it sent none), then close.
            self.transport.close(code: code.map { WebSocketErrorCode(codeNumber: Int($0)) } ?? .normalClosure)
        case .failure(let code):
            // The session learns first that the socket failed (before the close makes it inactive).
            self.onSessionLoop { session, transport in session.webSocketClosedOnEventLoop(transport, failed: true) }
            self.transport.close(code: code)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.onSessionLoop { session, transport in session.webSocketClosedOnEventLoop(transport, failed: false) }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.onSessionLoop { session, transport in session.webSocketClosedOnEventLoop(transport, failed: true) }
        context.close(promise: nil)
    }

    /// Hands a message to the session; on the session's own loop (the usual case) without a closure.
    private func deliver(_ packet: EngineInboundPacket) {
        if self.session.eventLoop.inEventLoop {
            self.session.webSocketReceivedOnEventLoop(packet, from: self.transport)
        } else {
            self.onSessionLoop { session, transport in session.webSocketReceivedOnEventLoop(packet, from: transport) }
        }
    }

    private func onSessionLoop(_ body: @escaping @Sendable (EngineSession, EngineWebSocketTransport) -> Void) {
        let session = self.session
        let transport = self.transport
        if session.eventLoop.inEventLoop {
            body(session, transport)
        } else {
            session.eventLoop.execute { body(session, transport) }
        }
    }
}
