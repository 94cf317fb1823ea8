import NIOConcurrencyHelpers

/// Every session this server holds, by id; read from every event loop.
final class EngineSessionRegistry: Sendable {
    private let sessions = NIOLockedValueBox<[String: EngineSession]>([:])

    /// The session with this id, if this server holds it.
    func session(id: String) -> EngineSession? {
        self.sessions.withLockedValue { $0[id] }
    }

    /// Adds a session; false if the id is taken.
    func insert(_ session: EngineSession) -> Bool {
        self.sessions.withLockedValue { sessions in
            guard sessions[session.id] == nil else { return false }
            sessions[session.id] = session
            return true
        }
    }

    /// Removes `session` (only this instance).
    func remove(_ session: EngineSession) {
        self.sessions.withLockedValue { sessions in
            if sessions[session.id] === session { sessions[session.id] = nil }
        }
    }

    /// The number of sessions held, including ones closing.
    var count: Int { self.sessions.withLockedValue { $0.count } }

    /// A snapshot of every session.
    var all: [EngineSession] { self.sessions.withLockedValue { Array($0.values) } }
}
