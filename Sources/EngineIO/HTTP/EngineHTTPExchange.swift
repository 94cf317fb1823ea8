import NIOCore
import NIOHTTP1

/// One Engine.IO polling request waiting for its answer. The session answers it from its own event
/// loop; the answer hops to the connection's loop. A second answer is ignored.
final class EngineHTTPExchange: @unchecked Sendable {
    private let handler: NIOLoopBound<EngineHTTPHandler>
    /// True for the handshake GET (the one that may set the cookie).
    let isHandshake: Bool

    init(handler: EngineHTTPHandler, eventLoop: any EventLoop, isHandshake: Bool) {
        self.handler = NIOLoopBound(handler, eventLoop: eventLoop)
        self.isHandshake = isHandshake
    }

    private func onConnectionLoop(_ body: @escaping @Sendable (EngineHTTPHandler) -> Void) {
        let loop = self.handler.eventLoop
        if loop.inEventLoop {
            body(self.handler.value)
        } else {
            let handler = self.handler
            loop.execute { body(handler.value) }
        }
    }

    /// `200` with a polling payload.
    func answer(frames: [EngineFrame]) {
        var payload = ByteBuffer()
        payload.reserveCapacity(EnginePayloadCodec.encodedLength(frames))
        EnginePayloadCodec.encode(frames, into: &payload)
        let body = payload
        self.onConnectionLoop { [self] handler in
            handler.respond(to: self, status: .ok, contentType: "text/plain; charset=UTF-8", body: body)
        }
    }

    /// `200 ok` for a POST.
    func answerOK() {
        self.onConnectionLoop { [self] handler in
            handler.respond(to: self, status: .ok, contentType: "text/html", body: ByteBuffer(string: "ok"))
        }
    }

    /// An Engine.IO error with its JSON body.
    func answer(error: EngineHTTPError, message: String? = nil) {
        self.onConnectionLoop { [self] handler in
            handler.respond(
                to: self,
                status: error.status,
                contentType: "application/json",
                body: ByteBuffer(string: error.jsonBody(message: message))
            )
        }
    }

    /// The rejection a session decided on.
    func reject(_ rejection: EngineSessionStateMachine.EngineRejection) {
        switch rejection {
        case .overlap:
            self.onConnectionLoop { [self] handler in
                handler.respond(to: self, status: .badRequest, contentType: nil, body: ByteBuffer())
            }
        case .payloadTooLarge:
            self.onConnectionLoop { [self] handler in
                handler.respond(to: self, status: .payloadTooLarge, contentType: nil, body: ByteBuffer(), closeConnection: true)
            }
        case .transportMismatch:
            self.answer(error: .badRequest)
        case .sessionClosed:
            self.answer(error: .unknownSessionID)
        }
    }
}
