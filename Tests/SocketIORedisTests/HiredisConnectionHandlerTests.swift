import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import XCTest

@testable import SocketIORedis

/// `RedisConnectionHandler` over a real loopback socket against a scripted server that answers with
/// whatever bytes the test writes (so replies can be split, interleaved with pushes, or broken).
final class HiredisConnectionHandlerTests: XCTestCase {
    private var group: MultiThreadedEventLoopGroup!
    private var server: ScriptedServer!

    override func setUp() async throws {
        self.group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        self.server = try await ScriptedServer.start(group: self.group)
    }

    override func tearDown() async throws {
        try await self.server.close()
        try await self.group.shutdownGracefully()
    }

    /// A client channel with the handler, plus what its callbacks saw.
    private func connect(role: RedisConnectionHandler.Role) async throws -> (Client, Recorder) {
        let recorder = Recorder()
        let handlerBox = NIOLockedValueBox<NIOLoopBound<RedisConnectionHandler>?>(nil)
        let channel = try await ClientBootstrap(group: self.group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = RedisConnectionHandler(role: role)
                    handler.onPush = { recorder.record(.push($0)) }
                    handler.onClose = { error in recorder.record(.closed(error.map { "\($0)" })) }
                    try channel.pipeline.syncOperations.addHandler(handler)
                    handlerBox.withLockedValue { $0 = NIOLoopBound(handler, eventLoop: channel.eventLoop) }
                }
            }
            .connect(host: "127.0.0.1", port: self.server.port).get()
        try await waitUntil("server accepted") { self.server.peer != nil }
        return (Client(channel: channel, handler: handlerBox.withLockedValue { $0! }), recorder)
    }

    /// The client side: its channel, and its handler (kept even after the pipeline dropped it).
    private struct Client {
        var channel: Channel
        var handler: NIOLoopBound<RedisConnectionHandler>

        func close() async throws { try await self.channel.close() }
    }

    private func send(_ command: RedisCommand, on client: Client, _ recorder: Recorder, label: String) async throws {
        let handler = client.handler
        try await client.channel.eventLoop.submit {
            handler.value.send(command) { result in recorder.record(.reply(label, result)) }
        }.get()
    }

    func testRepliesMatchCommandsInOrderAcrossSplitReads() async throws {
        let (client, recorder) = try await self.connect(role: .command)
        try await self.send(.ping, on: client, recorder, label: "ping")
        try await self.send(RedisCommand("ECHO", "x"), on: client, recorder, label: "echo")
        try await waitUntil("commands reached the server") {
            self.server.received == "*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$1\r\nx\r\n"
        }
        try await self.server.write("+PONG\r\n$1\r")
        try await self.server.write("\nx\r\n")
        try await waitUntil("two replies") { recorder.events.count == 2 }
        XCTAssertEqual(
            recorder.events,
            [.reply("ping", .success(.simpleString("PONG"))), .reply("echo", .success(.bulkString(ByteBuffer(string: "x"))))]
        )
        try await client.close()
    }

    func testPushesBypassTheReplyQueueOnASubscriberConnection() async throws {
        let (client, recorder) = try await self.connect(role: .subscriber)
        try await self.send(.subscribe("a", kind: .channel), on: client, recorder, label: "subscribe")
        try await waitUntil("SUBSCRIBE reached the server") { self.server.received.contains("SUBSCRIBE") }
        try await self.server.write(
            "*3\r\n$7\r\nmessage\r\n$1\r\na\r\n$2\r\nhi\r\n" + "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n"
                + "*3\r\n$8\r\nsmessage\r\n$1\r\ns\r\n$0\r\n\r\n" + "*3\r\n$12\r\nsunsubscribe\r\n$1\r\ns\r\n:0\r\n"
        )
        try await waitUntil("four events") { recorder.events.count == 4 }
        func bulk(_ text: String) -> RESPValue { .bulkString(ByteBuffer(string: text)) }
        XCTAssertEqual(
            recorder.events,
            [
                .push(.array([bulk("message"), bulk("a"), bulk("hi")])),
                .reply("subscribe", .success(.array([bulk("subscribe"), bulk("a"), .integer(1)]))),
                .push(.array([bulk("smessage"), bulk("s"), bulk("")])),
                // Nothing waits for a reply any more: an unsolicited reply is a push too.
                .push(.array([bulk("sunsubscribe"), bulk("s"), .integer(0)])),
            ]
        )
        try await client.close()
    }

    func testASlotMoveSunsubscribeIsAPushEvenWhileASubscribeWaits() async throws {
        let (client, recorder) = try await self.connect(role: .subscriber)
        try await self.send(.subscribe("b", kind: .sharded), on: client, recorder, label: "ssubscribe")
        try await self.send(.unsubscribe("c", kind: .sharded), on: client, recorder, label: "sunsubscribe")
        try await waitUntil("both reached the server") { self.server.received.contains("SUNSUBSCRIBE") }
        // Redis drops shard channel "s" (its slot moved) before answering the SSUBSCRIBE; then the
        // SUNSUBSCRIBE's own answer.
        try await self.server.write(
            "*3\r\n$12\r\nsunsubscribe\r\n$1\r\ns\r\n:0\r\n" + "*3\r\n$10\r\nssubscribe\r\n$1\r\nb\r\n:1\r\n"
                + "*3\r\n$12\r\nsunsubscribe\r\n$1\r\nc\r\n:1\r\n"
        )
        try await waitUntil("three events") { recorder.events.count == 3 }
        func bulk(_ text: String) -> RESPValue { .bulkString(ByteBuffer(string: text)) }
        XCTAssertEqual(
            recorder.events,
            [
                .push(.array([bulk("sunsubscribe"), bulk("s"), .integer(0)])),
                .reply("ssubscribe", .success(.array([bulk("ssubscribe"), bulk("b"), .integer(1)]))),
                .reply("sunsubscribe", .success(.array([bulk("sunsubscribe"), bulk("c"), .integer(1)]))),
            ]
        )
        try await client.close()
    }

    func testServerCloseFailsPendingRepliesAndLaterSends() async throws {
        let (client, recorder) = try await self.connect(role: .command)
        try await self.send(.ping, on: client, recorder, label: "ping")
        try await waitUntil("PING reached the server") { !self.server.received.isEmpty }
        try await self.server.closePeer()
        try await waitUntil("failure and close") { recorder.events.count == 2 }
        XCTAssertEqual(recorder.events, [.reply("ping", .failure(.notConnected)), .closed(nil)])
        try await self.send(.ping, on: client, recorder, label: "late")
        XCTAssertEqual(recorder.events.last, .reply("late", .failure(.notConnected)))
    }

    func testGarbageClosesTheConnectionWithAProtocolError() async throws {
        let (client, recorder) = try await self.connect(role: .command)
        try await self.send(.ping, on: client, recorder, label: "ping")
        try await self.server.write("?what\r\n")
        try await waitUntil("failure and close") { recorder.events.count == 2 }
        XCTAssertEqual(recorder.events[0], .reply("ping", .failure(.notConnected)))
        guard case .closed(.some(let reason)) = recorder.events[1] else { return XCTFail("\(recorder.events)") }
        XCTAssertTrue(reason.hasPrefix("Redis protocol error"), reason)
        try await client.channel.closeFuture.get()
    }

    func testUnsolicitedReplyOnACommandConnectionClosesIt() async throws {
        let (client, recorder) = try await self.connect(role: .command)
        try await self.server.write("+surprise\r\n")
        try await waitUntil("close") { recorder.events.count == 1 }
        guard case .closed(.some(let reason)) = recorder.events[0] else { return XCTFail("\(recorder.events)") }
        XCTAssertTrue(reason.contains("reply without a command"), reason)
        try await client.channel.closeFuture.get()
    }
}

/// What the handler's callbacks saw.
private enum Event: Hashable, Sendable {
    case reply(String, Result<RESPValue, RedisDriverError>)
    case push(RESPValue)
    case closed(String?)
}

/// Thread-safe list of events.
private final class Recorder: Sendable {
    private let box = NIOLockedValueBox<[Event]>([])
    func record(_ event: Event) { self.box.withLockedValue { $0.append(event) } }
    var events: [Event] { self.box.withLockedValue { $0 } }
}

/// A TCP server on 127.0.0.1 that records what its one client sends and writes what the test says.
private final class ScriptedServer: Sendable {
    private let listener: Channel
    private let state: NIOLockedValueBox<(peer: Channel?, received: String)>

    private init(listener: Channel, state: NIOLockedValueBox<(peer: Channel?, received: String)>) {
        self.listener = listener
        self.state = state
    }

    static func start(group: EventLoopGroup) async throws -> ScriptedServer {
        let state = NIOLockedValueBox<(peer: Channel?, received: String)>((nil, ""))
        let listener = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                state.withLockedValue { $0.peer = channel }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Recording(state: state))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return ScriptedServer(listener: listener, state: state)
    }

    var port: Int { self.listener.localAddress!.port! }
    var peer: Channel? { self.state.withLockedValue { $0.peer } }
    var received: String { self.state.withLockedValue { $0.received } }

    func write(_ text: String) async throws {
        try await self.peer!.writeAndFlush(ByteBuffer(string: text))
    }

    func closePeer() async throws {
        try await self.peer!.close()
    }

    func close() async throws {
        try? await self.peer?.close()
        try await self.listener.close()
    }

    private final class Recording: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let state: NIOLockedValueBox<(peer: Channel?, received: String)>
        init(state: NIOLockedValueBox<(peer: Channel?, received: String)>) { self.state = state }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let text = String(buffer: Self.unwrapInboundIn(data))
            self.state.withLockedValue { $0.received += text }
        }
    }
}
