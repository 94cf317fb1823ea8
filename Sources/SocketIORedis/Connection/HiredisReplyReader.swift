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
/// The bytes come from the network and are untrusted, so both of hiredis' allocations that a peer
/// controls are bounded: an array header may announce at most ``maxArrayElements`` elements (hiredis
/// 0.14 allocates the element table from the header alone), and the bytes of an unfinished reply may
/// add up to at most ``defaultMaxPendingBytes`` (Redis' own largest bulk string, 512 MiB, plus headroom).
/// Past either bound the reader reports a ``RedisProtocolError`` and the connection is closed.
///
/// Owns one `redisReader` (freed on deinit) and every `redisReply` it hands out (freed right after the
/// conversion). Not thread-safe: use it from one event loop, like the channel handler that owns it.
package final class HiredisReplyReader {
    /// The most elements an array reply may announce.
    package static let maxArrayElements: Int32 = 1 << 20
    /// The most bytes an unfinished reply may hold in the reader, unless told otherwise.
    package static let defaultMaxPendingBytes = 513 * 1024 * 1024

    /// The most bytes an unfinished reply may hold in this reader.
    package let maxPendingBytes: Int

    private let reader: UnsafeMutablePointer<redisReader>

    /// A new reader with hiredis' default reply objects, array headers bounded, unfinished replies
    /// bounded by `maxPendingBytes`.
    package init(maxPendingBytes: Int = HiredisReplyReader.defaultMaxPendingBytes) {
        self.maxPendingBytes = maxPendingBytes
        guard let reader = redisReaderCreateWithFunctions(boundedReplyFunctions) else {
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
        let pending = Int(clamping: self.reader.pointee.len) - Int(clamping: self.reader.pointee.pos)
        guard bytes.readableBytes <= self.maxPendingBytes - max(0, pending) else {
            throw RedisProtocolError(message: "a reply of more than \(self.maxPendingBytes) bytes")
        }
        let status = bytes.withUnsafeReadableBytes { raw -> Int32 in
            guard let base = raw.baseAddress else { return REDIS_OK }
            return redisReaderFeed(self.reader, base.assumingMemoryBound(to: CChar.self), raw.count)
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
        if message == "Out of memory" {
            return RedisProtocolError(message: "an array reply of more than \(Self.maxArrayElements) elements, or out of memory")
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

/// hiredis' own reply constructors (read once from a reader made with the defaults).
nonisolated(unsafe) private let hiredisDefaultFunctions: redisReplyObjectFunctions = {
    guard let reader = redisReaderCreate(), let functions = reader.pointee.fn else {
        fatalError("redisReaderCreate failed: out of memory")
    }
    defer { redisReaderFree(reader) }
    return functions.pointee
}()

/// The defaults with the array constructor refusing (hiredis then reports an error) a negative count or
/// more than ``HiredisReplyReader/maxArrayElements`` elements. Lives as long as the process: every
/// reader points at it.
nonisolated(unsafe) private let boundedReplyFunctions: UnsafeMutablePointer<redisReplyObjectFunctions> = {
    var functions = hiredisDefaultFunctions
    functions.createArray = { task, elements in
        guard elements >= 0, elements <= HiredisReplyReader.maxArrayElements, let create = hiredisDefaultFunctions.createArray else {
            return nil
        }
        return create(task, elements)
    }
    let pointer = UnsafeMutablePointer<redisReplyObjectFunctions>.allocate(capacity: 1)
    pointer.initialize(to: functions)
    return pointer
}()
