import NIOCore

/// The only handler in a Redis connection's pipeline: bytes in go through hiredis' reply reader
/// (``HiredisReplyReader``), commands out go through hiredis' formatter (``HiredisCommandFormatter``).
///
/// Replies are matched to commands first-in, first-out: ``send(_:flush:onReply:)`` queues the reply
/// callback and writes the command. On a subscriber connection, `message`, `pmessage` and `smessage`
/// arrays are pushes, not replies, and go to ``onPush`` instead, as does an `sunsubscribe` that no
/// command asked for (Redis sends one when a shard channel's slot moves away).
///
/// When the channel goes inactive (or the reader fails), every queued callback fails with
/// ``RedisDriverError/notConnected`` and ``onClose`` runs once. Everything happens on the channel's
/// event loop; callbacks run there too and may send or close re-entrantly.
final class RedisConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    /// What the connection is for; decides which inbound arrays are pushes.
    enum Role: Sendable, Hashable {
        /// Commands with one reply each (PUBLISH, PUBSUB, PING, AUTH, SELECT).
        case command
        /// SUBSCRIBE and friends; receives pushes.
        case subscriber
    }

    /// Receives one reply (or `.notConnected` when the connection ended first).
    typealias ReplyCallback = (Result<RESPValue, RedisDriverError>) -> Void

    /// The connection's role.
    let role: Role
    /// Called with every push (subscriber role only).
    var onPush: ((RESPValue) -> Void)?
    /// Called once when the connection ends, with the error that ended it, if any.
    var onClose: ((Error?) -> Void)?

    private let reader = HiredisReplyReader()
    private var pending = CircularBuffer<ReplyCallback>(initialCapacity: 16)
    /// When each pending command was written, oldest first (parallel to `pending`).
    private var pendingSince = CircularBuffer<NIODeadline>(initialCapacity: 16)
    /// Whether each pending command is an SUNSUBSCRIBE (parallel to `pending`; subscriber role): an
    /// `sunsubscribe` array answers one only when one is next, otherwise it is Redis dropping a shard
    /// subscription on its own (a slot moved) and goes to ``onPush``.
    private var pendingIsShardUnsubscribe = CircularBuffer<Bool>(initialCapacity: 16)
    private var context: ChannelHandlerContext?
    private var isClosed = false

    /// A handler for a connection with `role`.
    init(role: Role) {
        self.role = role
    }

    /// Commands written whose reply has not arrived yet.
    var pendingReplyCount: Int { self.pending.count }

    /// When the oldest command still waiting for its reply was written; nil when none waits.
    var oldestPendingSince: NIODeadline? { self.pendingSince.first }

    /// Called after each reply was handed to its callback (command role; the driver flushes publishes
    /// it held while Redis was slow to answer).
    var onReplied: (() -> Void)?

    /// Whether the connection can still take commands.
    var isOpen: Bool { !self.isClosed && self.context != nil }

    /// Writes `command` and calls `onReply` with its reply. Fails at once with `.notConnected` when the
    /// connection is closed. With `flush: false` the bytes wait for the next ``flush()`` (pipelining).
    func send(_ command: RedisCommand, flush: Bool = true, onReply: @escaping ReplyCallback) {
        guard let context, !self.isClosed else {
            onReply(.failure(.notConnected))
            return
        }
        var buffer = context.channel.allocator.buffer(capacity: 64)
        HiredisCommandFormatter.format(command, into: &buffer)
        self.pending.append(onReply)
        self.pendingSince.append(.now())
        self.pendingIsShardUnsubscribe.append(command.name == RedisSubscriptionKind.sharded.unsubscribeCommand)
        if flush {
            context.writeAndFlush(NIOAny(buffer), promise: nil)
        } else {
            context.write(NIOAny(buffer), promise: nil)
        }
    }

    /// Flushes commands written with `flush: false`.
    func flush() {
        guard let context, !self.isClosed else { return }
        context.flush()
    }

    /// Closes the connection. At once, before the channel is gone: queued callbacks fail with
    /// `.notConnected`, ``onClose`` runs, and replies still in the read buffer are ignored.
    func close() {
        self.shutDown(error: nil)
        self.context?.close(promise: nil)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.shutDown(error: nil)
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.shutDown(error: nil)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        self.shutDown(error: error)
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !self.isClosed else { return }
        let bytes = Self.unwrapInboundIn(data)
        do {
            try self.reader.feed(bytes)
            while !self.isClosed, let value = try self.reader.next(allocator: context.channel.allocator) {
                self.dispatch(value, context: context)
            }
        } catch {
            self.shutDown(error: error)
            context.close(promise: nil)
        }
    }

    private func dispatch(_ value: RESPValue, context: ChannelHandlerContext) {
        if self.role == .subscriber, Self.isPush(value) || (Self.isShardUnsubscribe(value) && self.pendingIsShardUnsubscribe.first != true) {
            self.onPush?(value)
            return
        }
        guard let callback = self.pending.popFirst() else {
            if self.role == .subscriber {
                // An unsolicited reply on a subscriber connection (e.g. `sunsubscribe` after a slot move).
                self.onPush?(value)
            } else {
                self.shutDown(error: RedisProtocolError(message: "reply without a command: \(value)"))
                context.close(promise: nil)
            }
            return
        }
        _ = self.pendingSince.popFirst()
        _ = self.pendingIsShardUnsubscribe.popFirst()
        callback(.success(value))
        self.onReplied?()
    }

    private func shutDown(error: Error?) {
        guard !self.isClosed else { return }
        self.isClosed = true
        self.pendingSince.removeAll()
        self.pendingIsShardUnsubscribe.removeAll()
        self.onReplied = nil
        while let callback = self.pending.popFirst() {
            callback(.failure(.notConnected))
        }
        let onClose = self.onClose
        self.onClose = nil
        self.onPush = nil
        onClose?(error)
    }

    /// Whether `value` is an `sunsubscribe` array.
    static func isShardUnsubscribe(_ value: RESPValue) -> Bool {
        guard case .array(.some(let elements)) = value, elements.count == 3, case .bulkString(.some(let kind)) = elements[0] else { return false }
        return kind.readableBytesView.elementsEqual("sunsubscribe".utf8)
    }

    /// Whether `value` is a message push: `message`, `pmessage` or `smessage`.
    static func isPush(_ value: RESPValue) -> Bool {
        guard case .array(.some(let elements)) = value, let first = elements.first,
            case .bulkString(.some(let kind)) = first
        else { return false }
        switch kind.readableBytes {
        case 7: return kind.readableBytesView.elementsEqual("message".utf8)
        case 8: return kind.readableBytesView.elementsEqual("pmessage".utf8) || kind.readableBytesView.elementsEqual("smessage".utf8)
        default: return false
        }
    }
}

@available(*, unavailable)
extension RedisConnectionHandler: Sendable {}
