import NIOCore

/// The header of a frame the server sends (RFC 6455 §5.2): FIN, the opcode and a 7-, 16- or 64-bit
/// payload length, never a masking key (a server does not mask).
enum EngineWebSocketFrameHeader {
    /// The longest server header: 2 bytes and a 64-bit length.
    static let maxLength = 10

    /// The header's size for a payload of `payloadLength` bytes.
    @inline(__always)
    static func length(payloadLength: Int) -> Int {
        payloadLength < 126 ? 2 : (payloadLength <= Int(UInt16.max) ? 4 : 10)
    }

    /// Writes the header of a final frame at `index` of `buffer` (which must have room for it);
    /// `compressed` sets RSV1 (a permessage-deflate message).
    @inline(__always)
    static func set(opcode: UInt8, payloadLength: Int, compressed: Bool = false, in buffer: inout ByteBuffer, at index: Int) {
        let first = UInt16(0x80 | (compressed ? 0x40 : 0) | opcode) << 8
        if payloadLength < 126 {
            buffer.setInteger(first | UInt16(payloadLength), at: index)
        } else if payloadLength <= Int(UInt16.max) {
            buffer.setInteger(first | 126, at: index)
            buffer.setInteger(UInt16(payloadLength), at: index + 2)
        } else {
            buffer.setInteger(first | 127, at: index)
            buffer.setInteger(UInt64(payloadLength), at: index + 2)
        }
    }

    /// Appends the header of a final frame to `buffer`.
    @inline(__always)
    static func write(opcode: UInt8, payloadLength: Int, compressed: Bool = false, to buffer: inout ByteBuffer) {
        let length = self.length(payloadLength: payloadLength)
        buffer.reserveCapacity(minimumWritableBytes: length)
        self.set(opcode: opcode, payloadLength: payloadLength, compressed: compressed, in: &buffer, at: buffer.writerIndex)
        buffer.moveWriterIndex(forwardBy: length)
    }
}
