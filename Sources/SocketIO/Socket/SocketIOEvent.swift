import NIOCore
import SocketIOProtocol

/// An event a client sent: its name, arguments and, when the client asked for one, the ack.
public struct SocketIOEvent: Sendable {
    /// The socket that received it.
    public let socket: SocketIOSocket
    /// The event name.
    public let name: String
    /// The arguments after the name (binary values as `.binary`).
    public let arguments: [SocketIOValue]
    /// Present when the client waits for an acknowledgement.
    public let ack: SocketIOAck?

    /// The argument at `index`, nil when absent.
    public subscript(index: Int) -> SocketIOValue? {
        index < self.arguments.count ? self.arguments[index] : nil
    }
}

/// Answers a client's acknowledgement request, once.
public final class SocketIOAck: @unchecked Sendable {
    private let socket: SocketIOSocket
    private let id: Int
    private var sent = false

    init(socket: SocketIOSocket, id: Int) {
        self.socket = socket
        self.id = id
    }

    /// Sends the acknowledgement with `arguments`; later calls do nothing.
    public func callAsFunction(_ arguments: SocketIOValue...) {
        self.send(arguments)
    }

    /// Sends the acknowledgement with `arguments`; later calls do nothing.
    public func send(_ arguments: [SocketIOValue]) {
        // On the socket's loop (a handler answering at once) without forming a closure.
        if self.socket.eventLoop.inEventLoop {
            self.sendOnEventLoop(arguments)
        } else {
            self.socket.eventLoop.execute { self.sendOnEventLoop(arguments) }
        }
    }

    private func sendOnEventLoop(_ arguments: [SocketIOValue]) {
        guard !self.sent else { return }
        self.sent = true
        self.socket.sendPacketOnEventLoop(.ack(self.id, arguments, namespace: self.socket.namespace.name))
    }
}
