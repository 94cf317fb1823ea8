/// Bounded waiting for the Socket.IO and cluster tests: every wait has a deadline and fails with a message that
/// says what did not happen.
package enum TestWait {
    /// How often conditions are re-checked.
    package static let pollInterval: Duration = .milliseconds(5)

    /// Re-evaluates `probe` until it returns a value; throws ``TestWaitError/timedOut(_:)`` after `timeout`.
    package static func until<T>(
        _ what: @autoclosure () -> String,
        timeout: Duration = .seconds(5),
        _ probe: () async throws -> T?
    ) async throws -> T {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while true {
            if let value = try await probe() { return value }
            guard ContinuousClock.now < deadline else { throw TestWaitError.timedOut("\(what()) (after \(timeout))") }
            try await Task.sleep(for: self.pollInterval)
        }
    }

    /// Re-evaluates `condition` until it holds; throws after `timeout`.
    package static func until(
        _ what: @autoclosure () -> String,
        timeout: Duration = .seconds(5),
        condition: () async throws -> Bool
    ) async throws {
        let _: Bool = try await self.until(what(), timeout: timeout) { try await condition() ? true : nil }
    }

    /// Checks `violation` for `duration`; throws as soon as it reports something.
    package static func never(
        for duration: Duration,
        _ violation: () async throws -> String?
    ) async throws {
        let deadline = ContinuousClock.now.advanced(by: duration)
        while ContinuousClock.now < deadline {
            if let message = try await violation() { throw TestWaitError.unexpected(message) }
            try await Task.sleep(for: self.pollInterval)
        }
        if let message = try await violation() { throw TestWaitError.unexpected(message) }
    }
}

/// Why a bounded wait failed.
package enum TestWaitError: Error, CustomStringConvertible {
    /// The awaited thing did not happen in time.
    case timedOut(String)
    /// Something that must not happen did.
    case unexpected(String)

    package var description: String {
        switch self {
        case .timedOut(let what): return "timed out waiting for \(what)"
        case .unexpected(let what): return "unexpected: \(what)"
        }
    }
}
