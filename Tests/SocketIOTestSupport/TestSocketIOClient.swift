import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import SocketIOProtocol

/// An event a ``TestSocketIOClient`` received.
package struct ReceivedEvent: Sendable, CustomStringConvertible {
    /// The namespace it arrived on.
    package let namespace: String
    /// The event name.
    package let name: String
    /// The arguments after the name (binary attachments as `.binary`).
    package let arguments: [SocketIOValue]
    /// The ack id when the server asked for an acknowledgement.
    package let ackID: Int?

    package var description: String { "\(self.namespace == "/" ? "" : self.namespace + " ")\(self.name)\(SocketIOValue.array(self.arguments))" }
}

/// How the server answered a CONNECT.
package enum NamespaceAnswer: Sendable, Equatable {
    /// Joined, with the socket id.
    case connected(sid: String)
    /// Refused with this CONNECT_ERROR payload (`{"message": …, "data": …}`).
    case refused(SocketIOValue)
}

/// A minimal Socket.IO v5 client over Engine.IO v4 WebSocket, for tests only: one connection, a main
/// namespace (``namespace``) and any others it ``join(_:auth:timeout:)``s. It answers Engine.IO pings
/// (until ``stopAnsweringPings()``), records every event (binary attachments reassembled), answers
/// server acks with per-event responders, sends raw frames on demand, and offers waits with deadlines.
package final class TestSocketIOClient: Sendable {
    /// Builds the ack arguments for an event the server wants acknowledged.
    package typealias AckResponder = @Sendable (_ arguments: [SocketIOValue]) -> [SocketIOValue]

    private struct State {
        var decoder = SocketIOPacketDecoder(configuration: .init(validation: .outgoing))
        var engineOpen: SocketIOValue?
        /// Per namespace: how the server answered the latest CONNECT.
        var answers: [String: NamespaceAnswer] = [:]
        /// Received and not yet taken by ``waitForEvent(_:timeout:)``.
        var unread: [ReceivedEvent] = []
        /// Everything received, in order.
        var history: [ReceivedEvent] = []
        var responders: [String: AckResponder] = [:]
        var nextAckID = 0
        var ackReplies: [Int: [SocketIOValue]] = [:]
        /// Namespaces the server sent DISCONNECT for.
        var namespacesDisconnected: Set<String> = []
        var transportClosed = false
        var answersPings = true
        /// A CONNECT to send as soon as the open packet arrives (as a real client does), so the join
        /// does not wait for the test's task to be scheduled (the connect timeout runs meanwhile).
        var joinOnOpen: SocketIOPacket?
        var pingsReceived = 0
    }

    /// A name for failure messages.
    package let label: String
    /// The namespace this client joins first, and the default of the namespace parameters.
    package let namespace: String
    private let state = NIOLockedValueBox(State())
    private let channelBox = NIOLockedValueBox<(any Channel)?>(nil)

    private init(label: String, namespace: String) {
        self.label = label
        self.namespace = namespace
    }

    // MARK: Connecting

    /// Connects to `ws://host:port/socket.io/?EIO=4&transport=websocket`, waits for the open packet,
    /// then joins `namespace` with `auth`. Throws when the namespace refuses or nothing happens in time.
    package static func connect(
        host: String = "127.0.0.1",
        port: Int,
        namespace: String = "/",
        auth: SocketIOValue? = nil,
        label: String,
        timeout: Duration = .seconds(5),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> TestSocketIOClient {
        let join = SocketIOPacket(type: .connect, namespace: namespace, payload: auth)
        let client = try await self.open(host: host, port: port, namespace: namespace, label: label, timeout: timeout, group: group, joinOnOpen: join)
        do {
            if case .refused(let refused) = try await client.waitForAnswer(namespace, timeout: timeout) {
                throw TestWaitError.unexpected("\(label): connect refused \(refused)")
            }
        } catch {
            client.close()
            throw error
        }
        return client
    }

    /// Connects the transport and waits for the Engine.IO open packet, joining no namespace: a
    /// ``join(_:auth:timeout:)`` follows (or nothing, to see the connect timeout).
    package static func open(
        host: String = "127.0.0.1",
        port: Int,
        namespace: String = "/",
        label: String,
        timeout: Duration = .seconds(5),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        joinOnOpen: SocketIOPacket? = nil
    ) async throws -> TestSocketIOClient {
        let client = TestSocketIOClient(label: label, namespace: namespace)
        client.state.withLockedValue { $0.joinOnOpen = joinOnOpen }
        let path = "/socket.io/?EIO=4&transport=websocket"
        let channel = try await ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                // Known before any byte arrives: the open packet's handler may write (``joinOnOpen``).
                client.channelBox.withLockedValue { $0 = channel }
                let upgrader = NIOWebSocketClientUpgrader(maxFrameSize: 1 << 24) { channel, _ in
                    channel.eventLoop.makeCompletedFuture {
                        let aggregator = NIOWebSocketFrameAggregator(
                            minNonFinalFragmentSize: 0, maxAccumulatedFrameCount: 1024, maxAccumulatedFrameSize: 1 << 24
                        )
                        try channel.pipeline.syncOperations.addHandler(aggregator)
                        try channel.pipeline.syncOperations.addHandler(WebSocketFrameHandler(client: client))
                    }
                }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers(
                        leftOverBytesStrategy: .forwardBytes,
                        withClientUpgrade: (upgraders: [upgrader], completionHandler: { _ in })
                    )
                    try channel.pipeline.syncOperations.addHandler(
                        UpgradeRequestHandler(host: "\(host):\(port)", path: path, client: client)
                    )
                }
            }
            .connect(host: host, port: port)
            .get()
        client.channelBox.withLockedValue { $0 = channel }
        do {
            try await TestWait.until("\(label): Engine.IO open packet", timeout: timeout) {
                client.state.withLockedValue { $0.engineOpen != nil || $0.transportClosed }
            }
            guard client.state.withLockedValue({ $0.engineOpen != nil }) else { throw TestWaitError.unexpected("\(label): closed before open") }
        } catch {
            client.close()
            throw error
        }
        return client
    }

    /// Sends a CONNECT for `namespace` with `auth` and waits for the server's answer (CONNECT or
    /// CONNECT_ERROR); throws only when none comes in time.
    @discardableResult
    package func join(_ namespace: String, auth: SocketIOValue? = nil, timeout: Duration = .seconds(5)) async throws -> NamespaceAnswer {
        self.state.withLockedValue {
            $0.answers[namespace] = nil
            $0.namespacesDisconnected.remove(namespace)
        }
        self.send(SocketIOPacket(type: .connect, namespace: namespace, payload: auth))
        return try await self.waitForAnswer(namespace, timeout: timeout)
    }

    /// Waits for the server's answer to the CONNECT sent for `namespace`.
    private func waitForAnswer(_ namespace: String, timeout: Duration) async throws -> NamespaceAnswer {
        let answer: NamespaceAnswer? = try await TestWait.until("\(self.label): CONNECT answer for \(namespace)", timeout: timeout) {
            self.state.withLockedValue { state -> NamespaceAnswer?? in
                if let answer = state.answers[namespace] { return .some(answer) }
                return state.transportClosed ? .some(nil) : nil
            }
        }
        guard let answer else { throw TestWaitError.unexpected("\(self.label): connection closed before the CONNECT answer for \(namespace)") }
        return answer
    }

    /// The Socket.IO socket id the server assigned in the main namespace (set once connected).
    package var socketID: String { self.socketID(in: self.namespace) ?? "" }

    /// The socket id the server assigned in `namespace`, once joined.
    package func socketID(in namespace: String) -> String? {
        self.state.withLockedValue { state in
            if case .connected(let sid) = state.answers[namespace] { return sid }
            return nil
        }
    }

    /// The open packet's JSON.
    package var openPacket: SocketIOValue? { self.state.withLockedValue { $0.engineOpen } }

    // MARK: Emitting

    /// Emits `[event, ...arguments]` (binary values go as attachments).
    package func emit(_ event: String, _ arguments: SocketIOValue...) {
        self.emit(event, arguments: arguments)
    }

    /// See ``emit(_:_:)``; `namespace` defaults to ``namespace``.
    package func emit(_ event: String, arguments: [SocketIOValue], namespace: String? = nil) {
        self.send(.event(event, arguments, namespace: namespace ?? self.namespace))
    }

    /// Emits with an ack id and waits for the server's acknowledgement arguments.
    package func emitWithAck(_ event: String, _ arguments: SocketIOValue..., timeout: Duration = .seconds(5)) async throws -> [SocketIOValue] {
        try await self.emitWithAck(event, arguments: arguments, timeout: timeout)
    }

    /// See ``emitWithAck(_:_:timeout:)``.
    package func emitWithAck(
        _ event: String, arguments: [SocketIOValue], namespace: String? = nil, timeout: Duration = .seconds(5)
    ) async throws -> [SocketIOValue] {
        let id = self.state.withLockedValue { state -> Int in
            defer { state.nextAckID += 1 }
            return state.nextAckID
        }
        self.send(.event(event, arguments, namespace: namespace ?? self.namespace, ackID: id))
        return try await TestWait.until("\(self.label): ack \(id) for '\(event)'", timeout: timeout) {
            self.state.withLockedValue { $0.ackReplies.removeValue(forKey: id) }
        }
    }

    /// Answers server acks for `event` with what `responder` returns.
    package func respond(to event: String, with responder: @escaping AckResponder) {
        self.state.withLockedValue { $0.responders[event] = responder }
    }

    /// Leaves `namespace` (default ``namespace``) with a DISCONNECT packet; the connection stays open.
    package func leaveNamespace(_ namespace: String? = nil) {
        self.send(SocketIOPacket(type: .disconnect, namespace: namespace ?? self.namespace))
    }

    /// Sends `packet` as it is (any type, any namespace).
    package func sendPacket(_ packet: SocketIOPacket) {
        self.send(packet)
    }

    /// Sends `text` as one masked WebSocket text frame, untouched: an Engine.IO packet written by hand
    /// (`"4…"`), or garbage.
    package func sendRawText(_ text: String) {
        self.write([WebSocketFrame(fin: true, opcode: .text, maskKey: .random(), data: ByteBuffer(string: text))])
    }

    /// Sends a text frame without a mask, which a server must treat as a WebSocket protocol error.
    package func sendUnmaskedFrame(_ text: String) {
        self.write([WebSocketFrame(fin: true, opcode: .text, maskKey: nil, data: ByteBuffer(string: text))])
    }

    /// From now on the Engine.IO pings go unanswered (the server's ping timeout then closes the session).
    package func stopAnsweringPings() {
        self.state.withLockedValue { $0.answersPings = false }
    }

    /// How many Engine.IO pings arrived.
    package var pingsReceived: Int { self.state.withLockedValue { $0.pingsReceived } }

    /// Closes the connection.
    package func close() {
        _ = self.channelBox.withLockedValue { $0 }?.close()
    }

    /// Closes the connection and waits for it to be closed.
    package func closeAndWait() async {
        guard let channel = self.channelBox.withLockedValue({ $0 }) else { return }
        channel.close(promise: nil)
        try? await channel.closeFuture.get()
    }

    // MARK: Waiting

    /// Takes the oldest unread event named `name`, waiting up to `timeout` for one.
    /// With `namespace`, only an event of that namespace; without, one of any.
    @discardableResult
    package func waitForEvent(_ name: String, namespace: String? = nil, timeout: Duration = .seconds(5)) async throws -> ReceivedEvent {
        try await TestWait.until("\(self.label): event '\(name)' (unread: \(self.unreadDescription))", timeout: timeout) {
            self.state.withLockedValue { state -> ReceivedEvent? in
                guard let index = state.unread.firstIndex(where: { $0.name == name && (namespace == nil || $0.namespace == namespace) })
                else { return nil }
                return state.unread.remove(at: index)
            }
        }
    }

    /// Fails if an unread event named `name` is there now or arrives within `within`.
    package func expectNoEvent(_ name: String, within: Duration) async throws {
        try await TestWait.never(for: within) {
            self.state.withLockedValue { state in
                state.unread.first { $0.name == name }.map { "\(self.label) received \($0)" }
            }
        }
    }

    /// The unread events named `name` (left unread).
    package func unreadEvents(_ name: String) -> [ReceivedEvent] {
        self.state.withLockedValue { $0.unread.filter { $0.name == name } }
    }

    /// Every event named `name` received so far, read or not.
    package func receivedEvents(_ name: String) -> [ReceivedEvent] {
        self.state.withLockedValue { $0.history.filter { $0.name == name } }
    }

    /// Waits until the server removed this client from its namespace (DISCONNECT packet) or closed the
    /// connection.
    package func waitForDisconnect(timeout: Duration = .seconds(5)) async throws {
        try await TestWait.until("\(self.label): disconnect", timeout: timeout) { self.isDisconnected }
    }

    /// Waits until the connection itself is closed.
    package func waitForTransportClose(timeout: Duration = .seconds(5)) async throws {
        try await TestWait.until("\(self.label): transport close", timeout: timeout) {
            self.state.withLockedValue { $0.transportClosed }
        }
    }

    /// True once the server sent DISCONNECT for the namespace or the connection closed.
    package var isDisconnected: Bool {
        self.state.withLockedValue { $0.namespacesDisconnected.contains(self.namespace) || $0.transportClosed }
    }

    /// True when the server sent a DISCONNECT packet for the main namespace.
    package var receivedNamespaceDisconnect: Bool { self.receivedDisconnect(for: self.namespace) }

    /// True when the server sent a DISCONNECT packet for `namespace`.
    package func receivedDisconnect(for namespace: String) -> Bool {
        self.state.withLockedValue { $0.namespacesDisconnected.contains(namespace) }
    }

    /// True once the connection is closed.
    package var isTransportClosed: Bool { self.state.withLockedValue { $0.transportClosed } }

    private var unreadDescription: String {
        self.state.withLockedValue { $0.unread.map(\.description).joined(separator: ", ") }
    }

    // MARK: Wire

    private func send(_ packet: SocketIOPacket) {
        var text = ByteBuffer(string: "4")
        // The tests send packets they built themselves; one the encoder refuses is a test bug.
        guard let attachments = try? SocketIOPacketEncoder.encode(packet, into: &text) else { preconditionFailure("unencodable packet \(packet)") }
        self.write([WebSocketFrame(fin: true, opcode: .text, maskKey: .random(), data: text)]
            + attachments.map { WebSocketFrame(fin: true, opcode: .binary, maskKey: .random(), data: $0) })
    }

    private func write(_ frames: [WebSocketFrame]) {
        guard let channel = self.channelBox.withLockedValue({ $0 }) else { return }
        channel.eventLoop.execute {
            for frame in frames { channel.write(frame, promise: nil) }
            channel.flush()
        }
    }

    fileprivate func received(text: String) {
        guard let type = text.first else { return }
        let body = String(text.dropFirst())
        switch type {
        case "0":
            let open = (try? JSONParser().parse(body)) ?? .object([:])
            let join = self.state.withLockedValue { state -> SocketIOPacket? in
                state.engineOpen = open
                defer { state.joinOnOpen = nil }
                return state.joinOnOpen
            }
            if let join { self.send(join) }
        case "1":
            self.transportDidClose()
        case "2":
            let answers = self.state.withLockedValue { state -> Bool in
                state.pingsReceived += 1
                return state.answersPings
            }
            guard answers else { return }
            self.write([WebSocketFrame(fin: true, opcode: .text, maskKey: .random(), data: ByteBuffer(string: "3" + body))])
        case "4":
            let packet = self.state.withLockedValue { state in try? state.decoder.decode(text: body) }
            if let packet { self.handle(packet) }
        default:
            break
        }
    }

    fileprivate func received(binary: ByteBuffer) {
        let packet = self.state.withLockedValue { state in try? state.decoder.decode(binary: binary) }
        if let packet { self.handle(packet) }
    }

    fileprivate func transportDidClose() {
        self.state.withLockedValue { $0.transportClosed = true }
    }

    private func handle(_ packet: SocketIOPacket) {
        let namespace = packet.namespace.isEmpty ? "/" : packet.namespace
        let reply: SocketIOPacket? = self.state.withLockedValue { state in
            switch packet.type {
            case .connect:
                state.answers[namespace] = .connected(sid: packet.payload?["sid"]?.stringValue ?? "")
            case .connectError:
                state.answers[namespace] = .refused(packet.payload ?? .null)
            case .disconnect:
                state.namespacesDisconnected.insert(namespace)
            case .event, .binaryEvent:
                var payload = packet.payload?.arrayValue ?? []
                guard !payload.isEmpty else { return nil }
                let name = payload.removeFirst()
                let event = ReceivedEvent(namespace: namespace, name: name.stringValue ?? name.description, arguments: payload, ackID: packet.ackID)
                state.unread.append(event)
                state.history.append(event)
                if let id = packet.ackID, let responder = state.responders[event.name] {
                    return .ack(id, responder(event.arguments), namespace: namespace)
                }
            case .ack, .binaryAck:
                if let id = packet.ackID { state.ackReplies[id] = packet.payload?.arrayValue ?? [] }
            }
            return nil
        }
        if let reply { self.send(reply) }
    }
}

/// Sends the HTTP upgrade request once the TCP connection is up, then passes everything through.
private final class UpgradeRequestHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let host: String
    private let path: String
    private let client: TestSocketIOClient

    init(host: String, path: String, client: TestSocketIOClient) {
        self.host = host
        self.path = path
        self.client = client
    }

    func channelActive(context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: self.host)
        headers.add(name: "Content-Length", value: "0")
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: self.path, headers: headers)
        context.write(self.wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(self.wrapOutboundOut(.end(nil)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(data)
    }

    /// Also covers a refused upgrade, where the frame handler never joins the pipeline.
    func channelInactive(context: ChannelHandlerContext) {
        self.client.transportDidClose()
        context.fireChannelInactive()
    }
}

/// Hands WebSocket frames to the client; answers WebSocket-level pings; notes the close.
private final class WebSocketFrameHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let client: TestSocketIOClient

    init(client: TestSocketIOClient) {
        self.client = client
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = self.unwrapInboundIn(data)
        switch frame.opcode {
        case .text:
            self.client.received(text: String(buffer: frame.unmaskedData))
        case .binary:
            self.client.received(binary: frame.unmaskedData)
        case .ping:
            let pong = WebSocketFrame(fin: true, opcode: .pong, maskKey: .random(), data: frame.unmaskedData)
            context.writeAndFlush(self.wrapOutboundOut(pong), promise: nil)
        case .connectionClose:
            self.client.transportDidClose()
            context.close(promise: nil)
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.client.transportDidClose()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.client.transportDidClose()
        context.close(promise: nil)
    }
}
