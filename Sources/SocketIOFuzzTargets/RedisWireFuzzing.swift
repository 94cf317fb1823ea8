import NIOCore
import SocketIO
import SocketIOProtocol
import SocketIORedis

/// Messages on the channels of both Redis adapters, handed to the adapters' own receiving code as the
/// driver would: the first byte picks the channel, the rest is the payload. One server per mode, with
/// an adapter on an in-memory broker, lives for the whole run; a message must never trap, and whatever
/// it asks for (broadcasts, responses, joins) runs for real on that server.
enum RedisWireFuzzing {
    /// Where a message arrives.
    private enum Channel: CaseIterable {
        case classicBroadcast, classicRoom, classicRequest, classicResponse, classicOwnResponse
        case shardedMain, shardedResponse, shardedRoom
    }

    private struct Adapters: @unchecked Sendable {
        let classicServer: SocketIOServer
        let classic: RedisAdapter
        let shardedServer: SocketIOServer
        let sharded: ShardedRedisAdapter
    }

    private static let adapters: Adapters = {
        let broker = InMemoryPubSubBroker()
        func server(_ mode: RedisAdapterConfiguration.Mode) -> SocketIOServer {
            var configuration = SocketIOServerConfiguration()
            configuration.adapterFactory = RedisAdapterFactory.make(
                driver: broker.makeDriver(), configuration: RedisAdapterConfiguration(requestTimeout: .milliseconds(20), mode: mode)
            )
            return SocketIOServer(configuration: configuration)
        }
        let classicServer = server(.classic)
        let shardedServer = server(.sharded(.dynamic))
        guard let classic = classicServer.sockets.adapter as? RedisAdapter,
            let sharded = shardedServer.sockets.adapter as? ShardedRedisAdapter
        else { fatalError("the adapter factory made another adapter") }
        return Adapters(classicServer: classicServer, classic: classic, shardedServer: shardedServer, sharded: sharded)
    }()

    static func run(_ input: UnsafeRawBufferPointer) {
        guard let selector = input.first else { return }
        let payload = ByteBuffer(bytes: input.dropFirst())
        let adapters = Self.adapters
        let channel = Channel.allCases[Int(selector) % Channel.allCases.count]
        let name: String
        switch channel {
        case .classicBroadcast: name = adapters.classic.channel
        case .classicRoom: name = adapters.classic.channel + "r#"
        case .classicRequest: name = adapters.classic.requestChannel
        case .classicResponse: name = adapters.classic.responseChannel
        case .classicOwnResponse: name = adapters.classic.specificResponseChannel
        case .shardedMain: name = adapters.sharded.channel
        case .shardedResponse: name = adapters.sharded.responseChannel
        case .shardedRoom: name = adapters.sharded.channel + "r#"
        }
        let message = RedisPubSubMessage(kind: .channel, subscription: name, channel: name, payload: payload)
        switch channel {
        case .classicBroadcast, .classicRoom: adapters.classic.onBroadcastMessage(message)
        case .classicRequest, .classicResponse, .classicOwnResponse: adapters.classic.onRequestOrResponse(message)
        case .shardedMain, .shardedResponse, .shardedRoom: adapters.sharded.onRawMessage(message)
        }
        // The answers to fetchSockets: each entry becomes a remote socket, or is left out.
        if let decoded = RedisWireCodec.decode(payload) {
            for answer in Self.socketAnswers(in: decoded) {
                _ = SocketIORemoteSocket(wire: answer, namespace: nil)
            }
        }
    }

    /// The entries of a `sockets` array, at the top of a response or inside an envelope's `data`.
    private static func socketAnswers(in value: SocketIOValue) -> [SocketIOValue] {
        for candidate in [value["sockets"], value["data"]?["sockets"]] {
            if case .array(let entries)? = candidate { return Array(entries.prefix(64)) }
        }
        return []
    }
}
