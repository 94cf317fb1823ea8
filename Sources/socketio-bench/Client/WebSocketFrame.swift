import NIOCore

/// The frame header of a server-to-client WebSocket frame (RFC 6455 §5.2), read in place.
///
/// The bench client parses frames straight out of the received bytes instead of going through
/// `NIOWebSocket`'s frame decoder: a fan-out receiver handles hundreds of thousands of frames per second
/// on a core it shares with the server, and only needs the opcode and a view of the payload.
struct WebSocketFrameHeader: Equatable {
    /// The final fragment of a message.
    var fin: Bool
    /// RSV1: the message this frame starts is compressed (permessage-deflate).
    var compressed = false
    /// The opcode (low four bits of the first byte).
    var opcode: WebSocketOpcode
    /// Bytes before the payload: 2, 4 or 10 (servers never mask).
    var headerLength: Int
    /// Bytes of payload.
    var payloadLength: Int

    /// Header plus payload.
    var frameLength: Int { self.headerLength + self.payloadLength }
}

/// The opcodes of RFC 6455 §5.2.
enum WebSocketOpcode: UInt8 {
    case continuation = 0x0
    case text = 0x1
    case binary = 0x2
    case close = 0x8
    case ping = 0x9
    case pong = 0xA

    /// Control frames may not be fragmented and carry at most 125 bytes.
    var isControl: Bool { self.rawValue & 0x8 != 0 }
}

/// What the bytes at hand hold.
enum WebSocketFrameParse: Equatable {
    /// A complete header; the payload may still be incomplete (compare ``WebSocketFrameHeader/frameLength``).
    case header(WebSocketFrameHeader)
    /// Not even the header is complete yet.
    case needMoreBytes
    /// A frame no server may send.
    case invalid(String)
}

enum WebSocketFrameCodec {
    /// The largest frame the bench accepts (Engine.IO's default maxPayload is 1 MB).
    static let maxPayloadLength = 16 << 20

    /// Reads the header at the start of `bytes`.
    /// RSV1 is allowed on the first frame of a data message when `deflate` was negotiated.
    static func parseHeader(_ bytes: UnsafeRawBufferPointer, deflate: Bool = false) -> WebSocketFrameParse {
        guard bytes.count >= 2 else { return .needMoreBytes }
        let first = bytes[0]
        let second = bytes[1]
        let compressed = first & 0x40 != 0
        guard first & 0x30 == 0, !compressed || deflate else { return .invalid("reserved bits set (no extension was negotiated)") }
        guard let opcode = WebSocketOpcode(rawValue: first & 0x0F) else { return .invalid("unknown opcode \(first & 0x0F)") }
        if compressed, opcode != .text, opcode != .binary { return .invalid("RSV1 on a continuation or control frame") }
        guard second & 0x80 == 0 else { return .invalid("masked frame from the server") }
        let fin = first & 0x80 != 0
        var length = Int(second & 0x7F)
        var headerLength = 2
        if length == 126 {
            guard bytes.count >= 4 else { return .needMoreBytes }
            length = Int(bytes[2]) << 8 | Int(bytes[3])
            headerLength = 4
        } else if length == 127 {
            guard bytes.count >= 10 else { return .needMoreBytes }
            var value: UInt64 = 0
            for index in 2..<10 { value = value << 8 | UInt64(bytes[index]) }
            guard value <= UInt64(Self.maxPayloadLength) else { return .invalid("frame of \(value) bytes") }
            length = Int(value)
            headerLength = 10
        }
        guard length <= Self.maxPayloadLength else { return .invalid("frame of \(length) bytes") }
        if opcode.isControl, !fin || length > 125 { return .invalid("malformed control frame") }
        return .header(WebSocketFrameHeader(fin: fin, compressed: compressed, opcode: opcode, headerLength: headerLength, payloadLength: length))
    }

    /// Appends a masked client frame holding `payload` to `out`, as RFC 6455 §5.3 requires of clients.
    static func writeMaskedFrame(
        opcode: WebSocketOpcode, payload: UnsafeRawBufferPointer, maskKey: UInt32, compressed: Bool = false, into out: inout ByteBuffer
    ) {
        let length = payload.count
        out.writeInteger(0x80 | (compressed ? 0x40 : 0) | opcode.rawValue)
        if length < 126 {
            out.writeInteger(UInt8(0x80 | length))
        } else if length <= 0xFFFF {
            out.writeInteger(UInt8(0x80 | 126))
            out.writeInteger(UInt16(length))
        } else {
            out.writeInteger(UInt8(0x80 | 127))
            out.writeInteger(UInt64(length))
        }
        out.writeInteger(maskKey)
        guard length > 0 else { return }
        out.writeWithUnsafeMutableBytes(minimumWritableBytes: length) { target in
            let mask: (UInt8, UInt8, UInt8, UInt8) = (
                UInt8(truncatingIfNeeded: maskKey >> 24), UInt8(truncatingIfNeeded: maskKey >> 16),
                UInt8(truncatingIfNeeded: maskKey >> 8), UInt8(truncatingIfNeeded: maskKey)
            )
            var index = 0
            while index + 4 <= length {
                target[index] = payload[index] ^ mask.0
                target[index + 1] = payload[index + 1] ^ mask.1
                target[index + 2] = payload[index + 2] ^ mask.2
                target[index + 3] = payload[index + 3] ^ mask.3
                index += 4
            }
            while index < length {
                let shift = UInt32(24 - 8 * (index & 3))
                target[index] = payload[index] ^ UInt8(truncatingIfNeeded: maskKey >> shift)
                index += 1
            }
            return length
        }
    }

    /// The bytes a frame of `payloadLength` bytes takes on the wire from a client.
    static func maskedFrameLength(payloadLength: Int) -> Int {
        let extended = payloadLength < 126 ? 0 : (payloadLength <= 0xFFFF ? 2 : 8)
        return 2 + extended + 4 + payloadLength
    }
}

/// A cheap, non-cryptographic generator for WebSocket mask keys and keys of the upgrade request.
///
/// RFC 6455 wants unpredictable masks to protect intermediaries from cache poisoning; on loopback against
/// our own server the point is only to do the same work a browser does, so xorshift is enough.
struct XorShiftGenerator {
    private var state: UInt64

    /// Seeds the generator (any seed; zero is replaced).
    init(seed: UInt64) {
        self.state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed
    }

    /// The next 64 pseudo-random bits.
    mutating func next() -> UInt64 {
        self.state ^= self.state << 13
        self.state ^= self.state >> 7
        self.state ^= self.state << 17
        return self.state
    }

    /// The next 32 pseudo-random bits.
    mutating func next32() -> UInt32 {
        UInt32(truncatingIfNeeded: self.next() >> 16)
    }
}
