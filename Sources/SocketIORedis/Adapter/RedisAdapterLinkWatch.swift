import NIOConcurrencyHelpers
import SocketIO

/// What both Redis adapters do about their driver's link: count the nodes or say honestly that they
/// cannot, and fail what waits for other nodes when the link drops.
protocol RedisAdapterLinkWatching: AnyObject, Sendable {
    var driver: any RedisPubSubDriver { get }
    var requests: RedisRequestTable { get }
    var ackRequests: NIOLockedValueBox<[String: SocketIOAckCollector]> { get }
    var configuration: RedisAdapterConfiguration { get }
    /// The channel whose subscriber count is the node count.
    var nodeCountChannel: (name: String, sharded: Bool) { get }
}

extension RedisAdapterLinkWatching {
    /// The number of nodes, this one included. Throws ``SocketIOClusterError/redisUnavailable`` at
    /// once while the link is down, and when Redis does not answer the count.
    func clusterNodeCount() async throws -> Int {
        guard self.driver.state == .connected else { throw SocketIOClusterError.redisUnavailable }
        let channel = self.nodeCountChannel
        do {
            return try await self.driver.subscriberCount(of: channel.name, sharded: channel.sharded, timeout: self.configuration.requestTimeout)
        } catch {
            throw SocketIOClusterError.redisUnavailable
        }
    }

    /// Tells `collector` how many other nodes will report acks for broadcast `requestID`, once the
    /// node count is known; while Redis does not answer, fails it (and forgets the request) at once
    /// instead of letting this node's acks pass for the cluster's.
    func announceNodeCount(to collector: SocketIOAckCollector, requestID: String) {
        Task { [weak collector] in
            do {
                let nodes = try await self.clusterNodeCount()
                collector?.nodeCountKnown(otherNodes: max(0, nodes - 1))
            } catch {
                _ = self.ackRequests.withLockedValue { $0.removeValue(forKey: requestID) }
                collector?.fail(error)
            }
        }
    }

    /// Fails request `id` at once if the link went down while it was being sent (the observer that
    /// fails requests in flight may have run just before it was registered).
    func failIfLinkDown(_ id: String) {
        if self.driver.state != .connected {
            self.requests.fail(id, with: SocketIOClusterError.redisUnavailable)
        }
    }

    /// Registers the observer that fails every request in flight (cluster requests and broadcasts
    /// with acks) with ``SocketIOClusterError/redisUnavailable`` when the link leaves `connected`, and
    /// watches the node-count channel (see ``RedisPubSubDriver/watchPeers(on:sharded:)``). Returns the
    /// observer's id for ``stopWatchingLink(_:)``.
    func startWatchingLink() -> Int {
        let channel = self.nodeCountChannel
        self.driver.watchPeers(on: channel.name, sharded: channel.sharded)
        return self.driver.addStateObserver { [weak self] state in
            guard let self, state != .connected else { return }
            self.requests.failAll(with: SocketIOClusterError.redisUnavailable)
            let collectors = self.ackRequests.withLockedValue { pending -> [SocketIOAckCollector] in
                defer { pending = [:] }
                return Array(pending.values)
            }
            for collector in collectors {
                collector.fail(SocketIOClusterError.redisUnavailable)
            }
        }
    }

    /// Undoes ``startWatchingLink()``.
    func stopWatchingLink(_ observer: Int) {
        let channel = self.nodeCountChannel
        self.driver.removeStateObserver(observer)
        self.driver.unwatchPeers(on: channel.name, sharded: channel.sharded)
    }
}
