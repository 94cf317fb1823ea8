import CZlib
import NIOCore

/// The compressing half of permessage-deflate (RFC 7692 §7.2.1): raw DEFLATE (no zlib header),
/// each message ended with a sync flush whose empty-block tail (`00 00 ff ff`) is cut off.
///
/// One per WebSocket connection, used on the connection's event loop only. With context takeover
/// the sliding window carries over from message to message (better ratios on repetitive traffic);
/// with `noContextTakeover` the stream is reset after every message.
package final class EngineDeflater {
    private let stream: UnsafeMutablePointer<z_stream>
    private let noContextTakeover: Bool

    /// A compressor with a window of `2^windowBits` bytes (9...15; zlib's raw deflate cannot do 8),
    /// or nil when zlib refuses the parameters or has no memory.
    package init?(windowBits: Int, noContextTakeover: Bool, level: Int32 = Z_DEFAULT_COMPRESSION, memoryLevel: Int32 = 8) {
        guard (9...15).contains(windowBits), let bits = Int32(exactly: windowBits) else { return nil }
        guard let stream = ZlibStream.make({ czlib_deflate_init_raw($0, level, bits, memoryLevel) }) else { return nil }
        self.stream = stream
        self.noContextTakeover = noContextTakeover
    }

    deinit {
        ZlibStream.free(self.stream, end: deflateEnd)
    }

    /// The compressed payload of one whole message (the tail cut off), with `headroom` free bytes
    /// kept in front of its reader index (room for a frame header), or nil when zlib fails (the
    /// stream is then reset, and the message should go out uncompressed).
    package func compress(_ message: ByteBuffer, headroom: Int = 0) -> ByteBuffer? {
        let count = message.readableBytes
        guard let available = uInt(exactly: count), headroom >= 0 else { return nil }
        guard count > 0 else {
            // An empty message is one empty stored block's first byte (RFC 7692 §7.2.3.6); a second
            // sync flush with no input would give zlib nothing to write.
            var empty = ByteBuffer()
            empty.reserveCapacity(headroom + 1)
            empty.moveWriterIndex(to: headroom)
            empty.moveReaderIndex(to: headroom)
            empty.writeInteger(UInt8(0))
            return empty
        }
        let bound = Int(deflateBound(self.stream, uLong(available)))
        var output = ByteBuffer()
        // A sync flush adds an empty stored block (5 bytes) to what deflateBound allows for.
        output.reserveCapacity(headroom + bound + 16)
        output.moveWriterIndex(to: headroom)
        output.moveReaderIndex(to: headroom)
        let succeeded = message.withUnsafeReadableBytes { input -> Bool in
            self.stream.pointee.next_in = input.baseAddress.map { UnsafeMutablePointer(mutating: $0.assumingMemoryBound(to: Bytef.self)) }
            self.stream.pointee.avail_in = available
            defer {
                self.stream.pointee.next_in = nil
                self.stream.pointee.avail_in = 0
            }
            while true {
                var status = Z_OK
                var filled = false
                output.writeWithUnsafeMutableBytes(minimumWritableBytes: 64) { out in
                    let room = uInt(clamping: out.count)
                    self.stream.pointee.next_out = out.baseAddress?.assumingMemoryBound(to: Bytef.self)
                    self.stream.pointee.avail_out = room
                    status = deflate(self.stream, Z_SYNC_FLUSH)
                    filled = self.stream.pointee.avail_out == 0
                    let written = Int(room - self.stream.pointee.avail_out)
                    self.stream.pointee.next_out = nil
                    self.stream.pointee.avail_out = 0
                    return written
                }
                guard status == Z_OK || status == Z_BUF_ERROR else { return false }
                // Output room left over: all input consumed and the flush complete.
                if !filled { return self.stream.pointee.avail_in == 0 }
            }
        }
        guard succeeded, output.readableBytes >= 4,
            output.getBytes(at: output.writerIndex - 4, length: 4) == EngineDeflateTail.bytes
        else {
            deflateReset(self.stream)
            return nil
        }
        output.moveWriterIndex(to: output.writerIndex - 4)
        if self.noContextTakeover { deflateReset(self.stream) }
        return output
    }
}

/// The 4 bytes a sync flush ends with, cut from a compressed message and put back before inflating.
enum EngineDeflateTail {
    static let bytes: [UInt8] = [0x00, 0x00, 0xFF, 0xFF]
}
