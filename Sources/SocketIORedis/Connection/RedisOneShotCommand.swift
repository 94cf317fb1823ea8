import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// One short-lived command connection: connect, AUTH when the URL has a password, run a few commands
/// pipelined, close. The cluster driver asks for the topology this way and the Sentinel driver asks the
/// sentinels for the master. The connection is the driver's own ``RedisConnectionHandler``; the whole
/// exchange has one deadline, after which it fails with ``RedisDriverError/timeout`` and the connection
/// closes.
enum RedisOneShotCommand {
    /// Runs `commands` on a fresh connection to `url`, returning their replies in order (error replies
    /// included, as ``RESPValue/error(_:)``); the AUTH reply is checked and not returned.
    static func run(
        _ commands: [RedisCommand],
        at url: RedisURL,
        on eventLoop: any EventLoop,
        timeout: TimeAmount
    ) async throws -> [RESPValue] {
        let promise = eventLoop.makePromise(of: [RESPValue].self)
        eventLoop.execute {
            Self.start(commands, at: url, on: eventLoop, timeout: timeout, promise: promise)
        }
        return try await promise.futureResult.get()
    }

    private static func start(
        _ commands: [RedisCommand],
        at url: RedisURL,
        on eventLoop: any EventLoop,
        timeout: TimeAmount,
        promise: EventLoopPromise<[RESPValue]>
    ) {
        let handler = RedisConnectionHandler(role: .command)
        let boundHandler = NIOLoopBound(handler, eventLoop: eventLoop)
        var finished = false
        var channel: Channel?
        func finish(_ result: Result<[RESPValue], Error>) {
            guard !finished else { return }
            finished = true
            handler.onClose = nil
            promise.completeWith(result)
            channel?.close(promise: nil)
        }
        let timer = eventLoop.assumeIsolated().scheduleTask(in: timeout) {
            finish(.failure(RedisDriverError.timeout))
        }
        promise.futureResult.assumeIsolated().whenComplete { _ in timer.cancel() }
        handler.onClose = { error in
            finish(.failure(error ?? RedisDriverError.notConnected))
        }
        ClientBootstrap(group: eventLoop)
            .connectTimeout(timeout)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(boundHandler.value)
                }
            }
            .connect(host: url.host, port: url.port)
            .assumeIsolated()
            .whenComplete { result in
                switch result {
                case .failure(let error):
                    finish(.failure(error))
                case .success(let connected):
                    channel = connected
                    guard !finished else {
                        connected.close(promise: nil)
                        return
                    }
                    var replies: [RESPValue] = []
                    if let password = url.password {
                        handler.send(.auth(username: url.username, password: password), flush: false) { result in
                            if case .success(.error(let message)) = result {
                                finish(.failure(RedisDriverError.serverError(message)))
                            }
                        }
                    }
                    for command in commands {
                        handler.send(command, flush: false) { result in
                            switch result {
                            case .success(let reply):
                                replies.append(reply)
                                if replies.count == commands.count { finish(.success(replies)) }
                            case .failure(let error):
                                finish(.failure(error))
                            }
                        }
                    }
                    handler.flush()
                    if commands.isEmpty { finish(.success([])) }
                }
            }
    }
}
