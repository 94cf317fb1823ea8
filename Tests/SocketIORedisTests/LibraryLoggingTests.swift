import Logging
import NIOConcurrencyHelpers
import NIOCore
import SocketIO
import SocketIOProtocol
import SocketIOTestSupport
import Testing

/// The libraries log through the `Logger` of their configuration, with session and namespace metadata.
@Suite(.serialized)
struct LibraryLoggingTests {
    /// Keeps every record at or above `level`.
    final class Recorder: Sendable {
        struct Record: Sendable {
            var level: Logger.Level
            var message: String
            var metadata: [String: String]
        }

        let records = NIOLockedValueBox<[Record]>([])

        func logger(_ label: String) -> Logger {
            var logger = Logger(label: label) { _ in RecordingHandler(recorder: self) }
            logger.logLevel = .debug
            return logger
        }

        func first(_ message: String) -> Record? {
            self.records.withLockedValue { $0.first { $0.message == message } }
        }
    }

    struct RecordingHandler: LogHandler {
        let recorder: Recorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .debug

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { self.metadata[key] }
            set { self.metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = self.metadata.merging(event.metadata ?? [:]) { $1 }
            let record = Recorder.Record(level: event.level, message: "\(event.message)", metadata: merged.mapValues { "\($0)" })
            self.recorder.records.withLockedValue { $0.append(record) }
        }
    }

    @Test func middlewareRefusalsAndClosedSessionsAreLoggedWithTheirSessionAndNamespace() async throws {
        let recorder = Recorder()
        var configuration = SocketIOServerConfiguration()
        configuration.logger = recorder.logger("socketio")
        let io = SocketIOServer(configuration: configuration)
        io.of("/guarded").use { _ in throw SocketIOConnectError("not you") }
        let listener = try await io.listen(host: "127.0.0.1", port: 0)
        let port = try #require(listener.localAddress?.port)

        await #expect(throws: (any Error).self) {
            _ = try await TestSocketIOClient.connect(port: port, namespace: "/guarded", label: "refused")
        }
        let refusal = try #require(recorder.first("connection middleware refused a socket"))
        #expect(refusal.level == .debug)
        #expect(refusal.metadata["socketio.nsp"] == "/guarded")
        #expect(refusal.metadata["socketio.refusal"] == "not you")
        #expect(refusal.metadata["engineio.sid"]?.isEmpty == false)

        // The engine logs through the same logger: a session that ends is logged with its reason.
        let client = try await TestSocketIOClient.connect(port: port, label: "leaver")
        await client.closeAndWait()
        let deadline = ContinuousClock.now + .seconds(5)
        while recorder.records.withLockedValue({ r in !r.contains { $0.message == "session closed" && $0.metadata["engineio.reason"] == "transport close" } }),
            ContinuousClock.now < deadline
        {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(recorder.records.withLockedValue { r in r.contains { $0.message == "session closed" && $0.metadata["engineio.reason"] == "transport close" } })
        io.close()
        try await listener.close()
    }
}
