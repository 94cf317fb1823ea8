import NIOCore
import SocketIORedis

/// The RESP reply reader on what a Redis server (or anything posing as one) could send, fed in
/// input-chosen reads: every reply comes out whole, or the reader reports a protocol error.
enum RESPReplyFuzzing {
    static func run(_ input: UnsafeRawBufferPointer) {
        guard let seed = input.first else { return }
        let reader = HiredisReplyReader()
        var splitter = FuzzSplitter(seed: seed)
        let allocator = ByteBufferAllocator()
        do {
            for chunk in splitter.chunks(of: UnsafeRawBufferPointer(rebasing: input.dropFirst())) {
                try reader.feed(ByteBuffer(bytes: chunk))
                while try reader.next(allocator: allocator) != nil {}
            }
        } catch {
            return
        }
    }
}
