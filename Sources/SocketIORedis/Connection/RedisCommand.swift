import NIOCore

/// One argument of a Redis command: text (sent as UTF-8) or raw bytes.
enum RedisCommandArgument: Sendable, Hashable {
    /// UTF-8 text: command names, channel names, numbers.
    case string(String)
    /// Binary data, sent as is.
    case bytes(ByteBuffer)
}

/// A Redis command as an argument vector; ``HiredisCommandFormatter`` turns it into RESP bytes.
struct RedisCommand: Sendable, Hashable {
    /// The command name first, then its arguments.
    var arguments: [RedisCommandArgument]

    /// A command from text arguments.
    init(_ arguments: String...) {
        self.arguments = arguments.map(RedisCommandArgument.string)
    }

    /// A command from any arguments.
    init(arguments: [RedisCommandArgument]) {
        self.arguments = arguments
    }
}

extension RedisCommand {
    /// `AUTH password`, or `AUTH user password` (Redis ≥ 6 ACL users).
    static func auth(username: String?, password: String) -> RedisCommand {
        if let username {
            return RedisCommand("AUTH", username, password)
        }
        return RedisCommand("AUTH", password)
    }

    /// `SELECT db`.
    static func select(_ database: Int) -> RedisCommand {
        RedisCommand("SELECT", String(database))
    }

    /// `PING`.
    static let ping = RedisCommand("PING")

    /// `PUBLISH channel payload`, or `SPUBLISH` for a shard channel.
    static func publish(_ payload: ByteBuffer, to channel: String, sharded: Bool) -> RedisCommand {
        RedisCommand(arguments: [.string(sharded ? "SPUBLISH" : "PUBLISH"), .string(channel), .bytes(payload)])
    }

    /// `SUBSCRIBE`, `PSUBSCRIBE` or `SSUBSCRIBE` of one name.
    static func subscribe(_ name: String, kind: RedisSubscriptionKind) -> RedisCommand {
        RedisCommand(kind.subscribeCommand, name)
    }

    /// `UNSUBSCRIBE`, `PUNSUBSCRIBE` or `SUNSUBSCRIBE` of one name.
    static func unsubscribe(_ name: String, kind: RedisSubscriptionKind) -> RedisCommand {
        RedisCommand(kind.unsubscribeCommand, name)
    }

    /// `PUBSUB NUMSUB channel`, or `PUBSUB SHARDNUMSUB channel`.
    static func subscriberCount(of channel: String, sharded: Bool) -> RedisCommand {
        RedisCommand("PUBSUB", sharded ? "SHARDNUMSUB" : "NUMSUB", channel)
    }

    /// `PUBSUB NUMSUB c1 c2 …`, or `PUBSUB SHARDNUMSUB c1 c2 …`: one round trip for many channels.
    static func subscriberCounts(of channels: [String], sharded: Bool) -> RedisCommand {
        RedisCommand(arguments: [.string("PUBSUB"), .string(sharded ? "SHARDNUMSUB" : "NUMSUB")] + channels.map(RedisCommandArgument.string))
    }
}

extension RedisSubscriptionKind {
    /// The command that subscribes with this kind.
    var subscribeCommand: String {
        switch self {
        case .channel: return "SUBSCRIBE"
        case .pattern: return "PSUBSCRIBE"
        case .sharded: return "SSUBSCRIBE"
        }
    }

    /// The command that unsubscribes with this kind.
    var unsubscribeCommand: String {
        switch self {
        case .channel: return "UNSUBSCRIBE"
        case .pattern: return "PUNSUBSCRIBE"
        case .sharded: return "SUNSUBSCRIBE"
        }
    }

    /// The first element of the confirmation Redis sends for a subscribe of this kind.
    var subscribeConfirmation: String {
        switch self {
        case .channel: return "subscribe"
        case .pattern: return "psubscribe"
        case .sharded: return "ssubscribe"
        }
    }
}
