import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import SocketIOProtocol
import XCTest

/// An event a ``TestSocketIOClient`` received.
struct ReceivedEvent: Sendable, CustomStringConvertible {
    /// The event name.
    let name: String
    /// The arguments after the name (binary attachments as `.binary`).
    let arguments: [SocketIOValue]
    /// The ack id when the server asked for an acknowledgement.
    let ackID: Int?

    var description: String { "\(self.name)\(SocketIOValue.array(self.arguments))" }
}

/// A minimal Socket.IO v5 client over Engine.IO v4 WebSocket, for tests only: one connection, one
/// namespace. It answers Engine.IO pings, records every event (binary attachments reassembled),
/// answers server acks with per-event responders, and offers waits with deadlines.
final class TestSocketIOClient: Sendable {
    /// Builds the ack arguments for an event the server wants acknowledged.
    typealias AckResponder = @Sendable (_ arguments: [SocketIOValue]) -> [SocketIOValue]

    private struct State {
        var decoder = SocketIOPacketDecoder(configuration: .init(validation: .outgoing))
        var engineOpen: SocketIOValue?
        var socketID: String?
        var connectError: SocketIOValue?
        /// Received and not yet taken by ``waitForEvent(_:timeout:)``.
        var unread: [ReceivedEvent] = []
        /// Everything received, in order.
        var history: [ReceivedEvent] = []
        var responders: [String: AckResponder] = [:]
        var nextAckID = 0
        var ackReplies: [Int: [SocketIOValue]] = [:]
        var namespaceDisconnected = false
        var transportClosed = false
    }

    /// A name for failure messages.
    let label: String
    /// The namespace this client joins.
    let namespace: String
    private let state = NIOLockedValueBox(State())
    private let channelBox = NIOLockedValueBox<(any Channel)?>(nil)

    private init(label: String, namespace: String) {
        self.label = label
        self.namespace = namespace
    }

    // MARK: Connecting

    /// Connects to `ws://host:port/socket.io/?EIO=4&transport=websocket`, waits for the open packet,
    /// then joins `namespace` with `auth`. Throws when the namespace refuses or nothing happens in time.
    static func connect(
        host: String = "127.0.0.1",
        port: Int,
        namespace: String = "/",
        auth: SocketIOValue? = nil,
        label: String,
        timeout: Duration = .seconds(5),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> TestSocketIOClient {
        let client = TestSocketIOClient(label: label, namespace: namespace)
        let path = "/socket.io/?EIO=4&transport=websocket"
        let channel = try await ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
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
            client.send(SocketIOPacket(type: .connect, namespace: namespace, payload: auth))
            let refused: SocketIOValue? = try await TestWait.until("\(label): CONNECT answer for \(namespace)", timeout: timeout) {
                client.state.withLockedValue { state -> SocketIOValue?? in
                    if state.socketID != nil { return .some(nil) }
                    if let error = state.connectError { return .some(error) }
                    return nil
                }
            }
            if let refused { throw TestWaitError.unexpected("\(label): connect refused \(refused)") }
        } catch {
            client.close()
            throw error
        }
        return client
    }

    /// The Socket.IO socket id the server assigned (set once connected).
    var socketID: String { self.state.withLockedValue { $0.socketID ?? "" } }

    /// The open packet's JSON.
    var openPacket: SocketIOValue? { self.state.withLockedValue { $0.engineOpen } }

    // MARK: Emitting

    /// Emits `[event, ...arguments]` (binary values go as attachments).
    func emit(_ event: String, _ arguments: SocketIOValue...) {
        self.emit(event, arguments: arguments)
    }

    /// See ``emit(_:_:)``.
    func emit(_ event: String, arguments: [SocketIOValue]) {
        self.send(.event(event, arguments, namespace: self.namespace))
    }

    /// Emits with an ack id and waits for the server's acknowledgement arguments.
    func emitWithAck(_ event: String, _ arguments: SocketIOValue..., timeout: Duration = .seconds(5)) async throws -> [SocketIOValue] {
        try await self.emitWithAck(event, arguments: arguments, timeout: timeout)
    }

    /// See ``emitWithAck(_:_:timeout:)``.
    func emitWithAck(_ event: String, arguments: [SocketIOValue], timeout: Duration = .seconds(5)) async throws -> [SocketIOValue] {
        let id = self.state.withLockedValue { state -> Int in
            defer { state.nextAckID += 1 }
            return state.nextAckID
        }
        self.send(.event(event, arguments, namespace: self.namespace, ackID: id))
        return try await TestWait.until("\(self.label): ack \(id) for '\(event)'", timeout: timeout) {
            self.state.withLockedValue { $0.ackReplies.removeValue(forKey: id) }
        }
    }

    /// Answers server acks for `event` with what `responder` returns.
    func respond(to event: String, with responder: @escaping AckResponder) {
        self.state.withLockedValue { $0.responders[event] = responder }
    }

    /// Leaves the namespace (a DISCONNECT packet); the connection stays open.
    func leaveNamespace() {
        self.send(SocketIOPacket(type: .disconnect, namespace: self.namespace))
    }

    /// Closes the connection.
    func close() {
        _ = self.channelBox.withLockedValue { $0 }?.close()
    }

    /// Closes the connection and waits for it to be closed.
    func closeAndWait() async {
        guard let channel = self.channelBox.withLockedValue({ $0 }) else { return }
        channel.close(promise: nil)
        try? await channel.closeFuture.get()
    }

    // MARK: Waiting

    /// Takes the oldest unread event named `name`, waiting up to `timeout` for one.
    @discardableResult
    func waitForEvent(_ name: String, timeout: Duration = .seconds(5)) async throws -> ReceivedEvent {
        try await TestWait.until("\(self.label): event '\(name)' (unread: \(self.unreadDescription))", timeout: timeout) {
            self.state.withLockedValue { state -> ReceivedEvent? in
                guard let index = state.unread.firstIndex(where: { $0.name == name }) else { return nil }
                return state.unread.remove(at: index)
            }
        }
    }

    /// Fails if an unread event named `name` is there now or arrives within `within`.
    func expectNoEvent(_ name: String, within: Duration) async throws {
        try await TestWait.never(for: within) {
            self.state.withLockedValue { state in
                state.unread.first { $0.name == name }.map { "\(self.label) received \($0)" }
            }
        }
    }

    /// The unread events named `name` (left unread).
    func unreadEvents(_ name: String) -> [ReceivedEvent] {
        self.state.withLockedValue { $0.unread.filter { $0.name == name } }
    }

    /// Every event named `name` received so far, read or not.
    func receivedEvents(_ name: String) -> [ReceivedEvent] {
        self.state.withLockedValue { $0.history.filter { $0.name == name } }
    }

    /// Waits until the server removed this client from its namespace (DISCONNECT packet) or closed the
    /// connection.
    func waitForDisconnect(timeout: Duration = .seconds(5)) async throws {
        try await TestWait.until("\(self.label): disconnect", timeout: timeout) { self.isDisconnected }
    }

    /// Waits until the connection itself is closed.
    func waitForTransportClose(timeout: Duration = .seconds(5)) async throws {
        try await TestWait.until("\(self.label): transport close", timeout: timeout) {
            self.state.withLockedValue { $0.transportClosed }
        }
    }

    /// True once the server sent DISCONNECT for the namespace or the connection closed.
    var isDisconnected: Bool {
        self.state.withLockedValue { $0.namespaceDisconnected || $0.transportClosed }
    }

    /// True when the server sent a DISCONNECT packet for the namespace.
    var receivedNamespaceDisconnect: Bool { self.state.withLockedValue { $0.namespaceDisconnected } }

    private var unreadDescription: String {
        self.state.withLockedValue { $0.unread.map(\.description).joined(separator: ", ") }
    }

    // MARK: Wire

    private func send(_ packet: SocketIOPacket) {
        var text = ByteBuffer(string: "4")
        // The tests send packets they built themselves; one the encoder refuses is a test bug.
        guard let attachments = try? SocketIOPacketEncoder.encode(packet, into: &text) else { return XCTFail("unencodable packet \(packet)") }
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
            self.state.withLockedValue { $0.engineOpen = open }
        case "1":
            self.transportDidClose()
        case "2":
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
        guard packet.namespace == self.namespace || (packet.namespace.isEmpty && self.namespace == "/") else { return }
        let reply: SocketIOPacket? = self.state.withLockedValue { state in
            switch packet.type {
            case .connect:
                state.socketID = packet.payload?["sid"]?.stringValue
            case .connectError:
                state.connectError = packet.payload ?? .null
            case .disconnect:
                state.namespaceDisconnected = true
            case .event, .binaryEvent:
                var payload = packet.payload?.arrayValue ?? []
                guard !payload.isEmpty else { return nil }
                let name = payload.removeFirst()
                let event = ReceivedEvent(name: name.stringValue ?? name.description, arguments: payload, ackID: packet.ackID)
                state.unread.append(event)
                state.history.append(event)
                if let id = packet.ackID, let responder = state.responders[event.name] {
                    return .ack(id, responder(event.arguments), namespace: self.namespace)
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
