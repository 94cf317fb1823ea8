import NIOCore
import NIOPosix

/// Reads `INFO commandstats` from a Redis server, to count the PUBLISH / SPUBLISH calls a cluster made
/// per broadcast. A one-shot RESP2 exchange over NIO; no Redis client library involved.
enum RedisCommandStats {
    /// PUBLISH + SPUBLISH calls served so far by the Redis at `host:port`.
    static func publishCalls(host: String, port: Int, on loop: any EventLoop) async throws -> Int {
        let info = try await Self.info(host: host, port: port, on: loop)
        return Self.calls(of: ["publish", "spublish"], inCommandStats: info)
    }

    /// Sum of `calls=` of the named commands in the text of `INFO commandstats`.
    static func calls(of commands: [String], inCommandStats info: String) -> Int {
        var total = 0
        for line in info.split(whereSeparator: \.isNewline) {  // "\r\n" is one Character
            for command in commands where line.hasPrefix("cmdstat_\(command):") {
                guard let range = line.range(of: "calls=") else { continue }
                total += Int(line[range.upperBound...].prefix { $0.isNumber }) ?? 0
            }
        }
        return total
    }

    private static func info(host: String, port: Int, on loop: any EventLoop) async throws -> String {
        let promise = loop.makePromise(of: String.self)
        let channel = try await ClientBootstrap(group: loop)
            .connectTimeout(.seconds(3))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(BulkReplyHandler(promise: promise))
                }
            }
            .connect(host: host, port: port).get()
        let timeout = loop.scheduleTask(in: .seconds(3)) {
            promise.fail(BenchError.scenario("Redis at \(host):\(port) did not answer INFO within 3 s"))
        }
        defer { timeout.cancel() }
        channel.writeAndFlush(ByteBuffer(string: "*2\r\n$4\r\nINFO\r\n$12\r\ncommandstats\r\n"), promise: nil)
        defer { channel.close(promise: nil) }
        return try await promise.futureResult.get()
    }
}

/// Collects one RESP2 bulk string reply (`$<length>\r\n<bytes>\r\n`) or error (`-...\r\n`).
private final class BulkReplyHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let promise: EventLoopPromise<String>
    private var received = ByteBuffer()
    private var done = false

    init(promise: EventLoopPromise<String>) {
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = self.unwrapInboundIn(data)
        self.received.writeBuffer(&bytes)
        guard !self.done, let text = self.received.getString(at: self.received.readerIndex, length: self.received.readableBytes),
            let lineEnd = text.range(of: "\r\n")
        else { return }
        let header = text[..<lineEnd.lowerBound]
        if header.hasPrefix("-") {
            self.finish(.failure(BenchError.scenario("Redis: \(header.dropFirst())")))
        } else if header.hasPrefix("$"), let length = Int(header.dropFirst()) {
            let body = text.utf8[lineEnd.upperBound...]
            if body.count >= length { self.finish(.success(String(decoding: body.prefix(length), as: UTF8.self))) }
        } else {
            self.finish(.failure(BenchError.scenario("unexpected Redis reply: \(header.prefix(80))")))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.finish(.failure(BenchError.scenario("Redis closed the connection")))
    }

    private func finish(_ result: Result<String, any Error>) {
        guard !self.done else { return }
        self.done = true
        self.promise.completeWith(result)
    }
}
