import Logging
import NIOCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Pauses a listening channel after `accept` fails for want of resources (`EMFILE`, `ENFILE`,
/// `ENOBUFS`, `ENOMEM`), and resumes it after `backoff`.
///
/// NIO leaves such errors to the application and keeps its read pending, so without this the
/// listener's readiness fires again at once and the loop spins on failing `accept` calls at a full
/// core while the process is at its open-files limit. Here auto-read goes off (the listener leaves the
/// poller) and comes back on after the backoff; meanwhile the connections already open are served,
/// and new ones wait in the kernel's backlog.
final class EngineAcceptThrottle: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = any Channel
    typealias InboundOut = any Channel

    private let backoff: TimeAmount
    private let statistics: EngineStatistics
    private let logger: Logger
    private var resume: Scheduled<Void>?

    init(backoff: TimeAmount, statistics: EngineStatistics, logger: Logger) {
        self.backoff = backoff
        self.statistics = statistics
        self.logger = logger
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let error = error as? IOError, Self.isResourceShortage(error) else {
            context.fireErrorCaught(error)
            return
        }
        guard self.resume == nil else { return }
        self.statistics.acceptPauses.wrappingIncrement(ordering: .relaxed)
        self.logger.warning(
            "accept failed for want of resources; pausing the listener",
            metadata: ["error": "\(error)", "engineio.backoffMs": "\(self.backoff.nanoseconds / 1_000_000)"]
        )
        let channel = context.channel
        channel.setOption(ChannelOptions.autoRead, value: false).whenComplete { _ in }
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        self.resume = context.eventLoop.scheduleTask(in: self.backoff) {
            bound.value.resume = nil
            channel.setOption(ChannelOptions.autoRead, value: true).whenComplete { _ in }
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.resume?.cancel()
        self.resume = nil
    }

    static func isResourceShortage(_ error: IOError) -> Bool {
        let code = error.errnoCode
        return code == EMFILE || code == ENFILE || code == ENOBUFS || code == ENOMEM
    }
}
