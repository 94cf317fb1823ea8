/// A subscription's identity: one handler per (kind, name).
struct RedisSubscriptionKey: Sendable, Hashable {
    /// How the name matches.
    var kind: RedisSubscriptionKind
    /// The channel or pattern.
    var name: String
}

/// The subscriptions a driver holds, the truth it re-issues after every reconnect.
///
/// Each entry carries a *token*, new whenever a key is (re)added, so a confirmation that arrives for an
/// entry removed and added again in between is not taken for the new one; and the ids of the
/// `subscribe` calls waiting for its confirmation.
struct RedisSubscriptionRegistry {
    /// One subscription.
    struct Entry {
        /// Identifies this instance of the key.
        var token: UInt64
        /// Receives the subscription's messages.
        var handler: RedisMessageHandler
        /// Redis confirmed the subscription on the current link.
        var confirmed: Bool
        /// `subscribe` calls waiting for the confirmation.
        var waiters: [UInt64]
    }

    private(set) var entries: [RedisSubscriptionKey: Entry] = [:]
    private var lastToken: UInt64 = 0

    /// What ``add(_:handler:)`` did.
    enum AddResult: Sendable, Hashable {
        /// A new entry: SUBSCRIBE must be sent (when a link is up).
        case added(token: UInt64)
        /// The handler replaced an entry Redis already confirmed: nothing to send, nothing to wait for.
        case replacedConfirmed
        /// The handler replaced an entry whose confirmation is still due.
        case replacedPending(token: UInt64)
    }

    /// Adds a subscription or replaces its handler.
    mutating func add(_ key: RedisSubscriptionKey, handler: @escaping RedisMessageHandler) -> AddResult {
        if var entry = self.entries[key] {
            entry.handler = handler
            self.entries[key] = entry
            return entry.confirmed ? .replacedConfirmed : .replacedPending(token: entry.token)
        }
        self.lastToken += 1
        self.entries[key] = Entry(token: self.lastToken, handler: handler, confirmed: false, waiters: [])
        return .added(token: self.lastToken)
    }

    /// Removes a subscription; returns its waiters (to fail), or `nil` when there was none.
    mutating func remove(_ key: RedisSubscriptionKey) -> [UInt64]? {
        self.entries.removeValue(forKey: key)?.waiters
    }

    /// Removes the subscription if it is still the instance `token`; returns its waiters.
    mutating func remove(_ key: RedisSubscriptionKey, token: UInt64) -> [UInt64]? {
        guard self.entries[key]?.token == token else { return nil }
        return self.remove(key)
    }

    /// Registers a waiting `subscribe` call.
    mutating func addWaiter(_ id: UInt64, to key: RedisSubscriptionKey) {
        self.entries[key]?.waiters.append(id)
    }

    /// Forgets a waiting `subscribe` call (it timed out).
    mutating func removeWaiter(_ id: UInt64, from key: RedisSubscriptionKey) {
        self.entries[key]?.waiters.removeAll { $0 == id }
    }

    /// Records Redis' confirmation of instance `token` of `key`; returns the waiters to resume.
    mutating func confirm(_ key: RedisSubscriptionKey, token: UInt64) -> [UInt64] {
        guard var entry = self.entries[key], entry.token == token else { return [] }
        let waiters = entry.waiters
        entry.confirmed = true
        entry.waiters = []
        self.entries[key] = entry
        return waiters
    }

    /// The link dropped: nothing is confirmed any more.
    mutating func resetConfirmations() {
        for key in self.entries.keys {
            self.entries[key]?.confirmed = false
        }
    }

    /// Removes everything; returns every waiter.
    mutating func removeAll() -> [UInt64] {
        let waiters = self.entries.values.flatMap(\.waiters)
        self.entries.removeAll()
        return waiters
    }

    /// The handler for a message that matched `key`, once Redis confirmed the subscription. Redis sends
    /// a subscription's confirmation before any of its messages on the same connection, so a message
    /// that arrives for an unconfirmed entry belongs to an earlier instance being unsubscribed.
    func handler(for key: RedisSubscriptionKey) -> RedisMessageHandler? {
        guard let entry = self.entries[key], entry.confirmed else { return nil }
        return entry.handler
    }

    /// Every subscription with its token, for re-issuing.
    var all: [(key: RedisSubscriptionKey, token: UInt64)] {
        self.entries.map { ($0.key, $0.value.token) }
    }
}
