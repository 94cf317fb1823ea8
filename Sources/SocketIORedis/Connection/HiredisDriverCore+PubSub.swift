import Logging
import NIOCore

extension HiredisDriverCore {
    // MARK: Publish

    func publish(_ payload: ByteBuffer, to channel: String, sharded: Bool) {
        let publish = RedisQueuedPublish(payload: payload, channel: channel, sharded: sharded)
        switch self.machine.state {
        case .connected:
            if let link = self.link {
                // Held after a reconnect, or Redis is slow to answer: the publish queues (behind any
                // held ones, so order holds) instead of joining commands that may never be answered.
                if !link.holdingPublishes && self.queue.count > 0 && !self.isStalled(link) {
                    self.flushQueue(link)
                }
                if link.holdingPublishes || self.queue.count > 0 || self.isStalled(link) {
                    if !self.queue.append(publish) {
                        self.drop(publish, reason: "outgoing queue full while Redis is stalled or the other nodes resubscribe")
                    }
                    return
                }
            }
            guard let command = self.link?.command, command.pendingReplyCount < self.configuration.maxQueuedPublishes,
                publish.size <= self.configuration.maxQueuedPublishBytes - self.unacknowledgedBytes
            else {
                self.drop(publish, reason: "too many unacknowledged publishes")
                return
            }
            self.write(publish, on: command, flush: true)
        case .idle, .connecting, .waiting:
            if !self.queue.append(publish) {
                self.drop(publish, reason: "outgoing queue full (count or bytes) while disconnected")
            }
        case .closing, .closed:
            self.drop(publish, reason: "driver closed")
        }
    }

    /// Whether the oldest command on `link`'s command connection waits longer than `stallThreshold`.
    func isStalled(_ link: HiredisDriverLink) -> Bool {
        guard let since = link.command.oldestPendingSince else { return false }
        return NIODeadline.now() - since > self.configuration.stallThreshold
    }

    /// Sends the publishes queued during a stall once replies flow again (called after every reply on
    /// the command connection).
    func replyArrived(on link: HiredisDriverLink) {
        guard self.link === link, self.machine.isConnected, !link.holdingPublishes, self.queue.count > 0, !self.isStalled(link) else { return }
        self.flushQueue(link)
    }

    /// Writes every queued publish on `link`, in order.
    func flushQueue(_ link: HiredisDriverLink) {
        let queued = self.queue.removeAll()
        for publish in queued {
            self.write(publish, on: link.command, flush: false)
        }
        link.command.flush()
    }

    /// Writes a publish; its acknowledgement is checked for an error reply and, while closing, for the
    /// end of the drain.
    func write(_ publish: RedisQueuedPublish, on command: RedisConnectionHandler, flush: Bool) {
        self.statistics.published.wrappingIncrement(ordering: .relaxed)
        let size = publish.size
        self.unacknowledgedBytes += size
        command.send(.publish(publish.payload, to: publish.channel, sharded: publish.sharded), flush: flush) { [weak self] result in
            guard let self else { return }
            self.unacknowledgedBytes -= size
            if case .success(.error(let message)) = result {
                if let refused = self.hooks.publishRefused, RedisRedirect.isRedirect(message) {
                    // A cluster driver sends it where the slot lives now.
                    refused(publish, message)
                    self.checkDrained()
                    return
                }
                self.logger.warning(
                    "Redis refused a publish",
                    metadata: ["redis.channel": "\(publish.channel)", "redis.error": "\(message)"]
                )
            }
            self.checkDrained()
        }
    }

    private func drop(_ publish: RedisQueuedPublish, reason: String) {
        let dropped = self.statistics.dropped.wrappingIncrementThenLoad(ordering: .relaxed)
        // One line per power of two keeps a long outage from flooding the log.
        if dropped & (dropped - 1) == 0 {
            self.logger.warning(
                "Redis publish dropped",
                metadata: ["redis.reason": "\(reason)", "redis.channel": "\(publish.channel)", "redis.droppedTotal": "\(dropped)"]
            )
        }
    }

    // MARK: Peer watch

    /// Starts watching `channel`'s subscriber count (see ``RedisPeerWatch``); counts it at once when
    /// connected.
    func watchPeers(_ channel: RedisPeerWatch.Channel) {
        self.peers.watch(channel)
        if let link = self.link, self.machine.isConnected, !link.holdingPublishes {
            self.refreshPeerCounts(link)
        }
    }

    /// Stops one watch of `channel`.
    func unwatchPeers(_ channel: RedisPeerWatch.Channel) {
        self.peers.unwatch(channel)
    }

    // MARK: Subscribe

    func subscribe(
        _ key: RedisSubscriptionKey,
        timeout: TimeAmount,
        handler: @escaping RedisMessageHandler,
        promise: EventLoopPromise<Void>
    ) {
        switch self.machine.state {
        case .closing, .closed:
            promise.fail(RedisDriverError.closed)
            return
        case .idle, .connecting, .connected, .waiting:
            break
        }
        switch self.subscriptions.add(key, handler: handler) {
        case .replacedConfirmed:
            promise.succeed()
        case .replacedPending:
            self.addWaiter(promise, for: key, timeout: timeout)
        case .added(let token):
            self.addWaiter(promise, for: key, timeout: timeout)
            // Without a started subscriber connection, the next handshake issues it.
            if let link = self.link, link.subscriberStarted {
                self.issueSubscribe(key, token: token, on: link.subscriber, flush: true, whenAnswered: nil)
            }
        }
    }

    /// Sends the SUBSCRIBE of one registry entry; the reply confirms it (resuming its waiters) or, as an
    /// error, removes it (failing them). `whenAnswered` runs after either.
    func issueSubscribe(
        _ key: RedisSubscriptionKey,
        token: UInt64,
        on subscriber: RedisConnectionHandler,
        flush: Bool,
        whenAnswered: (() -> Void)?
    ) {
        subscriber.send(.subscribe(key.name, kind: key.kind), flush: flush) { [weak self] result in
            guard let self, case .success(let reply) = result else {
                // The connection ended first; the next link re-issues the subscription.
                return
            }
            if let message = reply.errorMessage {
                if let refused = self.hooks.subscriptionRefused, RedisRedirect.isRedirect(message) {
                    // The slot lives elsewhere: a cluster driver subscribes there.
                    for id in self.subscriptions.remove(key, token: token) ?? [] {
                        self.resumeWaiter(id, with: .failure(RedisDriverError.serverError(message)))
                    }
                    refused(key.name, message)
                    whenAnswered?()
                    return
                }
                self.logger.error(
                    "Redis refused a subscription",
                    metadata: ["redis.subscription": "\(key.name)", "redis.kind": "\(key.kind.rawValue)", "redis.error": "\(message)"]
                )
                for id in self.subscriptions.remove(key, token: token) ?? [] {
                    self.resumeWaiter(id, with: .failure(RedisDriverError.serverError(message)))
                }
            } else if reply.elements?.first?.string == key.kind.subscribeConfirmation {
                for id in self.subscriptions.confirm(key, token: token) {
                    self.resumeWaiter(id, with: .success(()))
                }
            } else {
                self.logger.error("Unexpected reply to a subscribe", metadata: ["redis.reply": "\(reply)"])
                for id in self.subscriptions.remove(key, token: token) ?? [] {
                    self.resumeWaiter(id, with: .failure(RedisDriverError.unexpectedReply("\(reply)")))
                }
            }
            whenAnswered?()
        }
    }

    func unsubscribe(_ key: RedisSubscriptionKey) {
        guard let waiters = self.subscriptions.remove(key) else { return }
        for id in waiters {
            self.resumeWaiter(id, with: .failure(RedisDriverError.unexpectedReply("unsubscribed before Redis confirmed the subscription")))
        }
        if let link = self.link, link.subscriberStarted {
            link.subscriber.send(.unsubscribe(key.name, kind: key.kind)) { _ in }
        }
    }

    // MARK: Pushes

    /// A push from the subscriber connection: a message for a handler, or an unsolicited `sunsubscribe`.
    func handlePush(_ push: RESPValue) {
        guard let elements = push.elements, let type = elements.first?.string else {
            self.logger.debug("Ignoring unexpected Redis push", metadata: ["redis.push": "\(push)"])
            return
        }
        switch (type, elements.count) {
        case ("message", 3):
            self.deliver(kind: .channel, subscription: elements[1], channel: elements[1], payload: elements[2])
        case ("pmessage", 4):
            self.deliver(kind: .pattern, subscription: elements[1], channel: elements[2], payload: elements[3])
        case ("smessage", 3):
            self.deliver(kind: .sharded, subscription: elements[1], channel: elements[1], payload: elements[2])
        case ("sunsubscribe", 3):
            // Redis drops shard subscriptions whose slot moved to another node; ask again.
            guard let name = elements[1].string, let link = self.link, link.subscriberStarted else { return }
            let key = RedisSubscriptionKey(kind: .sharded, name: name)
            guard let token = self.subscriptions.entries[key]?.token else { return }
            if let dropped = self.hooks.shardSubscriptionDropped {
                // A cluster driver subscribes where the slot lives now.
                for id in self.subscriptions.remove(key) ?? [] {
                    self.resumeWaiter(id, with: .failure(RedisDriverError.serverError("slot moved")))
                }
                dropped(name)
                return
            }
            self.logger.info("Redis dropped a shard subscription; re-issuing it", metadata: ["redis.subscription": "\(name)"])
            self.issueSubscribe(key, token: token, on: link.subscriber, flush: true, whenAnswered: nil)
        default:
            self.logger.debug("Ignoring unexpected Redis push", metadata: ["redis.push": "\(push)"])
        }
    }

    private func deliver(kind: RedisSubscriptionKind, subscription: RESPValue, channel: RESPValue, payload: RESPValue) {
        guard let name = subscription.string, let channel = channel.string, case .bulkString(.some(let bytes)) = payload else {
            self.logger.debug("Ignoring malformed Redis message", metadata: ["redis.kind": "\(kind.rawValue)"])
            return
        }
        // Messages of a removed subscription still arrive until Redis handles the UNSUBSCRIBE: they find
        // no entry, or an unconfirmed new one, and are not delivered.
        guard let handler = self.subscriptions.handler(for: RedisSubscriptionKey(kind: kind, name: name)) else { return }
        self.statistics.received.wrappingIncrement(ordering: .relaxed)
        handler(RedisPubSubMessage(kind: kind, subscription: name, channel: channel, payload: bytes))
    }

    // MARK: Requests

    func subscriberCount(of channel: String, sharded: Bool, timeout: TimeAmount, promise: EventLoopPromise<Int>) {
        let reply = self.eventLoop.makePromise(of: RESPValue.self)
        self.send(.subscriberCount(of: channel, sharded: sharded), timeout: timeout, promise: reply)
        reply.futureResult.whenComplete { result in
            switch result {
            case .success(.array(.some(let pair))) where pair.count == 2:
                // [channel, count]; a count Redis could never send (negative, beyond Int) is refused.
                guard let count = pair[1].integer.flatMap({ Int(exactly: $0) }), count >= 0 else {
                    promise.fail(RedisDriverError.unexpectedReply("subscriber count \(pair[1])"))
                    return
                }
                promise.succeed(count)
            case .success(let other):
                promise.fail(RedisDriverError.unexpectedReply("\(other)"))
            case .failure(let error):
                promise.fail(error)
            }
        }
    }
}
