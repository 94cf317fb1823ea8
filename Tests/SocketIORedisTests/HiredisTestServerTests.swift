import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import XCTest

@testable import SocketIORedis

#if canImport(Glibc)
import Glibc
private let streamSocketType = Int32(SOCK_STREAM.rawValue)
#elseif canImport(Darwin)
import Darwin
private let streamSocketType = SOCK_STREAM
#endif

/// The C `kill`, which the server's `kill()` method shadows inside the class.
private func sendSignal(_ signal: Int32, to pid: pid_t) {
    _ = kill(pid, signal)
}

/// The C `close`, which `BlockingRESPSocket.close()` shadows inside the struct.
private func closeDescriptor(_ fd: Int32) {
    _ = close(fd)
}

/// A real `redis-server` child process on 127.0.0.1 and a free port, for end-to-end tests; plus a tiny
/// blocking RESP client (test threads may block, event loops never do) to poke it from the side.
///
/// Without the binary the tests are skipped, unless `CI=true`, where they fail.
final class RedisTestServer: @unchecked Sendable {
    // @unchecked: `process` is only touched by the test's own (sequential) code.

    /// The port it listens on (kept across restarts).
    let port: Int
    /// The password given with `--requirepass`, if any.
    let password: String?
    private let binary: String
    private let extraArguments: [String]
    private let logFile: String
    private var process: Process?

    /// Picks a free port and, when `startNow`, starts a server there and waits until it answers PING.
    init(password: String? = nil, extraArguments: [String] = [], startNow: Bool = true) throws {
        self.binary = try Self.binaryPath()
        self.port = try Self.freePort()
        self.password = password
        self.extraArguments = extraArguments + (password.map { ["--requirepass", $0] } ?? [])
        self.logFile = NSTemporaryDirectory() + "redis-test-\(self.port)-\(UUID().uuidString).log"
        if startNow {
            try self.start()
        }
    }

    deinit {
        self.kill()
        try? FileManager.default.removeItem(atPath: self.logFile)
    }

    /// `redis://127.0.0.1:<port>` plus credentials and database as given.
    func url(userInfo: String? = nil, database: Int? = nil) throws -> RedisURL {
        var text = "redis://"
        if let userInfo { text += "\(userInfo)@" }
        text += "127.0.0.1:\(self.port)"
        if let database { text += "/\(database)" }
        return try RedisURL(text)
    }

    /// Starts the process (again, after ``kill()``) and waits until it answers.
    func start() throws {
        precondition(self.process == nil, "already running")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: self.binary)
        process.arguments = [
            "--port", String(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--daemonize", "no", "--loglevel", "warning", "--logfile", self.logFile,
        ] + self.extraArguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if !process.isRunning {
                throw TestServerError("redis-server exited with status \(process.terminationStatus): \(self.logTail())")
            }
            if (try? self.command("PING")) == .simpleString("PONG") {
                return
            }
            usleep(20_000)
        }
        self.kill()
        throw TestServerError("redis-server did not answer PING within 10 s: \(self.logTail())")
    }

    /// SIGKILL (a crash, no goodbye to clients), then reaps the process.
    func kill() {
        guard let process = self.process else { return }
        self.process = nil
        if process.isRunning {
            sendSignal(SIGKILL, to: process.processIdentifier)
        }
        process.waitUntilExit()
    }

    /// SIGSTOP: the server keeps its sockets but answers nothing (a hung Redis).
    func pause() {
        if let process = self.process { sendSignal(SIGSTOP, to: process.processIdentifier) }
    }

    /// SIGCONT after ``pause()``.
    func resume() {
        if let process = self.process { sendSignal(SIGCONT, to: process.processIdentifier) }
    }

    /// Sends one command on a fresh connection (after AUTH when a password is set) and returns the reply.
    @discardableResult
    func command(_ arguments: String...) throws -> RESPValue {
        let socket = try BlockingRESPSocket(port: self.port)
        defer { socket.close() }
        if let password {
            _ = try socket.roundTrip(["AUTH", password])
        }
        return try socket.roundTrip(arguments)
    }

    /// The number of clients connected now (including the one asking).
    func connectedClients() throws -> Int {
        guard case .bulkString(.some(let info)) = try self.command("INFO", "clients") else {
            throw TestServerError("INFO clients gave no bulk string")
        }
        for line in String(buffer: info).split(whereSeparator: \.isNewline) where line.hasPrefix("connected_clients:") {
            if let count = Int(line.dropFirst("connected_clients:".count)) { return count }
        }
        throw TestServerError("no connected_clients in INFO")
    }

    private func logTail() -> String {
        let text = (try? String(contentsOfFile: self.logFile, encoding: .utf8)) ?? "(no log)"
        return String(text.suffix(800))
    }

    // MARK: Environment

    /// The redis-server binary: `$REDIS_SERVER` when set (only it), else the first on `$PATH` or in the
    /// usual places. Throws `XCTSkip` when there is none, or fails the test when `CI=true`.
    static func binaryPath() throws -> String {
        let environment = ProcessInfo.processInfo.environment
        var candidates: [String] = []
        if let explicit = environment["REDIS_SERVER"] {
            candidates.append(explicit)
        } else {
            candidates += (environment["PATH"] ?? "").split(separator: ":").map { "\($0)/redis-server" }
            candidates += ["/usr/bin/redis-server", "/usr/local/bin/redis-server", "/opt/homebrew/bin/redis-server"]
        }
        if let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) {
            return found
        }
        let reason = "redis-server not found (looked at \(candidates.joined(separator: ", "))); install it with `apt-get install -y redis-server`"
        if environment["CI"] == "true" {
            XCTFail("\(reason); CI=true requires it")
            throw TestServerError(reason)
        }
        throw XCTSkip(reason)
    }

    /// The server's version as (major, minor), from `redis-server --version`.
    static func version() throws -> (major: Int, minor: Int) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try self.binaryPath())
        process.arguments = ["--version"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        // "Redis server v=7.0.15 sha=…"
        guard let range = output.range(of: "v=") else { throw TestServerError("no version in '\(output)'") }
        let parts = output[range.upperBound...].prefix(while: { $0 != " " }).split(separator: ".").compactMap { Int($0) }
        guard parts.count >= 2 else { throw TestServerError("bad version in '\(output)'") }
        return (parts[0], parts[1])
    }

    /// Skips (never fails) tests of sharded pub/sub on a Redis older than 7.
    static func requireShardedPubSub() throws {
        let version = try self.version()
        if version.major < 7 {
            throw XCTSkip("SPUBLISH/SSUBSCRIBE need Redis ≥ 7; this redis-server is \(version.major).\(version.minor)")
        }
    }

    /// A port nobody listens on right now (bound to 0, read back, released).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, streamSocketType, 0)
        guard fd >= 0 else { throw TestServerError("socket() failed") }
        defer { closeDescriptor(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress -> Int32 in
                guard bind(fd, socketAddress, length) == 0 else { return -1 }
                return getsockname(fd, socketAddress, &length)
            }
        }
        guard bound == 0 else { throw TestServerError("bind() failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// A failure of the test environment (not of the code under test).
struct TestServerError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// One blocking TCP connection with a 2 s receive timeout, speaking RESP through the code under test's
/// own formatter and reader.
struct BlockingRESPSocket {
    private let fd: Int32

    init(port: Int) throws {
        let fd = socket(AF_INET, streamSocketType, 0)
        guard fd >= 0 else { throw TestServerError("socket() failed") }
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            closeDescriptor(fd)
            throw TestServerError("connect() to port \(port) failed: errno \(errno)")
        }
        self.fd = fd
    }

    func close() {
        closeDescriptor(self.fd)
    }

    func roundTrip(_ arguments: [String]) throws -> RESPValue {
        var request = ByteBuffer()
        HiredisCommandFormatter.format(RedisCommand(arguments: arguments.map(RedisCommandArgument.string)), into: &request)
        let sent = request.withUnsafeReadableBytes { send(self.fd, $0.baseAddress, $0.count, 0) }
        guard sent == request.readableBytes else { throw TestServerError("send() failed") }
        let reader = HiredisReplyReader()
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            if let reply = try reader.next(allocator: ByteBufferAllocator()) {
                return reply
            }
            let received = chunk.withUnsafeMutableBytes { recv(self.fd, $0.baseAddress, $0.count, 0) }
            guard received > 0 else { throw TestServerError("recv() failed or timed out (\(received))") }
            try reader.feed(ByteBuffer(bytes: chunk[0..<received]))
        }
    }
}

// MARK: Helpers shared by the end-to-end tests

/// Polls `condition` every 10 ms until it holds or `timeout` passes (then fails the test and throws).
func waitUntil(
    _ description: String,
    timeout: Duration = .seconds(5),
    file: StaticString = #filePath,
    line: UInt = #line,
    _ condition: () throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while try !condition() {
        guard ContinuousClock.now < deadline else {
            XCTFail("timed out after \(timeout) waiting for \(description)", file: file, line: line)
            throw TestServerError("timed out waiting for \(description)")
        }
        try await Task.sleep(for: .milliseconds(10))
    }
}

/// Collects the messages of one or more subscriptions, from any thread.
final class MessageInbox: Sendable {
    private let box = NIOLockedValueBox<[RedisPubSubMessage]>([])

    /// The handler to subscribe with.
    var handler: RedisMessageHandler {
        { message in self.box.withLockedValue { $0.append(message) } }
    }

    /// The messages so far.
    var messages: [RedisPubSubMessage] {
        self.box.withLockedValue { $0 }
    }

    /// The payloads so far, as byte arrays.
    var payloads: [[UInt8]] {
        self.messages.map { Array($0.payload.readableBytesView) }
    }
}

/// Records every state a driver reports.
final class StateRecorder: Sendable {
    private let box = NIOLockedValueBox<[RedisConnectionState]>([])

    /// The observer to install.
    var observer: @Sendable (RedisConnectionState) -> Void {
        { state in self.box.withLockedValue { $0.append(state) } }
    }

    /// The states seen, in order.
    var states: [RedisConnectionState] {
        self.box.withLockedValue { $0 }
    }
}

/// A logger for drivers in tests: silent unless `REDIS_TEST_LOG_LEVEL` says otherwise.
func testLogger(_ label: String) -> Logger {
    var logger = Logger(label: label)
    logger.logLevel = ProcessInfo.processInfo.environment["REDIS_TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
    return logger
}

// MARK: Tests of the fixture itself

final class HiredisTestServerTests: XCTestCase {
    func testServerAnswersAndDiesWithKill() throws {
        let server = try RedisTestServer()
        XCTAssertEqual(try server.command("PING"), .simpleString("PONG"))
        XCTAssertEqual(try server.command("ECHO", "a\r\nb"), .bulkString(ByteBuffer(string: "a\r\nb")))
        server.kill()
        XCTAssertThrowsError(try BlockingRESPSocket(port: server.port), "nothing listens after kill")
    }

    func testServerWithPasswordRefusesCommandsWithoutAuth() throws {
        let server = try RedisTestServer(password: "s3cret")
        let socket = try BlockingRESPSocket(port: server.port)
        defer { socket.close() }
        guard case .error(let message) = try socket.roundTrip(["PING"]) else {
            return XCTFail("PING without AUTH should fail")
        }
        XCTAssertTrue(message.hasPrefix("NOAUTH"), message)
    }
}
