import CZlib
import NIOCore

/// The decompressing half of permessage-deflate (RFC 7692 §7.2.2): inflates one message's raw
/// DEFLATE bytes with the cut tail (`00 00 ff ff`) put back, into a bounded output.
///
/// The output never grows past `limit + 1` bytes (allocation rounds it up to a power of two): a small
/// frame that would inflate to gigabytes is stopped as soon as it passes the limit. One per
/// WebSocket connection, used on the connection's event loop only.
package final class EngineInflater {
    /// What one message inflated to.
    package enum Outcome: Equatable {
        /// The message's bytes.
        case inflated(ByteBuffer)
        /// The message inflates to more than the limit (close with 1009).
        case tooLarge
        /// The bytes are not valid DEFLATE data (close with 1007).
        case invalid
    }

    private let stream: UnsafeMutablePointer<z_stream>
    private let noContextTakeover: Bool

    /// Output grows by at most this many bytes per call into zlib.
    static let chunk = 32 * 1024

    /// A decompressor that accepts any window up to 2^15 (so whatever the peer's window bits are),
    /// or nil when zlib has no memory.
    package init?(noContextTakeover: Bool) {
        guard let stream = ZlibStream.make({ czlib_inflate_init_raw($0, 15) }) else { return nil }
        self.stream = stream
        self.noContextTakeover = noContextTakeover
    }

    deinit {
        ZlibStream.free(self.stream, end: inflateEnd)
    }

    /// Inflates one whole compressed message (its frames' payloads joined), allowing at most
    /// `limit` bytes of output.
    package func inflate(_ message: ByteBuffer, limit: Int) -> Outcome {
        guard limit >= 0, limit < Int.max else { return .tooLarge }
        var output = ByteBuffer()
        output.reserveCapacity(min(limit + 1, max(message.readableBytes * 4, 1024)))
        var status = message.withUnsafeReadableBytes { self.feed($0, into: &output, limit: limit) }
        if status == .more {
            status = EngineDeflateTail.bytes.withUnsafeBytes { self.feed($0, into: &output, limit: limit) }
        }
        switch status {
        case .more, .ended:
            if self.noContextTakeover || status == .ended { inflateReset(self.stream) }
            return .inflated(output)
        case .tooLarge:
            return .tooLarge
        case .invalid:
            inflateReset(self.stream)
            return .invalid
        }
    }

    private enum FeedStatus {
        /// All input consumed; the stream goes on.
        case more
        /// The stream's final block ended (input after it is ignored).
        case ended
        case tooLarge
        case invalid
    }

    /// Runs `input` through the stream, appending to `output` in chunks that never take it past
    /// `limit + 1` bytes.
    private func feed(_ input: UnsafeRawBufferPointer, into output: inout ByteBuffer, limit: Int) -> FeedStatus {
        guard let available = uInt(exactly: input.count) else { return .tooLarge }
        self.stream.pointee.next_in = input.baseAddress.map { UnsafeMutablePointer(mutating: $0.assumingMemoryBound(to: Bytef.self)) }
        self.stream.pointee.avail_in = available
        defer {
            self.stream.pointee.next_in = nil
            self.stream.pointee.avail_in = 0
        }
        while true {
            let allowed = limit + 1 - output.readableBytes
            guard allowed > 0 else { return .tooLarge }
            let room = min(allowed, Self.chunk)
            var status = Z_OK
            var filled = false
            output.writeWithUnsafeMutableBytes(minimumWritableBytes: room) { out in
                let offered = uInt(clamping: min(out.count, room))
                self.stream.pointee.next_out = out.baseAddress?.assumingMemoryBound(to: Bytef.self)
                self.stream.pointee.avail_out = offered
                status = CZlib.inflate(self.stream, Z_SYNC_FLUSH)
                filled = self.stream.pointee.avail_out == 0
                let written = Int(offered - self.stream.pointee.avail_out)
                self.stream.pointee.next_out = nil
                self.stream.pointee.avail_out = 0
                return written
            }
            if output.readableBytes > limit { return .tooLarge }
            switch status {
            case Z_STREAM_END:
                return .ended
            case Z_OK, Z_BUF_ERROR:
                // Output room left over means the input is used up (Z_BUF_ERROR: no progress possible).
                if !filled {
                    return self.stream.pointee.avail_in == 0 ? .more : .invalid
                }
            default:
                return .invalid
            }
        }
    }
}
