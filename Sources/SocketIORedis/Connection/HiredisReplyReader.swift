import CHiredis
import NIOCore

/// The reply stream from Redis broke the protocol (hiredis' reader reported an error); the connection
/// cannot be used any more.
package struct RedisProtocolError: Error, Hashable, CustomStringConvertible {
    /// hiredis' description of the problem.
    var message: String

    package var description: String { "Redis protocol error: \(self.message)" }
}

/// Incremental RESP2 decoding with hiredis' reply reader: feed bytes as they arrive, take whole replies
/// out as ``RESPValue``s. A reply may span many feeds, and one feed may hold many replies.
///
/// Owns one `redisReader` (freed on deinit) and every `redisReply` it hands out (freed right after the
/// conversion). Not thread-safe: use it from one event loop, like the channel handler that owns it.
package final class HiredisReplyReader {
    private let reader: UnsafeMutablePointer<redisReader>

    /// A new reader with hiredis' default reply objects.
    package init() {
        guard let reader = redisReaderCreate() else {
            fatalError("redisReaderCreate failed: out of memory")
        }
        self.reader = reader
    }

    deinit {
        redisReaderFree(self.reader)
    }

    /// Appends the readable bytes of `bytes` to the reader's buffer (hiredis copies them).
    package func feed(_ bytes: ByteBuffer) throws(RedisProtocolError) {
        guard bytes.readableBytes > 0 else { return }
        let status = bytes.withUnsafeReadableBytes { raw -> Int32 in
            redisReaderFeed(self.reader, raw.baseAddress!.assumingMemoryBound(to: CChar.self), raw.count)
        }
        if status != REDIS_OK {
            throw self.currentError()
        }
    }

    /// The next complete reply, or `nil` when the bytes fed so far do not finish one.
    package func next(allocator: ByteBufferAllocator) throws(RedisProtocolError) -> RESPValue? {
        var raw: UnsafeMutableRawPointer?
        guard redisReaderGetReply(self.reader, &raw) == REDIS_OK else {
            throw self.currentError()
        }
        guard let raw else { return nil }
        defer { freeReplyObject(raw) }
        return Self.convert(raw.assumingMemoryBound(to: redisReply.self).pointee, allocator: allocator)
    }

    private func currentError() -> RedisProtocolError {
        let message = withUnsafeBytes(of: self.reader.pointee.errstr) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        return RedisProtocolError(message: message.isEmpty ? "unknown reader error" : message)
    }

    private static func convert(_ reply: redisReply, allocator: ByteBufferAllocator) -> RESPValue {
        switch reply.type {
        case REDIS_REPLY_STATUS:
            return .simpleString(Self.text(reply))
        case REDIS_REPLY_ERROR:
            return .error(Self.text(reply))
        case REDIS_REPLY_INTEGER:
            return .integer(Int64(reply.integer))
        case REDIS_REPLY_NIL:
            return .bulkString(nil)
        case REDIS_REPLY_STRING:
            var buffer = allocator.buffer(capacity: reply.len)
            if reply.len > 0, let bytes = reply.str {
                buffer.writeBytes(UnsafeRawBufferPointer(start: bytes, count: reply.len))
            }
            return .bulkString(buffer)
        case REDIS_REPLY_ARRAY:
            var values: [RESPValue] = []
            values.reserveCapacity(reply.elements)
            for index in 0..<reply.elements {
                if let element = reply.element[index] {
                    values.append(Self.convert(element.pointee, allocator: allocator))
                } else {
                    values.append(.bulkString(nil))
                }
            }
            return .array(values)
        default:
            // hiredis 0.14 knows no other types; RESP3 types would need hiredis ≥ 1.0.
            return .error("unsupported hiredis reply type \(reply.type)")
        }
    }

    private static func text(_ reply: redisReply) -> String {
        guard reply.len > 0, let bytes = reply.str else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: bytes, count: reply.len), as: UTF8.self)
    }
}

@available(*, unavailable)
extension HiredisReplyReader: Sendable {}
