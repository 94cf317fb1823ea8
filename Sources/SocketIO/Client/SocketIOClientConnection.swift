import EngineIO
import NIOCore
import SocketIOProtocol

/// The Socket.IO side of one Engine.IO session: decodes packets, connects the client to namespaces,
/// routes packets to its sockets and writes theirs. Lives on the session's event loop.
final class SocketIOClientConnection: EngineSessionHandler, @unchecked Sendable {
    let session: EngineSession
    /// Strong: a server the application released stays alive until its last connection has closed
    /// (sockets leaving a namespace read it), instead of trapping on a released reference.
    private let server: SocketIOServer
    private var decoder: SocketIOConnectionDecoder
    private let parser: SocketIOParser
    private var sockets: [String: SocketIOSocket] = [:]
    /// Namespaces whose connection middlewares are running, with their task and deadline.
    private var connecting: [String: (task: Task<Void, Never>, deadline: Scheduled<Void>)] = [:]
    private var connectTimer: Scheduled<Void>?
    private var closed = false

    init(session: EngineSession, server: SocketIOServer) {
        self.session = session
        self.server = server
        self.parser = server.configuration.parser
        self.decoder = SocketIOConnectionDecoder(parser: self.parser, configuration: server.configuration.decoder)
    }

    /// Starts the connect timeout: a client that joins no namespace in time is closed.
    func startOnEventLoop() {
        let timeout = self.server.configuration.connectTimeout
        self.connectTimer = self.session.eventLoop.scheduleTask(in: timeout) { [self] in
            self.connectTimer = nil
            if self.sockets.isEmpty && !self.closed {
                self.session.close()
            }
        }
    }

    // MARK: EngineSessionHandler

    func engineSession(_ session: EngineSession, didReceive message: EngineMessage) {
        let packet: SocketIOPacket?
        do {
            packet = try self.decoder.decode(message)
        } catch {
            // As the reference: every socket's error listeners hear of it, then the connection is
            // closed and its sockets leave with `forced close`.
            self.server.configuration.logger.debug(
                "packet could not be decoded; closing the connection (forced close)",
                metadata: ["engineio.sid": "\(session.id)", "error": "\(error)"]
            )
            for socket in Array(self.sockets.values) { socket.reportErrorOnEventLoop(error) }
            session.close()
            return
        }
        guard let packet else { return }
        let socket = self.sockets[packet.namespace]
        if socket == nil && packet.type == .connect {
            self.connect(namespace: packet.namespace, auth: packet.payload)
        } else if let socket, packet.type != .connect && packet.type != .connectError {
            socket.handlePacketOnEventLoop(packet)
        } else {
            // A packet for a namespace the client has not joined, a second CONNECT, or a CONNECT_ERROR
            // from the client: an invalid state, and the reference closes the connection.
            self.server.configuration.logger.debug(
                "packet out of place; closing the connection (forced server close)",
                metadata: ["engineio.sid": "\(session.id)", "socketio.nsp": "\(packet.namespace)", "socketio.packetType": "\(packet.type)"]
            )
            self.closeOnEventLoop(.forcedServerClose)
            session.close()
        }
    }

    func engineSession(_ session: EngineSession, didCloseWith reason: EngineCloseReason) {
        self.closeOnEventLoop(SocketIODisconnectReason(reason), description: session.closeDescriptionOnEventLoop)
    }

    // MARK: Namespaces

    private func connect(namespace name: String, auth: SocketIOValue?) {
        guard self.sockets[name] == nil, self.connecting[name] == nil else { return }
        guard let namespace = self.server.namespace(forConnecting: name, auth: auth ?? .object([:])) else {
            self.server.statistics.connectErrors.wrappingIncrement(ordering: .relaxed)
            self.server.configuration.logger.debug(
                "CONNECT to an unknown namespace refused",
                metadata: ["engineio.sid": "\(self.session.id)", "socketio.nsp": "\(name)"]
            )
            self.sendOnEventLoop(SocketIOPacket(type: .connectError, namespace: name, payload: ["message": "Invalid namespace"]))
            return
        }
        if let recovery = self.server.configuration.connectionStateRecovery,
            let pid = auth?["pid"]?.stringValue, let offset = auth?["offset"]?.stringValue
        {
            self.recover(namespace: namespace, auth: auth, pid: pid, offset: offset, skipMiddlewares: recovery.skipMiddlewares)
            return
        }
        self.admit(self.makeSocket(namespace: namespace, auth: auth, restored: nil), restored: nil, skipMiddlewares: false)
    }

    /// A new socket, or the socket of a recovered session (its id, private id and data).
    private func makeSocket(namespace: SocketIONamespace, auth: SocketIOValue?, restored: SocketIORecoveredSession?) -> SocketIOSocket {
        let handshake = SocketIOHandshake(engine: self.session.handshake, auth: auth)
        guard let restored else {
            let pid = self.server.configuration.connectionStateRecovery == nil ? nil : SessionIDGenerator.make()
            return SocketIOSocket(id: SessionIDGenerator.make(), namespace: namespace, handshake: handshake, client: self, pid: pid)
        }
        let socket = SocketIOSocket(
            id: restored.session.sid,
            namespace: namespace,
            handshake: handshake,
            client: self,
            pid: restored.session.pid,
            recovered: true
        )
        socket.data = restored.session.data
        return socket
    }

    /// Connection state recovery: asks the adapter for the session `pid` and the events after
    /// `offset` (within connectTimeout), then admits the recovered socket, or a fresh one when the
    /// session is gone, the offset unknown or the adapter failed (as the reference decides).
    private func recover(namespace: SocketIONamespace, auth: SocketIOValue?, pid: String, offset: String, skipMiddlewares: Bool) {
        let loop = self.session.eventLoop
        let promise = loop.makePromise(of: SocketIORecoveredSession?.self)
        let adapter: any SocketIOAdapter = namespace.adapter
        let task = Task {
            let restored = try? await adapter.restoreSession(pid: pid, offset: offset)
            promise.succeed(restored)
        }
        let deadline = loop.scheduleTask(in: self.server.configuration.connectTimeout) {
            task.cancel()
            promise.succeed(nil)
        }
        let name = namespace.name
        self.connecting[name] = (task, deadline)
        promise.futureResult.whenSuccess { [self] restored in
            deadline.cancel()
            self.connecting[name] = nil
            guard !self.closed else {
                namespace.connectEnded()
                return
            }
            let socket = self.makeSocket(namespace: namespace, auth: auth, restored: restored)
            self.admit(socket, restored: restored, skipMiddlewares: restored != nil && skipMiddlewares)
        }
    }

    /// Runs the namespace's connection middlewares (unless skipped) and connects the socket.
    private func admit(_ socket: SocketIOSocket, restored: SocketIORecoveredSession?, skipMiddlewares: Bool) {
        let namespace = socket.namespace
        let name = namespace.name
        let middlewares = skipMiddlewares ? [] : namespace.connectionMiddlewares
        if middlewares.isEmpty {
            self.finishConnect(socket, restored: restored)
            namespace.connectEnded()
            return
        }
        // The middlewares run as a task with a deadline (connectTimeout): a middleware that never
        // returns is cancelled and the client gets a CONNECT_ERROR; closing the client cancels it too.
        let loop = self.session.eventLoop
        let promise = loop.makePromise(of: Void.self)
        let task = Task {
            do {
                for middleware in middlewares { try await middleware(socket) }
                promise.succeed(())
            } catch {
                promise.fail(error)
            }
        }
        let deadline = loop.scheduleTask(in: self.server.configuration.connectTimeout) {
            task.cancel()
            promise.fail(SocketIOConnectError("Connection timed out"))
        }
        self.connecting[name] = (task, deadline)
        promise.futureResult.whenComplete { [self] result in
            defer { namespace.connectEnded() }
            deadline.cancel()
            self.connecting[name] = nil
            guard !self.closed else { return }
            switch result {
            case .success:
                self.finishConnect(socket, restored: restored)
            case .failure(let error):
                self.server.statistics.connectErrors.wrappingIncrement(ordering: .relaxed)
                // Only a SocketIOConnectError's words reach the client: any other error's
                // description may carry internals (paths, queries, credentials).
                let refusal = (error as? SocketIOConnectError) ?? SocketIOConnectError.genericRefusal
                self.server.configuration.logger.debug(
                    "connection middleware refused a socket",
                    metadata: [
                        "engineio.sid": "\(self.session.id)", "socketio.nsp": "\(name)",
                        "socketio.refusal": "\(refusal.message)", "error": "\(error)",
                    ]
                )
                self.sendOnEventLoop(SocketIOPacket(type: .connectError, namespace: name, payload: refusal.payload))
            }
        }
    }

    private func finishConnect(_ socket: SocketIOSocket, restored: SocketIORecoveredSession?) {
        self.connectTimer?.cancel()
        self.connectTimer = nil
        self.sockets[socket.namespace.name] = socket
        socket.markConnectedOnEventLoop()
        self.server.statistics.connections.wrappingIncrement(ordering: .relaxed)
        socket.namespace.add(socket)
        var answer: SocketIOValue = ["sid": .string(socket.id)]
        if let restored {
            socket.join(Set(restored.session.rooms))
            // As the reference: the missed events go out before the CONNECT (the client holds them
            // until it is connected), each with its offset.
            for data in restored.missedPackets + socket.namespace.adapter.eventsSinceRestore(of: socket.id) {
                self.sendOnEventLoop(SocketIOPacket(type: .event, namespace: socket.namespace.name, payload: .array(data)))
            }
        }
        if let pid = socket.pid { answer = ["sid": .string(socket.id), "pid": .string(pid)] }
        self.sendOnEventLoop(SocketIOPacket(type: .connect, namespace: socket.namespace.name, payload: answer))
        socket.namespace.announce(socket)
    }

    func removeOnEventLoop(_ socket: SocketIOSocket) {
        if self.sockets[socket.namespace.name] === socket {
            self.sockets[socket.namespace.name] = nil
        }
    }

    /// Disconnects every socket (server namespace disconnect), then closes the connection.
    func disconnectAllOnEventLoop() {
        for socket in Array(self.sockets.values) {
            socket.sendPacketOnEventLoop(SocketIOPacket(type: .disconnect, namespace: socket.namespace.name))
            socket.closeOnEventLoop(.serverNamespaceDisconnect)
        }
        self.closeOnEventLoop(.forcedServerClose)
        self.session.close()
    }

    /// Every socket leaves with `reason` (and the transport's `description` of what went wrong); nothing
    /// is sent.
    func closeOnEventLoop(_ reason: SocketIODisconnectReason, description: String? = nil) {
        guard !self.closed else { return }
        self.closed = true
        self.connectTimer?.cancel()
        self.connectTimer = nil
        for (_, pending) in self.connecting {
            pending.deadline.cancel()
            pending.task.cancel()
        }
        self.connecting = [:]
        for socket in Array(self.sockets.values) { socket.closeOnEventLoop(reason, description: description) }
        self.sockets = [:]
    }

    // MARK: Writing

    func sendOnEventLoop(_ packet: SocketIOPacket, volatile: Bool = false, compress: Bool = true) {
        SocketIOFrames.forEachFrame(of: packet, parser: self.parser) {
            self.session.sendOnEventLoop(compress ? $0 : $0.compressed(false), volatile: volatile)
        }
    }

    func writeOnEventLoop(_ frames: [EngineFrame], volatile: Bool) {
        for frame in frames { self.session.sendOnEventLoop(frame, volatile: volatile) }
    }
}

extension SocketIOConnectError {
    /// What the client sees when a middleware refuses a socket with an error of another type.
    static let genericRefusal = SocketIOConnectError("Server error")
}
