import NIOCore
import SocketIO
import SocketIOProtocol
import SocketIORedis

/// What the streams adapter reads from Redis: XREAD/XRANGE replies (through the RESP reader), stream
/// entries (`id\0field\0value…`), entry ids, `data` fields and stored sessions. The first byte picks
/// the form. Nothing may trap; ids that are accepted must order and advance consistently, and a
/// session read back must encode to the same session.
enum RedisStreamFuzzing {
    static func run(_ input: UnsafeRawBufferPointer) {
        guard let selector = input.first else { return }
        let rest = UnsafeRawBufferPointer(rebasing: input.dropFirst())
        switch selector % 4 {
        case 0: Self.replies(rest)
        case 1: Self.entry(rest)
        case 2: Self.session(rest)
        default: _ = try? RedisStreamCodec.decodeData(String(decoding: rest, as: UTF8.self))
        }
    }

    private static func replies(_ bytes: UnsafeRawBufferPointer) {
        let reader = HiredisReplyReader()
        do {
            try reader.feed(ByteBuffer(bytes: bytes))
            while let reply = try reader.next(allocator: ByteBufferAllocator()) {
                var malformed = 0
                for entry in RedisStreamCodec.readEntries(reply, stream: "socket.io", malformed: &malformed)
                    + RedisStreamCodec.rangeEntries(reply, malformed: &malformed)
                {
                    guard RedisStreamCodec.isEntryID(entry.id) else { fuzzFinding("an entry with an invalid id came out: \(entry.id)") }
                    _ = try? RedisStreamCodec.envelope(of: entry)
                }
            }
        } catch {
            return
        }
    }

    private static func entry(_ bytes: UnsafeRawBufferPointer) {
        let parts = bytes.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        guard let id = parts.first else { return }
        if let order = RedisStreamCodec.order(id) {
            guard RedisStreamCodec.isEntryID(id) else { fuzzFinding("ordered an invalid id") }
            if let next = RedisStreamCodec.nextID(after: id) {
                guard let nextOrder = RedisStreamCodec.order(next), nextOrder > order else { fuzzFinding("nextID did not advance: \(id) → \(next)") }
            }
        } else if RedisStreamCodec.isEntryID(id) {
            fuzzFinding("a valid id without an order: \(id)")
        }
        var fields: [String: String] = [:]
        var index = 1
        while index + 1 < parts.count {
            fields[parts[index]] = parts[index + 1]
            index += 2
        }
        _ = try? RedisStreamCodec.envelope(of: RedisStreamEntry(id: id, fields: fields))
    }

    private static func session(_ bytes: UnsafeRawBufferPointer) {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let session = RedisStreamCodec.decodeSession(text, pid: "p") else { return }
        guard RedisStreamCodec.decodeSession(RedisStreamCodec.encodeSession(session), pid: "p") == session else {
            fuzzFinding("a session did not survive its own round trip")
        }
    }
}
