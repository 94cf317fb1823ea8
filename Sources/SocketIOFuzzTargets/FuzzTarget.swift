/// The decoders that read bytes from outside the process, each as one libFuzzer entry point.
///
/// Every target takes arbitrary bytes and must return normally: a trap, a sanitizer report, a broken
/// invariant (the target checks its own round trips) or an allocation past libFuzzer's limit is a
/// finding. `socketio-fuzz` runs one of them under libFuzzer (`make fuzz`); the test suite replays the
/// committed corpora (`Fuzz/Corpus/<name>/`) through the same ``run(_:)``.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// One Engine.IO text packet (a WebSocket text frame, one record of a polling body).
    case engineIOPacket = "engineio-packet"
    /// A polling body: records split on `\x1e`, `b`-prefixed base64 records.
    case engineIOPayload = "engineio-payload"
    /// The WebSocket frame parser, fed the same bytes whole and in input-chosen splits.
    case webSocketFrames = "websocket-frames"
    /// permessage-deflate: the extension negotiation, bounded inflation, compression round trips.
    case perMessageDeflate = "permessage-deflate"
    /// The request target and query, the request checks and the session id's routing tag.
    case httpRequest = "http-request"
    /// Socket.IO packets with binary attachments, through the stateful decoder and back out.
    case socketIOPacket = "socketio-packet"
    /// Socket.IO packets of the msgpack parser (one MessagePack map per binary message) and back out.
    case socketIOMsgPackPacket = "socketio-msgpack-packet"
    /// The JSON parser (depth limit, numbers, strings) and its serializer round trip.
    case json
    /// The Codable bridge: JSON values decoded into typed structs and encoded back.
    case codable
    /// The MessagePack decoder and its encoder round trip.
    case messagePack = "msgpack"
    /// Messages on every channel of the classic and the sharded Redis adapter.
    case redisWire = "redis-wire"
    /// The RESP reply reader (hiredis), fed in input-chosen splits.
    case respReply = "resp-reply"
    /// What the streams adapter reads from Redis: stream replies and entries, ids, data, sessions.
    case redisStream = "redis-stream"

    /// Runs the target on one input.
    public func run(_ bytes: UnsafeRawBufferPointer) {
        switch self {
        case .engineIOPacket: EngineIOFuzzing.packet(bytes)
        case .engineIOPayload: EngineIOFuzzing.payload(bytes)
        case .webSocketFrames: WebSocketFrameFuzzing.run(bytes)
        case .perMessageDeflate: PerMessageDeflateFuzzing.run(bytes)
        case .httpRequest: HTTPRequestFuzzing.run(bytes)
        case .socketIOPacket: SocketIOPacketFuzzing.run(bytes)
        case .socketIOMsgPackPacket: SocketIOMsgPackPacketFuzzing.run(bytes)
        case .json: JSONFuzzing.run(bytes)
        case .codable: CodableFuzzing.run(bytes)
        case .messagePack: MessagePackFuzzing.run(bytes)
        case .redisWire: RedisWireFuzzing.run(bytes)
        case .respReply: RESPReplyFuzzing.run(bytes)
        case .redisStream: RedisStreamFuzzing.run(bytes)
        }
    }

    /// Runs the target on one input held in an array.
    public func run(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { self.run($0) }
    }
}

/// A broken invariant inside a fuzz target: a finding, reported the way libFuzzer sees crashes.
func fuzzFinding(_ message: String, file: StaticString = #fileID, line: UInt = #line) -> Never {
    fatalError("fuzz finding: \(message)", file: file, line: line)
}
