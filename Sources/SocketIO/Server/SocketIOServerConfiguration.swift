import EngineIO
import Logging
import NIOCore
import SocketIOProtocol

/// Options of a Socket.IO server; defaults equal the reference's where it has one.
public struct SocketIOServerConfiguration: Sendable {
    /// The Engine.IO options; the path defaults to `/socket.io/`.
    public var engine: EngineServerConfiguration
    /// A client that joins no namespace within this time is closed (45 s).
    public var connectTimeout: TimeAmount
    /// How long `emitWithAck` waits when no timeout is given (the reference waits forever; here
    /// every wait has a deadline): 30 s.
    public var ackTimeout: TimeAmount
    /// Limits of the packet decoder (attachments count and size, JSON depth).
    public var decoder: SocketIOPacketDecoder.Configuration
    /// How packets are written and read: ``SocketIOParser/default`` (the reference's text parser, the
    /// default) or ``SocketIOParser/msgpack`` (the reference's `socket.io-msgpack-parser`). One parser
    /// serves every client and every broadcast of the server, local or from other nodes; clients must
    /// use the same.
    public var parser: SocketIOParser
    /// Makes each namespace's adapter; in-memory by default.
    public var adapterFactory: SocketIOAdapterFactory
    /// A child namespace of a dynamic parent (``SocketIOServer/of(matching:)``) that has had no socket
    /// for this long is removed, with its adapter (and its Redis subscriptions); a later CONNECT
    /// creates it again. nil (the default, as the reference's `cleanupEmptyChildNamespaces: false`)
    /// keeps every child forever.
    public var cleanupEmptyChildNamespaces: TimeAmount?
    /// The most rooms a socket may be in besides its own; a `join` past it is refused (each room may
    /// cost a Redis subscription). nil (the default) sets no bound.
    public var maxRoomsPerSocket: Int?
    /// Connection state recovery (``SocketIOConnectionStateRecovery``); nil (the default, as the
    /// reference) turns it off.
    public var connectionStateRecovery: SocketIOConnectionStateRecovery?
    /// How long a socket's asynchronous listeners (``SocketIOSocket/on(_:_:)-async``) may go on after
    /// it left: the invocations already queued still run, and past this the ones still running are
    /// cancelled (Swift task cancellation: awaits that check it throw `CancellationError`) and the
    /// rest dropped, so a listener that never returns cannot hold its socket forever. 30 s.
    public var asyncListenerDrainTimeout: TimeAmount = .seconds(30)
    /// Where ``SocketIOServer/run()`` (the `Service` conformance) listens; ``SocketIOServer/listen(host:port:)``
    /// takes its own address instead.
    public var listenAddress = SocketIOListenAddress()
    /// Where the server logs (label `socketio` by default), with `engineio.sid` and `socketio.nsp`
    /// metadata: packets that could not be decoded and the disconnect that follows, connection
    /// middleware refusals, unknown namespaces, protocol violations (debug); asynchronous listeners
    /// falling behind (warning). Setting it sets ``EngineServerConfiguration/logger`` of ``engine``
    /// too (add metadata such as `node` to it first); set that one afterwards to log the engine apart.
    public var logger: Logger {
        didSet { self.engine.logger = self.logger }
    }

    /// The defaults, at `/socket.io/`.
    public init(
        engine: EngineServerConfiguration = EngineServerConfiguration(path: "/socket.io/"),
        connectTimeout: TimeAmount = .seconds(45),
        ackTimeout: TimeAmount = .seconds(30),
        decoder: SocketIOPacketDecoder.Configuration = SocketIOPacketDecoder.Configuration(),
        parser: SocketIOParser = .default,
        adapterFactory: @escaping SocketIOAdapterFactory = InMemoryAdapter.factory,
        cleanupEmptyChildNamespaces: TimeAmount? = nil,
        maxRoomsPerSocket: Int? = nil
    ) {
        self.engine = engine
        self.connectTimeout = connectTimeout
        self.ackTimeout = ackTimeout
        self.decoder = decoder
        self.parser = parser
        self.adapterFactory = adapterFactory
        self.cleanupEmptyChildNamespaces = cleanupEmptyChildNamespaces
        self.maxRoomsPerSocket = maxRoomsPerSocket
        self.logger = Logger(label: "socketio")
    }
}
