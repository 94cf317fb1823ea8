import Foundation
import NIOConcurrencyHelpers
import NIOCore
import SocketIO
import SocketIOProtocol
import SocketIOTestSupport
import Testing

/// The typed (Codable) and asynchronous socket API, driven by a real client over WebSocket against an
/// in-process server on the in-memory adapter.
@Suite(.serialized)
struct TypedAPITests {
    struct Attachment: Codable, Equatable, Sendable {
        var name: String
        var bytes: Data
    }

    struct ChatMessage: Codable, Equatable, Sendable {
        var room: String
        var text: String
        var tags: [String]
        var attachment: Attachment?
    }

    struct Receipt: Codable, Equatable, Sendable {
        var accepted: Bool
        var length: Int
    }

    /// A server on an ephemeral port with `setUp` run for every socket, and one connected client.
    private func withServer(
        _ setUp: @escaping @Sendable (SocketIOSocket) -> Void,
        _ body: (SocketIOServer, SocketIOSocket, TestSocketIOClient) async throws -> Void
    ) async throws {
        let io = SocketIOServer()
        io.onConnection { socket in setUp(socket) }
        let listener = try await io.listen(host: "127.0.0.1", port: 0)
        let port = try #require(listener.localAddress?.port)
        let client = try await TestSocketIOClient.connect(port: port, label: "typed")
        let deadline = ContinuousClock.now + .seconds(5)
        while io.sockets.localSockets.isEmpty, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        let socket = try #require(io.sockets.localSockets.first)
        try await body(io, socket, client)
        await client.closeAndWait()
        io.close()
        try await listener.close()
    }

    @Test func aTypedListenerDecodesNestedValuesWithBinaryAndAcksTyped() async throws {
        let received = NIOLockedValueBox<[ChatMessage]>([])
        try await self.withServer({ socket in
            socket.on("chat", ChatMessage.self) { message, ack in
                received.withLockedValue { $0.append(message) }
                ack?(Receipt(accepted: true, length: message.text.count))
            }
        }) { _, _, client in
            let wire: SocketIOValue = [
                "room": "r1", "text": "hello", "tags": ["a", "b"],
                "attachment": ["name": "blob", "bytes": .binary(ByteBuffer(bytes: [0, 1, 2, 255]))],
            ]
            let reply = try await client.emitWithAck("chat", wire)
            #expect(reply == [["accepted": true, "length": 5]])
            let expected = ChatMessage(room: "r1", text: "hello", tags: ["a", "b"], attachment: Attachment(name: "blob", bytes: Data([0, 1, 2, 255])))
            #expect(received.withLockedValue { $0 } == [expected])
        }
    }

    @Test func aPayloadThatDoesNotDecodeReachesTheErrorListenersWithTheEventName() async throws {
        let errors = NIOLockedValueBox<[String]>([])
        let ran = NIOLockedValueBox(false)
        try await self.withServer({ socket in
            socket.on("chat", ChatMessage.self) { _, _ in ran.withLockedValue { $0 = true } }
            socket.onError { error in
                if let error = error as? SocketIODecodingError { errors.withLockedValue { $0.append(error.event) } }
            }
            socket.on("probe") { event in event.ack?(true) }
        }) { _, _, client in
            client.emit("chat", ["room": 5])
            _ = try await client.emitWithAck("probe")
            #expect(errors.withLockedValue { $0 } == ["chat"])
            #expect(ran.withLockedValue { $0 } == false)
        }
    }

    @Test func typedEmitsEncodeSeveralArgumentsAndTypedAcksDecode() async throws {
        try await self.withServer({ _ in }) { io, socket, client in
            client.respond(to: "question") { arguments in [["accepted": .bool(arguments.count == 2), "length": 42]] }
            let receipt = try await socket.emitWithAck(
                "question", ChatMessage(room: "q", text: "?", tags: [], attachment: nil), 7, as: Receipt.self, timeout: .seconds(5)
            )
            #expect(receipt == Receipt(accepted: true, length: 42))

            io.to(socket.id).emit("news", Attachment(name: "n", bytes: Data([9, 8])), "second")
            let news = try await client.waitForEvent("news")
            #expect(news.arguments == [["name": "n", "bytes": .binary(ByteBuffer(bytes: [9, 8]))], "second"])

            let answers = try await io.timeout(.seconds(5)).emitWithAck("question", "x", "y", as: Receipt.self)
            #expect(answers == [Receipt(accepted: true, length: 42)])
        }
    }

    @Test func asynchronousListenersRunInArrivalOrderEvenWhenTheyAwait() async throws {
        let order = NIOLockedValueBox<[Int]>([])
        try await self.withServer({ socket in
            socket.on("step", Int.self) { (step: Int, ack: SocketIOAck?) async throws in
                // Earlier steps sleep longer: without ordering, later ones would finish first.
                try await Task.sleep(for: .milliseconds(5 * (6 - step)))
                order.withLockedValue { $0.append(step) }
                ack?(step)
            }
        }) { _, _, client in
            for step in 1...5 { client.emit("step", .int(step)) }
            let last = try await client.emitWithAck("step", 6)
            #expect(last == [6])
            #expect(order.withLockedValue { $0 } == [1, 2, 3, 4, 5, 6])
        }
    }

    @Test func anAsynchronousMiddlewareGatesEveryListener() async throws {
        let heard = NIOLockedValueBox<[String]>([])
        let refusals = NIOLockedValueBox<[String]>([])
        try await self.withServer({ socket in
            socket.use { (event: SocketIOEvent) async throws in
                try await Task.sleep(for: .milliseconds(2))
                if event.name == "blocked" { throw SocketIOConnectError("no") }
            }
            socket.on("blocked") { _ in heard.withLockedValue { $0.append("blocked") } }
            socket.on("open") { event in
                heard.withLockedValue { $0.append("open") }
                event.ack?(true)
            }
            socket.onError { error in refusals.withLockedValue { $0.append("\(error)") } }
        }) { _, _, client in
            client.emit("blocked")
            let answer = try await client.emitWithAck("open")
            #expect(answer == [true])
            #expect(heard.withLockedValue { $0 } == ["open"])
            #expect(refusals.withLockedValue { $0.count } == 1)
        }
    }

    @Test func eventsCanBeReadAsAnAsyncSequence() async throws {
        try await self.withServer({ _ in }) { _, socket, client in
            let stream = socket.events()
            try await socket.eventLoop.submit {}.get()
            client.emit("a", 1)
            client.emit("b", 2)
            var names: [String] = []
            for await event in stream {
                names.append(event.name)
                if names.count == 2 { break }
            }
            #expect(names == ["a", "b"])
        }
    }

    @Test func handlersRegisteredFromAConnectionMiddlewareTaskDoNotTrap() async throws {
        let io = SocketIOServer()
        io.use { socket in
            try await Task.sleep(for: .milliseconds(1))
            socket.on("from-middleware") { event in event.ack?("registered") }
            socket.on("typed", Int.self) { value, ack in ack?(value + 1) }
        }
        let listener = try await io.listen(host: "127.0.0.1", port: 0)
        let port = try #require(listener.localAddress?.port)
        let client = try await TestSocketIOClient.connect(port: port, label: "middleware")
        #expect(try await client.emitWithAck("from-middleware") == ["registered"])
        #expect(try await client.emitWithAck("typed", 41) == [42])
        await client.closeAndWait()
        io.close()
        try await listener.close()
    }
}
