import ArgumentParser
import Foundation
import NIOCore
import NIOPosix

/// What every network scenario runs on: the event loops with their ``LoopStats``, the sampled PIDs, and
/// the report under construction.
final class BenchContext: Sendable {
    /// The bench's event loops.
    let group: MultiThreadedEventLoopGroup
    /// The loops in order; client `i` lives on `loops[i % loops.count]`.
    let loops: [any EventLoop]
    /// Each loop's counters.
    let stats: [NIOLoopBound<LoopStats>]
    /// Operations of all loops, never reset.
    let shared: SharedCounter
    /// The options every scenario shares.
    let common: CommonOptions
    /// The servers.
    let targets: [BenchTarget]
    /// Connect timeout as a NIO amount.
    let connectTimeout: TimeAmount
    private let startedAt = Date()

    private init(common: CommonOptions, group: MultiThreadedEventLoopGroup, stats: [NIOLoopBound<LoopStats>], shared: SharedCounter) throws {
        self.common = common
        self.group = group
        self.loops = stats.map(\.eventLoop)
        self.stats = stats
        self.shared = shared
        self.targets = try common.targets()
        self.connectTimeout = .nanoseconds(Int64(common.connectTimeout * 1e9))
    }

    /// Starts the loops. `sockets` is how many descriptors the scenario will hold at most.
    static func make(_ common: CommonOptions, sockets: Int) async throws -> BenchContext {
        try OpenFilesLimit.ensureRoom(for: sockets)
        _ = Clock.epoch
        let group = MultiThreadedEventLoopGroup(numberOfThreads: common.threads)
        let shared = SharedCounter()
        var stats: [NIOLoopBound<LoopStats>] = []
        for loop in group.makeIterator() {
            stats.append(try await loop.submit { NIOLoopBound(LoopStats(shared: shared), eventLoop: loop) }.get())
        }
        return try BenchContext(common: common, group: group, stats: stats, shared: shared)
    }

    /// The loop of client `index`.
    func loop(for index: Int) -> any EventLoop {
        self.loops[index % self.loops.count]
    }

    /// Creates one value per loop, on that loop.
    func perLoop<Value>(_ make: @escaping @Sendable (_ stats: LoopStats, _ loopIndex: Int) -> Value) async throws -> [NIOLoopBound<Value>] {
        var values: [NIOLoopBound<Value>] = []
        for (index, bound) in self.stats.enumerated() {
            let loop = bound.eventLoop
            values.append(try await loop.submit { NIOLoopBound(make(bound.value, index), eventLoop: loop) }.get())
        }
        return values
    }

    /// Starts a measurement window on every loop.
    func resetStats() async throws {
        for bound in self.stats {
            try await bound.eventLoop.submit { bound.value.reset() }.get()
        }
    }

    /// The window so far, summed over loops.
    func snapshot() async throws -> StatsSnapshot {
        var total = StatsSnapshot()
        for bound in self.stats {
            total.merge(try await bound.eventLoop.submit { bound.value.snapshot() }.get())
        }
        return total
    }

    /// A scenario's whole life: makes the context for `sockets` connections, runs `measure`, stops
    /// the loops (also when `measure` throws), writes the report, and exits with status 2 when any
    /// run had errors.
    static func perform(
        _ common: CommonOptions, sockets: Int, _ measure: (BenchContext) async throws -> BenchReport
    ) async throws {
        let context = try await BenchContext.make(common, sockets: sockets)
        let report: BenchReport
        do {
            report = try await measure(context)
        } catch {
            await context.shutdown()
            throw error
        }
        await context.shutdown()
        try context.emit(report)
        if report.errors > 0 { throw ExitCode(2) }
    }

    /// Stops the loops.
    func shutdown() async {
        try? await self.group.shutdownGracefully()
    }

    /// Sleeps `seconds` (bounded, cancellable).
    static func sleep(seconds: Double) async throws {
        guard seconds > 0 else { return }
        try await Task.sleep(nanoseconds: UInt64(min(seconds, 3600) * 1e9))
    }

    /// Progress on stderr.
    func progress(_ text: String) {
        ReportWriter.progress(text, quiet: self.common.quiet)
    }

    /// The report of this invocation around `runs`.
    /// `setupFailures` counts failures outside of the runs (connecting, joining); `setupErrorSamples` says why.
    func report(
        scenario: String, parameters: [String: String], runs: [RunResult], setupFailures: Int = 0, setupErrorSamples: [String] = []
    ) -> BenchReport {
        BenchReport.make(
            scenario: scenario, startedAt: self.startedAt, threads: self.common.threads, targets: self.targets.map(\.description),
            serverPIDs: self.common.serverPIDs, parameters: parameters, runs: runs,
            setupFailures: setupFailures, setupErrorSamples: setupErrorSamples
        )
    }

    /// Writes the report as the options say.
    func emit(_ report: BenchReport) throws {
        try ReportWriter.emit(report, jsonPath: self.common.json, quiet: self.common.quiet)
    }
}
