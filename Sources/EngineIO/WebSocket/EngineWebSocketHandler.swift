import NIOCore
import NIOWebSocket

/// Reads WebSocket frames for one session (or upgrade probe), decodes Engine.IO packets and hands them
/// to the session on its event loop; answers WebSocket pings and close frames.
final class EngineWebSocketHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    let transport: EngineWebSocketTransport
    private let session: EngineSession
    private var closeSent = false

    init(transport: EngineWebSocketTransport, session: EngineSession) {
        self.transport = transport
        self.session = session
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = self.unwrapInboundIn(data)
        switch frame.opcode {
        case .text:
            let data = frame.unmaskedData
            do {
                let packet = try EngineInboundPacket.decodeText(data.readableBytesView)
                self.onSessionLoop { session, transport in session.webSocketReceivedOnEventLoop(packet, from: transport) }
            } catch {
                self.onSessionLoop { session, transport in session.webSocketReceivedGarbageOnEventLoop(from: transport) }
            }
        case .binary:
            let packet = EngineInboundPacket.message(.binary(frame.unmaskedData))
            self.onSessionLoop { session, transport in session.webSocketReceivedOnEventLoop(packet, from: transport) }
        case .ping:
            let pong = WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)
            context.writeAndFlush(self.wrapOutboundOut(pong), promise: nil)
        case .connectionClose:
            if !self.closeSent {
                self.closeSent = true
                var data = frame.unmaskedData
                let code = data.readWebSocketErrorCode() ?? .normalClosure
                var reply = context.channel.allocator.buffer(capacity: 2)
                reply.write(webSocketErrorCode: code)
                let channel = context.channel
                context.writeAndFlush(self.wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: reply)))
                    .whenComplete { _ in channel.close(promise: nil) }
            }
        default:
            break
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
