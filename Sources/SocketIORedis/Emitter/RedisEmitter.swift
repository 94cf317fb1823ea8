import NIOCore
import SocketIO
import SocketIOProtocol

/// Emits to Socket.IO clients from a process that is not a Socket.IO server, through Redis, in the
/// classic adapter format (compatible with the reference `@socket.io/redis-emitter`) or, with
/// ``Format/sharded``, as sharded-adapter envelopes on the namespace's main shard channel (SPUBLISH;
/// the only choice on a Redis Cluster), or, with ``Format/streams``, as entries of the streams
/// adapter's stream (`XADD`, so nodes that were away read them too): every node of the cluster
/// delivers to its own clients.
///
/// ```swift
/// let emitter = RedisEmitter(driver: driver)
/// emitter.to("room42").emit("news", "hello")
/// emitter.of("/admin").socketsJoin("audit")
/// ```
public struct RedisEmitter: Sendable {
    let driver: any RedisPubSubDriver
    let keyPrefix: String
    let namespace: String
    var rooms: Set<String> = []
    var except: Set<String> = []
    var flags = SocketIOBroadcastFlags()
    let format: Format

    /// Which adapter protocol the nodes speak.
    public enum Format: Sendable, Hashable {
        /// The classic adapter (PUBLISH, MessagePack `[uid, packet, opts]` and JSON requests).
        case classic
        /// The sharded adapter (SPUBLISH of `{uid, nsp, type, data}` envelopes on `prefix#nsp#`).
        case sharded
        /// The streams adapter: broadcasts and membership operations appended to the stream named
        /// like the key prefix (`XADD … MAXLEN ~ 10000`; the driver must send commands, as the
        /// hiredis, cluster and Sentinel drivers do), server-side emits published on `prefix#nsp#`.
        case streams
    }

    /// An emitter for the namespace `namespace` (default `/`) under `keyPrefix`, speaking `format`.
    public init(driver: any RedisPubSubDriver, keyPrefix: String = "socket.io", namespace: String = "/", format: Format = .classic) {
        self.driver = driver
        self.keyPrefix = keyPrefix
        self.namespace = namespace.hasPrefix("/") ? namespace : "/" + namespace
        self.format = format
    }

    /// The same emitter for another namespace.
    public func of(_ namespace: String) -> RedisEmitter {
        RedisEmitter(driver: self.driver, keyPrefix: self.keyPrefix, namespace: namespace, format: self.format)
    }

    /// Targets sockets in `rooms`.
    public func to(_ rooms: String...) -> RedisEmitter {
        var copy = self
        copy.rooms.formUnion(rooms)
        return copy
    }

    /// Same as ``to(_:)``.
    public func `in`(_ rooms: String...) -> RedisEmitter {
        var copy = self
        copy.rooms.formUnion(rooms)
        return copy
    }

    /// Skips sockets in `rooms`.
    public func except(_ rooms: String...) -> RedisEmitter {
        var copy = self
        copy.except.formUnion(rooms)
        return copy
    }

    /// May be dropped for clients that cannot take it now.
    public var volatile: RedisEmitter {
        var copy = self
        copy.flags.volatile = true
        return copy
    }

    /// Whether the payload may be compressed.
    public func compress(_ compress: Bool) -> RedisEmitter {
        var copy = self
        copy.flags.compress = compress
        return copy
    }

    /// Emits `event` with `arguments` to the selected sockets on every node.
    public func emit(_ event: String, _ arguments: SocketIOValue...) {
        self.emit(event, arguments: arguments)
    }

    /// Emits `event` with `arguments` to the selected sockets on every node.
    public func emit(_ event: String, arguments: [SocketIOValue]) {
        let packet = SocketIOPacket.event(event, arguments, namespace: self.namespace)
        var flags = SocketIOValue.object([:])
        if case .object(var fields) = flags {
            if self.flags.volatile { fields["volatile"] = true }
            if !self.flags.compress { fields["compress"] = false }
            flags = .object(fields)
        }
        if self.format != .classic {
            self.publishClusterMessage(.broadcast, ["packet": packet.wireValue, "opts": self.options(flags: flags)])
            return
        }
        let message: SocketIOValue = [
            "emitter",
            packet.wireValue,
            [
                "rooms": .array(self.rooms.sorted().map(SocketIOValue.string)),
                "flags": flags,
                "except": .array(self.except.sorted().map(SocketIOValue.string)),
            ],
        ]
        var channel = "\(self.keyPrefix)#\(self.namespace)#"
        if self.rooms.count == 1, let room = self.rooms.first { channel += room + "#" }
        self.driver.publish(RedisWireCodec.messagePack(message), to: channel, sharded: false)
    }

    /// Makes the selected sockets join `rooms`.
    public func socketsJoin(_ rooms: String...) {
        self.request(.remoteJoin, ["rooms": .array(rooms.sorted().map(SocketIOValue.string))])
    }

    /// Makes the selected sockets leave `rooms`.
    public func socketsLeave(_ rooms: String...) {
        self.request(.remoteLeave, ["rooms": .array(rooms.sorted().map(SocketIOValue.string))])
    }

    /// Disconnects the selected sockets; `close` also closes their connections.
    public func disconnectSockets(close: Bool = false) {
        self.request(.remoteDisconnect, ["close": .bool(close)])
    }

    /// Emits `[event, ...args]` to every node's server-side handlers.
    public func serverSideEmit(_ event: String, _ arguments: SocketIOValue...) {
        if self.format != .classic {
            self.publishClusterMessage(.serverSideEmit, ["packet": .array([.string(event)] + arguments)])
            return
        }
        let request: SocketIOValue = [
            "uid": "emitter", "type": .int(RedisRequestType.serverSideEmit.rawValue), "data": .array([.string(event)] + arguments),
        ]
        self.driver.publish(RedisWireCodec.jsonUnlessBinary(request), to: "\(self.keyPrefix)-request#\(self.namespace)#", sharded: false)
    }

    private func request(_ type: RedisRequestType, _ extra: [String: SocketIOValue]) {
        if self.format != .classic {
            let shardedType: ClusterMessageType
            switch type {
            case .remoteJoin: shardedType = .socketsJoin
            case .remoteLeave: shardedType = .socketsLeave
            default: shardedType = .disconnectSockets
            }
            var data: [(String, SocketIOValue)] = [("opts", self.options(flags: nil))]
            data += extra.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
            self.publishClusterMessage(shardedType, .object(.init(uniqueKeysWithValues: data)))
            return
        }
        var fields: [(String, SocketIOValue)] = [
            ("type", .int(type.rawValue)),
            ("opts", ["rooms": .array(self.rooms.sorted().map(SocketIOValue.string)), "except": .array(self.except.sorted().map(SocketIOValue.string))]),
        ]
        fields += extra.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        let request = SocketIOValue.object(.init(uniqueKeysWithValues: fields))
        self.driver.publish(RedisWireCodec.json(request), to: "\(self.keyPrefix)-request#\(self.namespace)#", sharded: false)
    }

    /// `{rooms, except[, flags]}`.
    private func options(flags: SocketIOValue?) -> SocketIOValue {
        var fields: [(String, SocketIOValue)] = [
            ("rooms", .array(self.rooms.sorted().map(SocketIOValue.string))), ("except", .array(self.except.sorted().map(SocketIOValue.string))),
        ]
        if let flags { fields.append(("flags", flags)) }
        return .object(.init(uniqueKeysWithValues: fields))
    }

    /// A cluster message: for the sharded format an envelope SPUBLISHed on the namespace's main
    /// channel (which every node subscribes in every subscription mode); for the streams format a
    /// stream entry, or, for a server-side emit, a MessagePack envelope on the request channel.
    private func publishClusterMessage(_ type: ClusterMessageType, _ data: SocketIOValue) {
        let envelope: SocketIOValue = ["uid": "emitter", "nsp": .string(self.namespace), "type": .int(type.rawValue), "data": data]
        let channel = "\(self.keyPrefix)#\(self.namespace)#"
        guard self.format == .streams else {
            self.driver.publish(RedisWireCodec.jsonUnlessBinary(envelope), to: channel, sharded: true)
            return
        }
        let sharded = self.driver is RedisClusterDriver
        if type == .serverSideEmit {
            self.driver.publish(RedisWireCodec.messagePack(envelope), to: channel, sharded: sharded)
            return
        }
        guard let commands = self.driver as? any RedisCommandSending else {
            self.driver.statistics.dropped.wrappingIncrement(ordering: .relaxed)
            return
        }
        let stream = self.keyPrefix
        let arguments = ["XADD", stream, "MAXLEN", "~", String(RedisStreamsConfiguration().maxLength), "*"]
            + RedisStreamCodec.fields(uid: "emitter", namespace: self.namespace, type: type, data: data)
        self.driver.statistics.published.wrappingIncrement(ordering: .relaxed)
        let statistics = self.driver.statistics
        commands.submit(arguments, key: stream, timeout: .seconds(2)).whenFailure { _ in
            statistics.dropped.wrappingIncrement(ordering: .relaxed)
        }
    }
}
