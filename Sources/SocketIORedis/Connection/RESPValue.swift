import NIOCore

/// One RESP2 reply from Redis, as decoded by hiredis' reply reader (``HiredisReplyReader``).
///
/// hiredis 0.14 reports a null bulk string (`$-1`) and a null array (`*-1`) with the same reply type
/// (`REDIS_REPLY_NIL`), so the reader turns both into `.bulkString(nil)`; ``array(_:)`` with `nil` is
/// never produced by it. None of the commands this driver sends can answer with a null array.
public enum RESPValue: Sendable, Hashable {
    /// A simple string (`+OK`).
    case simpleString(String)
    /// An error reply (`-ERR …`): the whole message, including its leading code.
    case error(String)
    /// An integer (`:42`).
    case integer(Int64)
    /// A bulk string (`$3\r\nabc`), binary-safe; `nil` for a null bulk string (and a null array, see above).
    case bulkString(ByteBuffer?)
    /// An array (`*2\r\n…`), possibly nested; `nil` for a null array.
    case array([RESPValue]?)
}

extension RESPValue {
    /// The bytes of a bulk string as UTF-8 text (lossy), or a simple string; `nil` for other replies.
    var string: String? {
        switch self {
        case .simpleString(let text):
            return text
        case .bulkString(.some(let buffer)):
            return String(buffer: buffer)
        default:
            return nil
        }
    }

    /// The integer of an integer reply; `nil` for other replies.
    var integer: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }

    /// The elements of a non-null array; `nil` for other replies.
    var elements: [RESPValue]? {
        if case .array(.some(let values)) = self { return values }
        return nil
    }

    /// The message of an error reply; `nil` for other replies.
    var errorMessage: String? {
        if case .error(let message) = self { return message }
        return nil
    }
}
