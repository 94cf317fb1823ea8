import NIOCore

extension HiredisDriverCore {
    /// Sends one command on the command connection and completes `promise` with its reply; fails at once
    /// while disconnected, and with `.timeout` after `timeout`.
    func send(_ command: RedisCommand, timeout: TimeAmount, promise: EventLoopPromise<RESPValue>) {
        switch self.machine.state {
        case .closing, .closed:
            promise.fail(RedisDriverError.closed)
            return
        case .idle, .connecting, .waiting:
            promise.fail(RedisDriverError.notConnected)
            return
        case .connected:
            break
        }
        guard let connection = self.link?.command else {
            promise.fail(RedisDriverError.notConnected)
            return
        }
        var answered = false
        let timer = self.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
            guard !answered else { return }
            answered = true
            promise.fail(RedisDriverError.timeout)
        }
        connection.send(command) { result in
            guard !answered else { return }
            answered = true
            timer.cancel()
            switch result {
            case .success(.error(let message)): promise.fail(RedisDriverError.serverError(message))
            case .success(let reply): promise.succeed(reply)
            case .failure(let error): promise.fail(error)
            }
        }
    }
}
