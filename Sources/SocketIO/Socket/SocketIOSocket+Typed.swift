import NIOCore
import SocketIOProtocol

/// The typed API: `Codable` payloads both ways, beside the ``SocketIOValue`` one.
///
/// ```swift
/// socket.on("chat", ChatMessage.self) { message, ack in
///     io.to(message.room).emit("chat", message)
///     ack?(Receipt(id: message.id))
/// }
/// let answer = try await socket.emitWithAck("question", Question(text: "?"), as: Answer.self)
/// ```
/// A typed listener decodes the event's first argument; a payload that does not decode reaches the
/// socket's ``SocketIOSocket/onError(_:)`` listeners as a ``SocketIODecodingError`` and the listener
/// does not run. `Data` and `ByteBuffer` fields travel as binary attachments.
extension SocketIOSocket {
    /// Adds a listener that receives the event's first argument decoded as `Payload`, and the ack when
    /// the client waits for one.
    public func on<Payload: Decodable>(_ event: String, _ type: Payload.Type, _ handler: @escaping (Payload, SocketIOAck?) -> Void) {
        self.on(event) { [weak self] (received: SocketIOEvent) in
            switch SocketIOTypedValues.decode(Payload.self, from: received.arguments.first ?? .null, event: event) {
            case .success(let payload): handler(payload, received.ack)
            case .failure(let error): self?.reportErrorOnEventLoop(error)
            }
        }
    }

    /// Adds an asynchronous listener that receives the event's first argument decoded as `Payload`;
    /// runs in order with the socket's other asynchronous listeners.
    public func on<Payload: Decodable & Sendable>(
        _ event: String,
        _ type: Payload.Type,
        _ handler: @escaping @Sendable (Payload, SocketIOAck?) async throws -> Void
    ) {
        self.on(event) { (received: SocketIOEvent) async throws in
            let payload = try SocketIOTypedValues.decode(Payload.self, from: received.arguments.first ?? .null, event: event).get()
            try await handler(payload, received.ack)
        }
    }

    /// Emits an event whose arguments are `Encodable` values (several allowed). False, and nothing
    /// sent, for a reserved name or a value that does not encode (the error then goes to the
    /// ``onError(_:)`` listeners as a ``SocketIOEncodingError``).
    @discardableResult
    public func emit<each Value: Encodable>(_ event: String, _ values: repeat each Value) -> Bool {
        switch SocketIOTypedValues.arguments(repeat each values) {
        case .success(let arguments):
            return self.emit(event, arguments: arguments)
        case .failure(let error):
            let failure = SocketIOEncodingError(event: event, reason: "\(error)")
            self.onEventLoop { $0.reportErrorOnEventLoop(failure) }
            return false
        }
    }

    /// Emits an event with `Encodable` arguments and waits for the acknowledgement; answers its first
    /// argument decoded as `Answer`. Throws ``SocketIOEncodingError``, ``SocketIODecodingError``, and
    /// what ``emitWithAck(_:arguments:timeout:)`` throws.
    public func emitWithAck<Answer: Decodable, each Value: Encodable>(
        _ event: String,
        _ values: repeat each Value,
        as answer: Answer.Type,
        timeout: TimeAmount? = nil
    ) async throws -> Answer {
        let arguments = try SocketIOTypedValues.arguments(repeat each values).mapError { SocketIOEncodingError(event: event, reason: "\($0)") }.get()
        let reply = try await self.emitWithAck(event, arguments: arguments, timeout: timeout)
        return try SocketIOTypedValues.decode(Answer.self, from: reply, event: event).get()
    }

    /// The socket's ``data`` decoded as `T`.
    public func data<T: Decodable>(as type: T.Type) throws -> T {
        try SocketIOTypedValues.decode(T.self, from: self.data, event: "data").get()
    }

    /// Replaces the socket's ``data`` with `value` encoded (visible to `fetchSockets` on every node).
    public func setData<T: Encodable>(_ value: T) throws {
        self.data = try SocketIOTypedValues.argument(value)
    }
}

extension SocketIOAck {
    /// Sends the acknowledgement with `Encodable` arguments; later calls do nothing. False when a value
    /// does not encode (nothing is sent then, and a later call may still answer).
    @discardableResult
    public func callAsFunction<each Value: Encodable>(_ values: repeat each Value) -> Bool {
        guard case .success(let arguments) = SocketIOTypedValues.arguments(repeat each values) else { return false }
        self.send(arguments)
        return true
    }
}

extension SocketIOBroadcastOperator {
    /// Emits an event with `Encodable` arguments to the selected sockets. False, and nothing sent, for
    /// a reserved name or a value that does not encode.
    @discardableResult
    public func emit<each Value: Encodable>(_ event: String, _ values: repeat each Value) -> Bool {
        guard case .success(let arguments) = SocketIOTypedValues.arguments(repeat each values) else { return false }
        return self.emit(event, arguments: arguments)
    }

    /// Emits an event with `Encodable` arguments that every selected client acknowledges; answers each
    /// client's first ack argument decoded as `Answer`. An answer that does not decode throws
    /// ``SocketIODecodingError``.
    public func emitWithAck<Answer: Decodable, each Value: Encodable>(
        _ event: String,
        _ values: repeat each Value,
        as answer: Answer.Type
    ) async throws -> [Answer] {
        let arguments = try SocketIOTypedValues.arguments(repeat each values).mapError { SocketIOEncodingError(event: event, reason: "\($0)") }.get()
        let replies = try await self.emitWithAck(event, arguments: arguments)
        return try replies.map { try SocketIOTypedValues.decode(Answer.self, from: $0, event: event).get() }
    }
}
