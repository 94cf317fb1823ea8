import ArgumentParser
import EngineIO
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SocketIO
import SocketIOProtocol
import SocketIORedis
import SocketIOTLS

/// The server the end-to-end tests drive: every server-side feature is reachable through events, so a
/// plain Socket.IO client can exercise rooms, acks, middleware and server-side operations.
@main
struct SocketIOFixture: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "socketio-fixture",
        abstract: "Socket.IO server whose features are driven by client events (for end-to-end tests)."
    )

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 3000
    @Option(name: .customLong("ping-interval"), help: "Milliseconds between server pings.") var pingInterval = 25_000
    @Option(name: .customLong("ping-timeout"), help: "Milliseconds a client has to answer a ping.") var pingTimeout = 20_000
    @Option(name: .customLong("connect-timeout"), help: "Milliseconds a client has to join a namespace.") var connectTimeout = 45_000
    @Option(help: "Redis URL (redis://[:password@]host:port[/db], redis-cluster://h:p,h:p, redis-sentinel://h:p,h:p/name); absent: single node, in-memory adapter.") var redis: String?
    @Option(help: "Redis adapter protocol: classic, sharded, sharded-static, sharded-dynamic-private, streams.") var adapter = "classic"
    @Option(name: .customLong("key-prefix"), help: "Redis channel prefix.") var keyPrefix = "socket.io"
    @Option(name: .customLong("node-id"), help: "A name for this node, reported in `welcome` and /stats.") var nodeID = "fixture"
    @Option(name: .customLong("request-timeout"), help: "Milliseconds cluster requests wait for other nodes.") var requestTimeout = 5_000
    @Option(name: .customLong("cleanup-empty-child-namespaces"), help: "Milliseconds after which an empty /dyn-N namespace is removed; absent: kept.")
    var cleanupEmptyChildNamespaces: Int?
    @Option(name: .customLong("recovery"), help: "Connection state recovery with this maxDisconnectionDuration in milliseconds; absent: off.")
    var recovery: Int?
    @Option(name: .customLong("recovery-max-packets"), help: "Events kept for recovery per namespace.") var recoveryMaxPackets = 10_000
    @Option(name: .customLong("tls-cert"), help: "Serve https/wss with this PEM certificate chain (with --tls-key).") var tlsCert: String?
    @Option(name: .customLong("tls-key"), help: "The PEM private key of --tls-cert.") var tlsKey: String?
    @Option(name: .customLong("max-rooms-per-socket"), help: "Rooms a socket may be in besides its own; absent: no bound.") var maxRoomsPerSocket: Int?
    @Flag(name: .customLong("per-message-deflate"), help: "Negotiate WebSocket permessage-deflate with clients that offer it.") var perMessageDeflate = false
    @Option(help: "Packet format: default (socket.io-parser) or msgpack (socket.io-msgpack-parser).") var parser = SocketIOParser.default

    func validate() throws {
        if let redis { _ = try RedisDeployment(redis) }
        guard self.adapter == "streams" || Self.adapterMode(self.adapter) != nil else { throw ValidationError("unknown --adapter '\(self.adapter)'") }
    }

    static func adapterMode(_ name: String) -> RedisAdapterConfiguration.Mode? {
        switch name {
        case "classic": return .classic
        case "sharded", "sharded-dynamic": return .sharded(.dynamic)
        case "sharded-static": return .sharded(.static)
        case "sharded-dynamic-private": return .sharded(.dynamicPrivate)
        default: return nil
        }
    }

    func run() async throws {
        var configuration = SocketIOServerConfiguration()
        configuration.engine.timing.pingInterval = .milliseconds(Int64(self.pingInterval))
        configuration.engine.timing.pingTimeout = .milliseconds(Int64(self.pingTimeout))
        configuration.connectTimeout = .milliseconds(Int64(self.connectTimeout))
        configuration.cleanupEmptyChildNamespaces = self.cleanupEmptyChildNamespaces.map { .milliseconds(Int64($0)) }
        configuration.maxRoomsPerSocket = self.maxRoomsPerSocket
        if let recovery {
            configuration.connectionStateRecovery = SocketIOConnectionStateRecovery(
                maxDisconnectionDuration: .milliseconds(Int64(recovery)), maxPackets: self.recoveryMaxPackets
            )
        }
        if let tlsCert, let tlsKey {
            configuration.engine.tls = try EngineTLS.pemFiles(certificateChain: tlsCert, privateKey: tlsKey)
        }
        if self.perMessageDeflate { configuration.engine.perMessageDeflate = EnginePerMessageDeflate() }
        configuration.parser = self.parser
        var driver: (any RedisDeploymentDriver)?
        if let redis {
            let deployment = try RedisDeployment(redis)
            let mode = Self.adapterMode(self.adapter) ?? .classic
            if case .classic = mode, !deployment.supportsClassicPubSub {
                throw ValidationError("\(RedisClusterError.classicModeUnsupported)")
            }
            let hiredis = deployment.makeDriver(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: Logger(label: "redis"))
            hiredis.start()
            let adapterConfiguration = RedisAdapterConfiguration(
                keyPrefix: self.keyPrefix,
                requestTimeout: .milliseconds(Int64(self.requestTimeout)),
                mode: Self.adapterMode(self.adapter) ?? .classic
            )
            if self.adapter == "streams" {
                let streams = RedisStreamsConfiguration(streamName: self.keyPrefix, useShardedPubSub: !deployment.supportsClassicPubSub)
                let reader = deployment.makeDriver(
                    eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
                    node: HiredisDriverConfiguration(healthCheckTimeout: streams.readerHealthCheckTimeout),
                    logger: Logger(label: "redis-reader")
                )
                reader.start()
                configuration.adapterFactory = RedisStreamsHub(driver: hiredis, reader: reader, configuration: adapterConfiguration, streams: streams)
                    .adapterFactory
            } else {
                configuration.adapterFactory = RedisAdapterFactory.make(driver: hiredis, configuration: adapterConfiguration)
            }
            driver = hiredis
        }
        let nodeID = self.nodeID
        let redisDriver = driver
        let log = DisconnectLog()
        let box = ServerBox()
        let io = SocketIOServer(configuration: configuration, fallback: { request in
            guard request.path == "/stats", let io = box.server else { return .notFound }
            var sockets: [String: SocketIOValue] = [:]
            var pendingAcks = 0
            for namespace in io.allNamespaces {
                sockets[namespace.name] = .int(namespace.localSockets.count)
                pendingAcks += namespace.pendingAckCount
            }
            let stats: SocketIOValue = [
                "node": .string(nodeID),
                "redis": redisDriver.map { .string($0.state.rawValue) } ?? .null,
                "redisLinks": redisDriver.map { driver in
                    .object(.init(uniqueKeysWithValues: driver.linkStates.map { ($0.name, SocketIOValue.string($0.state.rawValue)) }))
                } ?? .null,
                "sessions": .int(io.engine.sessionCount),
                "pendingAcks": .int(pendingAcks),
                "sockets": .object(.init(uniqueKeysWithValues: sockets.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })),
            ]
            return EngineHTTPResponse(contentType: "application/json", body: JSONSerializer.string(from: stats))
        })
        box.server = io
        io.use { socket in
            switch socket.handshake.auth["token"]?.stringValue {
            case "bad": throw SocketIOConnectError("not authorized", data: ["code": 401])
            case "crash": throw FixtureInternalError(detail: "redis://app:s3cret@db.internal:6379 refused")
            case "slow": try await Task.sleep(for: .milliseconds(50))
            case "hang": try await Task.sleep(for: .seconds(3600))  // ends by the connect deadline's cancellation
            default: break
            }
        }
        for namespace in [io.sockets, io.of("/custom")] {
            namespace.onConnection { socket in FixtureHandlers.install(on: socket, log: log, nodeID: nodeID) }
            namespace.onServerSideEmit { packet, reply in
                // ["ping-nodes", ...] answers with this node's id; anything else is recorded for `server-events`.
                if packet.first?.stringValue == "ping-nodes" { reply?([.string(nodeID)]) }
                ServerEvents.shared.record(packet)
            }
        }
        io.of(matching: { name, _ in name.hasPrefix("/dyn-") && name.dropFirst(5).allSatisfy(\.isNumber) && name.count > 5 })
            .onConnection { socket in FixtureHandlers.install(on: socket, log: log, nodeID: nodeID) }
        let channel = try await io.listen(host: self.host, port: self.port)
        Logger(label: "socketio-fixture").info("listening", metadata: ["address": "\(channel.localAddress.map { "\($0)" } ?? "?")"])
        try await channel.closeFuture.get()
    }
}

/// Server-side events received from other nodes.
final class ServerEvents: Sendable {
    static let shared = ServerEvents()
    private let entries = NIOLockedValueBox<[SocketIOValue]>([])

    func record(_ packet: [SocketIOValue]) {
        self.entries.withLockedValue { entries in
            entries.append(.array(packet))
            if entries.count > 200 { entries.removeFirst(entries.count - 200) }
        }
    }

    var all: [SocketIOValue] { self.entries.withLockedValue { $0 } }
}

final class ServerBox: @unchecked Sendable {
    var server: SocketIOServer?
}

/// The last disconnects seen: `[namespace, socket id, reason, description or null]`; and the last
/// errors the sockets' error listeners heard: `[namespace, socket id, error]`.
final class DisconnectLog: Sendable {
    private let entries = NIOLockedValueBox<[SocketIOValue]>([])
    private let errors = NIOLockedValueBox<[SocketIOValue]>([])

    func record(_ socket: SocketIOSocket, _ reason: SocketIODisconnectReason, _ description: String?) {
        self.entries.withLockedValue { entries in
            entries.append([.string(socket.namespace.name), .string(socket.id), .string(reason.rawValue), description.map(SocketIOValue.string) ?? .null])
            if entries.count > 200 { entries.removeFirst(entries.count - 200) }
        }
    }

    func recordError(_ socket: SocketIOSocket, _ error: any Error) {
        self.errors.withLockedValue { errors in
            errors.append([.string(socket.namespace.name), .string(socket.id), .string("\(error)")])
            if errors.count > 200 { errors.removeFirst(errors.count - 200) }
        }
    }

    /// `[namespace, socket id, reason]` entries.
    var all: [SocketIOValue] { self.entries.withLockedValue { $0.map { .array(Array(($0.arrayValue ?? []).prefix(3))) } } }
    /// `[namespace, socket id, reason, description]` entries.
    var detailed: [SocketIOValue] { self.entries.withLockedValue { $0 } }
    var allErrors: [SocketIOValue] { self.errors.withLockedValue { $0 } }
}

/// A packet middleware's refusal, as the fixture's `seq-refused…` events get it.
struct FixtureRefusal: Error, CustomStringConvertible {
    var event: String
    var description: String { "refused \(self.event)" }
}

enum FixtureHandlers {
    static func install(on socket: SocketIOSocket, log: DisconnectLog, nodeID: String) {
        let namespace = socket.namespace
        socket.emit("welcome", .string(socket.id), .string(namespace.name), socket.handshake.auth, .string(nodeID))
        socket.onDisconnect { reason, description in log.record(socket, reason, description) }
        socket.onError { error in
            log.recordError(socket, error)
            if error is FixtureRefusal { socket.emit("error-heard", .string("\(error)")) }
        }
        // Listener order: `seq-…` events are logged by a catch-all listener, a middleware (which refuses
        // `seq-refused…`) and their named listeners; ["seq-log"] → ack the log.
        let sequence = NIOLockedValueBox<[SocketIOValue]>([])
        let isSequenced: (String) -> Bool = { $0.hasPrefix("seq-") && $0 != "seq-log" }
        socket.onAny { event in
            if isSequenced(event.name) { sequence.withLockedValue { $0.append(.string("any:" + event.name)) } }
        }
        socket.use { event in
            guard isSequenced(event.name) else { return }
            sequence.withLockedValue { $0.append(.string("use:" + event.name)) }
            if event.name.hasPrefix("seq-refused") { throw FixtureRefusal(event: event.name) }
        }
        for name in ["seq-ok", "seq-refused"] {
            socket.on(name) { _ in sequence.withLockedValue { $0.append(.string("on:" + name)) } }
        }
        socket.on("seq-log") { event in event.ack?(.array(sequence.withLockedValue { $0 })) }
        // Outgoing events seen by an outgoing catch-all listener (after this point): ["outgoing-log"] →
        // ack [[event, ...args], ...] (the last 50).
        let outgoing = NIOLockedValueBox<[SocketIOValue]>([])
        socket.onAnyOutgoing { name, arguments in
            outgoing.withLockedValue { log in
                log.append(.array([.string(name)] + arguments))
                if log.count > 50 { log.removeFirst() }
            }
        }
        socket.on("outgoing-log") { event in event.ack?(.array(outgoing.withLockedValue { $0 })) }
        // ["once-only"]: a `once` listener answers the first one with ["once-heard", 1]; an `on`
        // listener answers each with ["on-heard"].
        socket.once("once-only") { _ in socket.emit("once-heard", 1) }
        socket.on("once-only") { _ in socket.emit("on-heard") }
        // ["volatile-pair"]: a volatile emit ("v-volatile") then a normal one ("v-kept").
        socket.on("volatile-pair") { _ in
            socket.volatile.emit("v-volatile", 1)
            socket.emit("v-kept", 2)
        }
        // ["emit-reserved"] → ack what emitting each reserved name answered (nothing is sent).
        socket.on("emit-reserved") { event in
            let answers = SocketIOSocket.reservedEventNames.sorted().map { SocketIOValue.bool(socket.emit($0)) }
            event.ack?(.array(answers), .bool(namespace.emit("disconnect")))
        }
        // ["server-ack-first", event, timeoutMs, ...args] → ack ["ok", first ack argument] or ["timeout"],
        // through `socket.timeout(ms).emitWithAck`.
        socket.on("server-ack-first") { event in
            guard let name = event[0]?.stringValue, let timeout = event[1]?.intValue, let ack = event.ack else { return }
            let arguments = Array(event.arguments.dropFirst(2))
            Task {
                do {
                    let first = try await socket.timeout(.milliseconds(Int64(timeout))).emitWithAck(name, arguments: arguments)
                    ack("ok", first)
                } catch SocketIOError.ackTimeout {
                    ack("timeout")
                } catch {
                    ack("error", .string("\(error)"))
                }
            }
        }
        socket.on("echo") { event in event.ack?.send(event.arguments) }
        // ["join", ...rooms] → ack whether every room was joined (false past --max-rooms-per-socket)
        socket.on("join") { event in
            var joined = true
            for room in event.arguments.compactMap(\.stringValue) { joined = socket.join(room) && joined }
            event.ack?(.bool(joined))
        }
        socket.on("leave") { event in
            for room in event.arguments.compactMap(\.stringValue) { socket.leave(room) }
            event.ack?(true)
        }
        // ["join-later", room, ms] → ack true at once; joins `room` after `ms` (an async handler
        // that awaits, then joins: the socket may have disconnected by then)
        socket.on("join-later") { event in
            guard let room = event[0]?.stringValue else { return }
            let delay = min(max(event[1]?.intValue ?? 0, 0), 10_000)
            event.ack?(true)
            Task {
                try? await Task.sleep(nanoseconds: UInt64(delay) * 1_000_000)
                socket.join(room)
            }
        }
        // ["twice"]: two listeners, each emits ["heard", 1 or 2]; ["off-twice"] removes both (ack true);
        // ["any-order"] → ack the catch-all listeners that ran, in order (one prepended)
        socket.on("twice") { _ in socket.emit("heard", 1) }
        socket.on("twice") { _ in socket.emit("heard", 2) }
        socket.on("off-twice") { event in
            socket.off("twice")
            event.ack?(true)
        }
        let anyOrder = NIOLockedValueBox<[SocketIOValue]>([])
        socket.onAny { event in if event.name == "any-order" { anyOrder.withLockedValue { $0.append("second") } } }
        socket.prependAny { event in if event.name == "any-order" { anyOrder.withLockedValue { $0 = ["first"] } } }
        socket.on("any-order") { event in event.ack?(.array(anyOrder.withLockedValue { $0 })) }
        // ["handshake"] → ack {time, issued, secure, xdomain}
        socket.on("handshake") { event in
            let handshake = socket.handshake
            event.ack?([
                "time": .string(handshake.time), "issued": .int(handshake.issued),
                "secure": .bool(handshake.secure), "xdomain": .bool(handshake.xdomain),
            ])
        }
        // ["recovered"] → ack [whether the socket took up a disconnected session, its data]
        socket.on("recovered") { event in event.ack?(.bool(socket.recovered), socket.data) }
        socket.on("rooms") { event in
            event.ack?(.array(socket.rooms.sorted().map(SocketIOValue.string)))
        }
        socket.on("set-data") { event in
            socket.data = event[0] ?? .null
            event.ack?(true)
        }
        // ["emit-to", {rooms, except, broadcast, compress, confirmed}, event, ...args] → ack [accepted]
        // (with `confirmed`: [true] once the cluster stored it, or [false, error])
        socket.on("emit-to") { event in
            guard let options = event[0], let name = event[1]?.stringValue else { return }
            var target = options["broadcast"]?.boolValue == true ? socket.broadcast : namespace.all
            target = target.to(Set((options["rooms"]?.arrayValue ?? []).compactMap(\.stringValue)))
            target = target.except(Set((options["except"]?.arrayValue ?? []).compactMap(\.stringValue)))
            if options["compress"]?.boolValue == false { target = target.compress(false) }
            let arguments = Array(event.arguments.dropFirst(2))
            guard options["confirmed"]?.boolValue == true else {
                let accepted = target.emit(name, arguments: arguments)  // not inside `ack?(…)`: it runs without an ack too
                event.ack?(.bool(accepted))
                return
            }
            let ack = event.ack
            let confirmedTarget = target
            Task {
                do {
                    try await confirmedTarget.emitConfirmed(name, arguments: arguments)
                    ack?(true)
                } catch {
                    ack?(false, .string("\(error)"))
                }
            }
        }
        // ["emit-self", compress, event, ...args]: socket.compress(compress).emit(event, ...args)
        socket.on("emit-self") { event in
            guard let compress = event[0]?.boolValue, let name = event[1]?.stringValue else { return }
            socket.compress(compress).emit(name, arguments: Array(event.arguments.dropFirst(2)))
            event.ack?(true)
        }
        // ["server-ack", event, timeoutMs, ...args] → ack ["ok", [reply...]] or ["timeout"]
        socket.on("server-ack") { event in
            guard let name = event[0]?.stringValue, let timeout = event[1]?.intValue, let ack = event.ack else { return }
            let arguments = Array(event.arguments.dropFirst(2))
            Task {
                do {
                    let reply = try await socket.emitWithAckArguments(name, arguments: arguments, timeout: .milliseconds(Int64(timeout)))
                    ack("ok", .array(reply))
                } catch SocketIOError.ackTimeout {
                    ack("timeout")
                } catch {
                    ack("error", .string("\(error)"))
                }
            }
        }
        // ["broadcast-ack", room, event, timeoutMs] → ack ["ok", responses] or ["timeout", partial]
        socket.on("broadcast-ack") { event in
            guard let room = event[0]?.stringValue, let name = event[1]?.stringValue, let timeout = event[2]?.intValue,
                let ack = event.ack
            else { return }
            Task {
                do {
                    let responses = try await namespace.to(room).timeout(.milliseconds(Int64(timeout))).emitWithAck(name)
                    ack("ok", .array(responses))
                } catch SocketIOError.ackTimeout(let partial) {
                    ack("timeout", .array(partial))
                } catch {
                    ack("error", .string("\(error)"))
                }
            }
        }
        // ["fetch-sockets", room?] → ack [{id, rooms, data}], or {error} when fetchSockets threw
        socket.on("fetch-sockets") { event in
            guard let ack = event.ack else { return }
            let room = event[0]?.stringValue
            Task {
                let target = room.map { namespace.in($0) } ?? namespace.all
                do {
                    let sockets = try await target.fetchSockets()
                    ack(.array(sockets.sorted { $0.id < $1.id }.map { remote in
                        ["id": .string(remote.id), "rooms": .array(remote.rooms.sorted().map(SocketIOValue.string)), "data": remote.data]
                    }))
                } catch {
                    ack(["error": .string("\(error)")])
                }
            }
        }
        // ["sockets-join", room, newRoom], ["sockets-leave", room, oldRoom]
        socket.on("sockets-join") { event in
            guard let room = event[0]?.stringValue, let newRoom = event[1]?.stringValue else { return }
            namespace.in(room).socketsJoin(newRoom)
            event.ack?(true)
        }
        socket.on("sockets-leave") { event in
            guard let room = event[0]?.stringValue, let oldRoom = event[1]?.stringValue else { return }
            namespace.in(room).socketsLeave(oldRoom)
            event.ack?(true)
        }
        // ["disconnect-sockets", room, close]
        socket.on("disconnect-sockets") { event in
            guard let room = event[0]?.stringValue else { return }
            event.ack?(true)
            namespace.in(room).disconnectSockets(close: event[1]?.boolValue ?? false)
        }
        // ["disconnect-me", close]
        socket.on("disconnect-me") { event in
            socket.disconnect(close: event[0]?.boolValue ?? false)
        }
        socket.on("disconnect-log") { event in
            event.ack?(.array(log.all))
        }
        socket.on("disconnect-details") { event in
            event.ack?(.array(log.detailed))
        }
        socket.on("error-log") { event in
            event.ack?(.array(log.allErrors))
        }
        // ["server-emit", event, ...args]: serverSideEmit to the other nodes.
        socket.on("server-emit") { event in
            guard let name = event[0]?.stringValue else { return }
            namespace.serverSideEmit(name, arguments: Array(event.arguments.dropFirst()))
            event.ack?(true)
        }
        // ["server-emit-ack", timeoutMs] → ack ["ok", [node ids of the other nodes]] or ["timeout", partial].
        socket.on("server-emit-ack") { event in
            guard let ack = event.ack else { return }
            let timeout = event[0]?.intValue ?? 1000
            Task {
                do {
                    let answers = try await namespace.serverSideEmitWithAck("ping-nodes", timeout: .milliseconds(Int64(timeout)))
                    ack("ok", .array(answers))
                } catch SocketIOError.ackTimeout(let partial) {
                    ack("timeout", .array(partial))
                } catch {
                    ack("error", .string("\(error)"))
                }
            }
        }
        socket.on("server-events") { event in
            event.ack?(.array(ServerEvents.shared.all))
        }
        socket.on("all-rooms") { event in
            guard let ack = event.ack else { return }
            Task {
                do {
                    let rooms = try await namespace.adapter.allRooms()
                    ack(.array(rooms.sorted().map(SocketIOValue.string)))
                } catch {
                    ack(["error": .string("\(error)")])
                }
            }
        }
    }
}

/// An error whose description looks like internals; a middleware that throws it must not show it.
struct FixtureInternalError: Error, CustomStringConvertible {
    var detail: String
    var description: String { "FixtureInternalError: \(self.detail)" }
}

/// `--parser default|msgpack`.
extension SocketIOParser: ExpressibleByArgument {}
