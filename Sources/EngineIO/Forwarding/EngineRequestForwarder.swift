import NIOCore
import NIOHTTP1

/// Passes requests for sessions this node does not hold to the node that does, so a cluster works
/// behind any load balancer. The engine asks it only for session ids it does not know and for requests
/// that were not forwarded already (``EngineForwarding/markerHeader``).
public protocol EngineRequestForwarder: Sendable {
    /// True when another node may own `sessionID` (for example: its routing tag is not this node's).
    /// Must be cheap: it runs on the event loop for every request with an unknown sid.
    func mayForward(sessionID: String) -> Bool

    /// Relays a polling request to the owner of `sessionID` and yields its answer, or nil when no live
    /// owner is known or reachable (the client then gets `400 {"code":1,"message":"Session ID unknown"}`).
    /// `request.headers` already carry the marker header.
    func forward(_ request: EngineHTTPRequest, sessionID: String, on eventLoop: any EventLoop) -> EventLoopFuture<EngineHTTPResponse?>

    /// Like ``forward(_:sessionID:on:)``, given up (its connection to the owner closed, its slot
    /// freed) as soon as `clientGone` completes: the client closed its connection before the answer.
    func forward(
        _ request: EngineHTTPRequest,
        sessionID: String,
        on eventLoop: any EventLoop,
        until clientGone: EventLoopFuture<Void>
    ) -> EventLoopFuture<EngineHTTPResponse?>

    /// Opens a connection to the owner of `sessionID` for a WebSocket upgrade and sends it `head` (with
    /// the marker header); nil when no live owner is known or reachable (the client then gets a plain
    /// `400 Bad Request`).
    func openTunnel(for head: HTTPRequestHead, sessionID: String, on eventLoop: any EventLoop) -> EventLoopFuture<(any EngineTunnel)?>
}

extension EngineRequestForwarder {
    /// Forwarders that cannot give up early wait for the owner's answer.
    public func forward(
        _ request: EngineHTTPRequest,
        sessionID: String,
        on eventLoop: any EventLoop,
        until clientGone: EventLoopFuture<Void>
    ) -> EventLoopFuture<EngineHTTPResponse?> {
        self.forward(request, sessionID: sessionID, on: eventLoop)
    }
}

/// A raw byte relay to another node, attached to a client connection whose HTTP handlers are gone.
public protocol EngineTunnel: Sendable {
    /// Relays bytes both ways between `channel` and the owner until either side closes.
    func attach(to channel: any Channel)
    /// Closes the connection to the owner (the client went away before the tunnel was attached).
    func cancel()
}

/// Names shared by the engine and forwarders.
public enum EngineForwarding {
    /// Marks a request that another node forwarded; such a request is never forwarded again. Its value
    /// is the forwarding node's id.
    public static let markerHeader = "X-SocketIO-Forwarded-By"
}
