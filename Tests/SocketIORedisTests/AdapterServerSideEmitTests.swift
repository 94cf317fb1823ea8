import NIOConcurrencyHelpers
import NIOCore
import SocketIO
import SocketIOProtocol
import SocketIOTestSupport
import Testing

@testable import SocketIORedis

/// `serverSideEmit` and `serverSideEmitWithAck` between the nodes' `onServerSideEmit` handlers.
@Suite(.serialized)
struct AdapterServerSideEmitTests {
    /// What each node's handlers received, and a configuration that records it and answers
    /// `ask` with `"answer-<node>"`.
    final class Recorder: Sendable {
        let received = NIOLockedValueBox<[Int: [[SocketIOValue]]]>([:])

        var configure: @Sendable (SocketIOServer, Int) -> Void {
            { io, index in
                io.sockets.onServerSideEmit { packet, reply in
                    self.received.withLockedValue { $0[index, default: []].append(packet) }
                    if packet.first == "ask" { reply?([.string("answer-\(index)")]) }
                }
            }
        }

        func packets(of node: Int) -> [[SocketIOValue]] { self.received.withLockedValue { $0[node] ?? [] } }
    }

    @Test(arguments: AdapterMode.allCases)
    func serverSideEmitReachesTheOtherNodesButNotTheSender(mode: AdapterMode) async throws {
        let recorder = Recorder()
        try await withCluster(mode, configure: recorder.configure) { cluster in
            cluster.nodes[0].io.sockets.serverSideEmit("hello", 1, ["nested": true])
            try await TestWait.until("nodes 1 and 2 handle the event") {
                recorder.packets(of: 1).count == 1 && recorder.packets(of: 2).count == 1
            }
            #expect(recorder.packets(of: 1) == [["hello", 1, ["nested": true]]])
            #expect(recorder.packets(of: 2) == [["hello", 1, ["nested": true]]])
            try await TestWait.never(for: .milliseconds(200)) {
                recorder.packets(of: 0).isEmpty ? nil : "the sender handled its own event: \(recorder.packets(of: 0))"
            }
            #expect(recorder.packets(of: 1).count == 1, "delivered once")
        }
    }

    @Test(arguments: AdapterMode.allCases)
    func serverSideEmitCarriesBinary(mode: AdapterMode) async throws {
        let recorder = Recorder()
        try await withCluster(mode, configure: recorder.configure) { cluster in
            let blob = SocketIOValue.binary(ByteBuffer(bytes: [1, 2, 3]))
            cluster.nodes[2].io.sockets.serverSideEmit("bin", blob)
            try await TestWait.until("nodes 0 and 1 handle the event") {
                recorder.packets(of: 0).count == 1 && recorder.packets(of: 1).count == 1
            }
            #expect(recorder.packets(of: 0) == [["bin", blob]])
        }
    }

    @Test(arguments: AdapterMode.allCases)
    func serverSideEmitWithAckCollectsOneAnswerPerOtherNode(mode: AdapterMode) async throws {
        let recorder = Recorder()
        try await withCluster(mode, configure: recorder.configure) { cluster in
            let start = ContinuousClock.now
            let answers = try await cluster.nodes[1].io.sockets.serverSideEmitWithAck("ask", "q", timeout: .seconds(5))
            #expect(answers.compactMap(\.stringValue).sorted() == ["answer-0", "answer-2"])
            #expect(ContinuousClock.now - start < .seconds(3), "completes when both answered, not at the timeout")
            #expect(recorder.packets(of: 1).isEmpty)
        }
    }

    @Test(arguments: AdapterMode.allCases)
    func serverSideEmitWithAckOnASingleNodeReturnsNothing(mode: AdapterMode) async throws {
        let recorder = Recorder()
        try await withCluster(mode, nodes: 1, configure: recorder.configure) { cluster in
            let answers = try await cluster.nodes[0].io.sockets.serverSideEmitWithAck("ask", timeout: .seconds(5))
            #expect(answers.isEmpty)
        }
    }
}
