import Logging
import NIOCore
import NIOPosix

/// Runs `action` once `count` steps have ticked (at once when `count` is 0).
private final class Countdown {
    private var remaining: Int
    private let action: () -> Void

    init(_ count: Int, action: @escaping () -> Void) {
        self.remaining = count
        self.action = action
        if count == 0 { action() }
    }

    func tick() {
        self.remaining -= 1
        if self.remaining == 0 { self.action() }
    }
}

extension HiredisDriverCore {
    /// Opens both connections of `generation` under one connect deadline.
    func openLink(generation: UInt64) {
        let link = HiredisDriverLink(generation: generation)
        self.link = link
        let timeout = self.configuration.connectTimeout
        link.timer = self.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [weak self] in
            self?.linkFailed(generation: generation, reason: "not ready within the connect timeout (\(timeout.nanoseconds / 1_000_000) ms)")
        }
        for handler in [link.command, link.subscriber] {
            handler.onClose = { [weak self] error in
                self?.linkFailed(generation: generation, reason: error.map { "\($0)" } ?? "connection closed by the server")
            }
            if handler.role == .subscriber {
                handler.onPush = { [weak self] push in
                    self?.handlePush(push)
                }
            } else {
                handler.onReplied = { [weak self, weak link] in
                    guard let self, let link else { return }
                    self.replyArrived(on: link)
                }
            }
            let boundHandler = NIOLoopBound(handler, eventLoop: self.eventLoop)
            ClientBootstrap(group: self.eventLoop)
                .connectTimeout(timeout)
                .channelOption(.socketOption(.so_keepalive), value: 1)
                .channelOption(.tcpOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(boundHandler.value)
                    }
                }
                .connect(host: self.url.host, port: self.url.port)
                .assumeIsolated()
                .whenComplete { [weak self] result in
                    switch result {
                    case .success(let channel):
                        guard let self, let link = self.link, link.generation == generation else {
                            channel.close(promise: nil)
                            return
                        }
                        link.channels.append(channel)
                        self.runHandshake(on: handler, of: link)
                    case .failure(let error):
                        self?.linkFailed(generation: generation, reason: "connect to \(self?.url.description ?? "Redis") failed: \(error)")
                    }
                }
        }
    }

    /// AUTH, SELECT and PING, pipelined; on the subscriber connection also every subscription held.
    /// Any error reply fails the attempt (a wrong password, a database out of range, NOAUTH).
    private func runHandshake(on handler: RedisConnectionHandler, of link: HiredisDriverLink) {
        let generation = link.generation
        var steps: [RedisCommand] = []
        if let password = self.url.password {
            steps.append(.auth(username: self.url.username, password: password))
        }
        if self.url.database != 0 {
            steps.append(.select(self.url.database))
        }
        // PING proves the connection usable (NOAUTH shows here when a password is needed but missing).
        steps.append(.ping)
        // The watched channels' subscriptions go last: Redis runs a connection's commands in order, so
        // once another node counts this one on a watched channel, every other subscription is in place.
        var subscriptions: [(key: RedisSubscriptionKey, token: UInt64)] = []
        if handler.role == .subscriber {
            let watched = self.peers.watchedKeys
            let all = self.subscriptions.all
            subscriptions = all.filter { !watched.contains($0.key) } + all.filter { watched.contains($0.key) }
        }
        let countdown = Countdown(steps.count + subscriptions.count) { [weak self] in
            self?.handshakeFinished(link)
        }
        for step in steps {
            handler.send(step, flush: false) { [weak self] result in
                guard let self, case .success(let reply) = result else { return }
                if let message = reply.errorMessage {
                    self.logger.error(
                        "Redis rejected the connection handshake",
                        metadata: ["redis.command": "\(step.name)", "redis.error": "\(message)"]
                    )
                    self.linkFailed(generation: generation, reason: "\(step.name) failed: \(message)")
                } else {
                    countdown.tick()
                }
            }
        }
        for (key, token) in subscriptions {
            self.issueSubscribe(key, token: token, on: handler, flush: false) {
                countdown.tick()
            }
        }
        if handler.role == .subscriber {
            link.subscriberStarted = true
        }
        handler.flush()
    }

    private func handshakeFinished(_ link: HiredisDriverLink) {
        guard self.link === link else { return }
        link.handshakesPending -= 1
        if link.handshakesPending == 0 {
            self.linkReady(generation: link.generation)
        }
    }

    // MARK: Health check

    /// Schedules the next health check of `link`.
    func scheduleHealthCheck(_ link: HiredisDriverLink) {
        link.timer = self.eventLoop.assumeIsolated().scheduleTask(in: self.configuration.healthCheckInterval) { [weak self, weak link] in
            guard let self, let link else { return }
            self.runHealthCheck(link)
        }
    }

    /// PINGs both connections; the link fails when either PONG misses `healthCheckTimeout`.
    private func runHealthCheck(_ link: HiredisDriverLink) {
        guard self.link === link, self.machine.isConnected else { return }
        let generation = link.generation
        let timeout = self.configuration.healthCheckTimeout
        link.timer = self.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [weak self] in
            self?.linkFailed(generation: generation, reason: "health check: no PONG within \(timeout.nanoseconds / 1_000_000) ms")
        }
        let countdown = Countdown(2) { [weak self, weak link] in
            guard let self, let link, self.link === link, self.machine.isConnected else { return }
            link.timer?.cancel()
            self.scheduleHealthCheck(link)
            if !link.holdingPublishes { self.refreshPeerCounts(link) }
        }
        for handler in [link.command, link.subscriber] {
            handler.send(.ping) { result in
                // Any reply proves the connection alive, even an error (e.g. LOADING).
                if case .success = result {
                    countdown.tick()
                }
            }
        }
    }
}

extension RedisCommand {
    /// The command name, for logs (never the arguments: AUTH carries the password).
    var name: String {
        guard case .string(let name) = self.arguments.first else { return "?" }
        return name
    }
}
