import NIOCore
import SocketIO
import SocketIOProtocol
import SocketIOTestSupport
import Testing

@testable import SocketIORedis

/// Broadcasts with acknowledgements (`io.timeout(…).emitWithAck`): every node reports its client count
/// (BROADCAST_CLIENT_COUNT, even 0) and forwards each client's answer, and the emitter is done when
/// all counted clients answered — well before the timeout.
@Suite(.serialized)
struct AdapterAckTests {
    /// Every client answers `ask` with its own name.
    static func answerWithName(_ clients: [TestSocketIOClient]) {
        for client in clients {
            let name = client.label
            client.respond(to: "ask") { _ in [.string(name)] }
        }
    }

    @Test(arguments: AdapterMode.allCases)
    func collectsTheAcksOfClientsOnEveryNode(mode: AdapterMode) async throws {
        try await withCluster(mode) { cluster in
            let clients = try await cluster.connectGrid(perNode: 2).flatMap { $0 }
            Self.answerWithName(clients)
            let start = ContinuousClock.now
            let answers = try await cluster.nodes[0].io.timeout(.seconds(5)).emitWithAck("ask", "q")
            #expect(answers.compactMap(\.stringValue).sorted() == clients.map(\.label).sorted())
            #expect(ContinuousClock.now - start < .seconds(3))
            for client in clients {
                let event = try #require(client.receivedEvents("ask").first)
                #expect(event.arguments == ["q"])
                #expect(event.ackID != nil)
            }
        }
    }

    /// The emitting node and one other node have no matching client: their zero counts still have to
    /// be reported and counted, and the emitter must wait for the remote answers.
    @Test(arguments: AdapterMode.allCases)
    func completesWhenSomeNodesHaveNoMatchingClient(mode: AdapterMode) async throws {
        try await withCluster(mode) { cluster in
            let onNode1 = [try await cluster.connect(to: 1, name: "n1a"), try await cluster.connect(to: 1, name: "n1b")]
            Self.answerWithName(onNode1)
            let start = ContinuousClock.now
            let answers = try await cluster.nodes[0].io.timeout(.seconds(4)).emitWithAck("ask")
            #expect(answers.compactMap(\.stringValue).sorted() == ["n1a", "n1b"])
            #expect(ContinuousClock.now - start < .seconds(3), "done when the counted clients answered, not at the timeout")
        }
    }

    @Test(arguments: AdapterMode.allCases)
    func roomWithAckOnlyCountsMembers(mode: AdapterMode) async throws {
        try await withCluster(mode) { cluster in
            let clients = try await cluster.connectGrid(perNode: 2).flatMap { $0 }
            Self.answerWithName(clients)
            let members = [clients[1], clients[4]]
            for member in members { try await cluster.join(member, "quiz") }
            let answers = try await cluster.nodes[1].io.to("quiz").timeout(.seconds(4)).emitWithAck("ask")
            #expect(answers.compactMap(\.stringValue).sorted() == members.map(\.label).sorted())
            try await cluster.barrier()
            for client in clients where !members.contains(where: { $0 === client }) {
                #expect(client.receivedEvents("ask").isEmpty, "\(client.label) is not in 'quiz'")
            }
        }
    }

    @Test(arguments: AdapterMode.allCases)
    func noMatchingClientAnywhereCompletesEmpty(mode: AdapterMode) async throws {
        try await withCluster(mode) { cluster in
            _ = try await cluster.connectGrid(perNode: 1)
            let start = ContinuousClock.now
            let answers = try await cluster.nodes[2].io.to("nobody-here").timeout(.seconds(4)).emitWithAck("ask")
            #expect(answers.isEmpty)
            #expect(ContinuousClock.now - start < .seconds(3))
        }
    }

    /// Binary acknowledgement arguments travel back through the broker.
    @Test(arguments: AdapterMode.allCases)
    func binaryAckAnswersComeBack(mode: AdapterMode) async throws {
        try await withCluster(mode) { cluster in
            let remote = try await cluster.connect(to: 2, name: "n2a")
            let blob = SocketIOValue.binary(ByteBuffer(bytes: [7, 7, 7]))
            remote.respond(to: "ask") { _ in [blob] }
            let answers = try await cluster.nodes[0].io.timeout(.seconds(4)).emitWithAck("ask")
            #expect(answers == [blob])
        }
    }
}
