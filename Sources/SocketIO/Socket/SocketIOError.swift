import SocketIOProtocol

/// Errors the Socket.IO API reports.
public enum SocketIOError: Error, Sendable, Hashable {
    /// No acknowledgement arrived in time. For broadcasts, `partial` holds the responses that did.
    case ackTimeout(partial: [SocketIOValue])
    /// The socket disconnected before its acknowledgement arrived.
    case disconnected
    /// A cluster request did not get every node's answer in time.
    case requestTimeout
    /// `emitWithAck` was asked for an event name the server may not emit
    /// (``SocketIOSocket/reservedEventNames``); nothing was sent.
    case reservedEventName(String)
    /// A socket's asynchronous listeners (or an ``SocketIOSocket/events(bufferSize:)`` stream) fell
    /// that far behind the client's events: this event was not handed to them.
    case handlerBacklogFull
}

/// Thrown by a connection middleware to refuse a socket; the client receives a CONNECT_ERROR with
/// `{"message": message, "data": data}`.
public struct SocketIOConnectError: Error, Sendable, Hashable {
    /// The message the client sees (`err.message`).
    public var message: String
    /// Extra data the client sees (`err.data`), omitted when nil.
    public var data: SocketIOValue?

    /// A refusal with `message` and optional `data`.
    public init(_ message: String, data: SocketIOValue? = nil) {
        self.message = message
        self.data = data
    }

    var payload: SocketIOValue {
        var object: SocketIOValue = ["message": .string(self.message)]
        if let data = self.data { object = ["message": .string(self.message), "data": data] }
        return object
    }
}
