import EngineIO
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

/// One HTTP/1.1 connection of a Hummingbird server that also serves an Engine.IO server.
///
/// The connection gets the engine's own HTTP pipeline (its request decoder, deadlines, pipelining
/// assistance, protocol-error answers and ``EngineIO`` HTTP handler), so every request under the
/// engine's path is served exactly as a standalone engine serves it: limits, CORS, allowRequest,
/// `maxHttpBufferSize`, the upgrade checks and the WebSocket switch. Each other request (head, body
/// parts, end) is passed on, request by request, to Hummingbird's HTTP/1.1 codec and its usual request
/// loop (`handleHTTP`), which runs the application's responder. A keep-alive connection may
/// therefore mix both, as browsers do; the engine's pipelining assistance keeps one request in flight
/// at a time, so responses stay in order.
///
/// After a WebSocket upgrade the engine's WebSocket handler sits ahead of Hummingbird's handlers,
/// which see no more reads; Hummingbird's request loop ends when the connection closes.
struct EngineMountedHTTP1Channel: ServerChildChannel, HTTPChannelHandler {
    typealias Value = NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>

    /// The engine serving its path on this connection.
    let engine: EngineServer
    /// The application's responder (its router) for every other request.
    let responder: HTTPChannelHandler.Responder

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            // Small frames (pings, events) go out at once, as on the engine's own listener.
            try? channel.syncOptions?.setOption(.socketOption(.tcp_nodelay), value: 1)
            try self.engine.configureHTTPPipeline(on: channel, passingOtherRequestsOn: true)
            let operations = channel.pipeline.syncOperations
            try operations.addHandler(HTTP1ToHTTPServerCodec(secure: false))
            try operations.addHandler(HTTPConnectionStateHandler(logger: logger))
            return try NIOAsyncChannel(
                wrappingChannelSynchronously: channel,
                configuration: .init(isOutboundHalfClosureEnabled: true)
            )
        }
    }

    func handle(value: Value, logger: Logger) async {
        await self.handleHTTP(asyncChannel: value, logger: logger)
    }
}
