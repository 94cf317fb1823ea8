import EngineIO
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
    /// Makes each namespace's adapter; in-memory by default.
    public var adapterFactory: SocketIOAdapterFactory

    /// The defaults, at `/socket.io/`.
    public init(
        engine: EngineServerConfiguration = EngineServerConfiguration(path: "/socket.io/"),
        connectTimeout: TimeAmount = .seconds(45),
        ackTimeout: TimeAmount = .seconds(30),
        decoder: SocketIOPacketDecoder.Configuration = SocketIOPacketDecoder.Configuration(),
        adapterFactory: @escaping SocketIOAdapterFactory = InMemoryAdapter.factory
    ) {
        self.engine = engine
        self.connectTimeout = connectTimeout
        self.ackTimeout = ackTimeout
        self.decoder = decoder
        self.adapterFactory = adapterFactory
    }
}
