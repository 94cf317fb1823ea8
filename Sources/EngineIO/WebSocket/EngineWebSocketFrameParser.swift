import NIOCore
import NIOWebSocket

/// Turns the bytes a WebSocket client sends (RFC 6455 §5) into whole messages and control frames,
/// with no channel: feed each read to ``next(from:)`` until it returns nil.
///
/// The parser never keeps the bytes it is given. A frame's payload is unmasked (8 bytes at a time)
/// straight from the input into the buffer that will carry the message, as the bytes arrive; only
/// the bytes of a header split across reads (at most 13) are kept aside. So an idle connection's
/// parser holds no buffer, and a message in progress holds its payload so far and nothing else
/// (never more than ``maxMessageSize``: a too-big frame is refused from its header).
///
/// After a close frame or a protocol error the parser is finished: it reports nothing more and
/// discards whatever it is given.
package struct EngineWebSocketFrameParser {
    /// What a complete frame (or message) means.
    package enum Event: Equatable {
        /// A complete text message (fragments reassembled), unmasked, valid UTF-8.
        case text(ByteBuffer)
        /// A complete binary message (fragments reassembled), unmasked.
        case binary(ByteBuffer)
        /// A complete text message compressed with permessage-deflate (its first frame had RSV1):
        /// the raw DEFLATE bytes, to be inflated (and then checked as UTF-8).
        case compressedText(ByteBuffer)
        /// A complete binary message compressed with permessage-deflate: the raw DEFLATE bytes.
        case compressedBinary(ByteBuffer)
        /// A ping and its payload (to be answered with a pong carrying the same payload).
        case ping(ByteBuffer)
        /// A pong (unsolicited or not; nothing to do).
        case pong(ByteBuffer)
        /// A close frame: its status code (nil when the frame carried none) and the reason bytes.
        case close(code: UInt16?, reason: ByteBuffer)
        /// The client broke the protocol: close the connection with `code` (1002, 1007 for a text
        /// message or close reason that is not UTF-8, or 1009).
        case failure(WebSocketErrorCode)
    }

    /// The largest message accepted (a single frame's payload, and the sum of a fragmented message's).
    package let maxMessageSize: Int
    /// permessage-deflate was negotiated: RSV1 may mark the first frame of a data message as compressed.
    package let perMessageDeflate: Bool

    /// Bytes of a header that arrived split across reads (nil when no header is in progress).
    private var headerBytes: ByteBuffer?
    /// The frame whose payload is being read (nil: the next byte starts a header).
    private var frame: Header?
    /// Payload bytes of ``frame`` still to come.
    private var remaining = 0
    /// Payload bytes of ``frame`` already unmasked (selects the mask byte for the next one).
    private var unmasked = 0
    /// The payload of the control frame being read.
    private var control: ByteBuffer?
    /// The payload of the data message being read (its first frame and any continuations so far).
    private var message: ByteBuffer?
    /// The opcode of the message being read (text or binary), 0 when no message is open.
    private var messageOpcode: UInt8 = 0
    /// The message being read is compressed (its first frame had RSV1).
    private var messageCompressed = false
    /// A close frame or a protocol error ended the stream.
    private var finished = false

    /// A parser for messages of at most `maxMessageSize` bytes (on the wire, so compressed messages
    /// are bounded before they are inflated), with RSV1 allowed when `perMessageDeflate` is on.
    package init(maxMessageSize: Int, perMessageDeflate: Bool = false) {
        self.maxMessageSize = maxMessageSize
        self.perMessageDeflate = perMessageDeflate
    }

    /// Whether the parser holds no bytes at all (between frames, no message open).
    package var isIdle: Bool {
        self.headerBytes == nil && self.frame == nil && self.control == nil && self.message == nil
    }

    /// Consumes bytes from `input` up to the end of the next complete event and returns it, or
    /// consumes all of `input` and returns nil when it holds no further complete event.
    package mutating func next(from input: inout ByteBuffer) -> Event? {
        while !self.finished {
            if self.frame == nil {
                switch self.readHeader(from: &input) {
                case .needMoreBytes:
                    return nil
                case .failure(let code):
                    return self.fail(code)
                case .header(let header):
                    self.begin(header)
                }
            }
            if self.remaining > 0 {
                guard self.unmaskPayload(from: &input) else { return nil }
            }
            if let event = self.completeFrame() { return event }
        }
        input.moveReaderIndex(to: input.writerIndex)
        return nil
    }

    // MARK: - Headers

    /// A frame header (RFC 6455 §5.2) that passed every check.
    private struct Header {
        var fin: Bool
        var opcode: UInt8
        /// RSV1: the message this frame starts is compressed.
        var compressed: Bool
        var length: Int
        /// The masking key as it sits in memory (its bytes in wire order).
        var maskKey: UInt32
    }

    private enum HeaderRead {
        case needMoreBytes
        case header(Header)
        case failure(WebSocketErrorCode)
    }

    /// Reads the next header from `input`, or from the bytes kept from earlier reads plus `input`.
    private mutating func readHeader(from input: inout ByteBuffer) -> HeaderRead {
        if self.headerBytes == nil {
            let parse = input.withUnsafeReadableBytes { self.parseHeader($0) }
            switch parse {
            case .complete(let header, let length):
                input.moveReaderIndex(forwardBy: length)
                return .header(header)
            case .invalid(let code):
                return .failure(code)
            case .incomplete:
                if input.readableBytes > 0 {
                    var kept = ByteBuffer()
                    kept.reserveCapacity(Self.maxHeaderLength)
                    kept.writeBuffer(&input)
                    self.headerBytes = kept
                }
                return .needMoreBytes
            }
        }
        while true {
            let parse = self.headerBytes!.withUnsafeReadableBytes { self.parseHeader($0) }
            switch parse {
            case .complete(let header, _):
                self.headerBytes = nil
                return .header(header)
            case .invalid(let code):
                return .failure(code)
            case .incomplete(let needed):
                let take = min(needed - self.headerBytes!.readableBytes, input.readableBytes)
                guard take > 0, var bytes = input.readSlice(length: take) else { return .needMoreBytes }
                self.headerBytes!.writeBuffer(&bytes)
            }
        }
    }

    private enum HeaderParse {
        /// At least `needed` bytes make the header (2 until the length field is known).
        case incomplete(needed: Int)
        case complete(Header, length: Int)
        case invalid(WebSocketErrorCode)
    }

    /// The longest header: 2 bytes, a 64-bit length and a masking key.
    static let maxHeaderLength = 14

    /// Checks and decodes a header from the start of `bytes`, refusing a frame as soon as the bytes
    /// that show it is invalid are there.
    private func parseHeader(_ bytes: UnsafeRawBufferPointer) -> HeaderParse {
        guard bytes.count >= 2 else { return .incomplete(needed: 2) }
        let first = bytes[0]
        let second = bytes[1]
        let fin = first & 0x80 != 0
        let opcode = first & 0x0F
        let shortLength = Int(second & 0x7F)
        // RSV2 and RSV3 belong to no extension in use; RSV1 only with permessage-deflate, and only on
        // the first frame of a data message (RFC 7692 §6.1: never on continuations or control frames).
        let compressed = first & 0x40 != 0
        guard first & 0x30 == 0 else { return .invalid(.protocolError) }
        if compressed {
            guard self.perMessageDeflate, opcode == Opcode.text || opcode == Opcode.binary else { return .invalid(.protocolError) }
        }
        // A client must mask every frame (§5.1).
        guard second & 0x80 != 0 else { return .invalid(.protocolError) }
        switch opcode {
        case Opcode.continuation:
            guard self.messageOpcode != 0 else { return .invalid(.protocolError) }
        case Opcode.text, Opcode.binary:
            guard self.messageOpcode == 0 else { return .invalid(.protocolError) }
        case Opcode.close, Opcode.ping, Opcode.pong:
            guard fin, shortLength <= 125 else { return .invalid(.protocolError) }
        default:
            return .invalid(.protocolError)
        }
        let lengthBytes = shortLength == 126 ? 2 : (shortLength == 127 ? 8 : 0)
        let headerLength = 2 + lengthBytes + 4
        guard bytes.count >= 2 + lengthBytes else { return .incomplete(needed: headerLength) }
        let length: Int
        switch lengthBytes {
        case 2:
            length = Int(UInt16(bigEndian: bytes.loadUnaligned(fromByteOffset: 2, as: UInt16.self)))
        case 8:
            let wide = UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 2, as: UInt64.self))
            guard wide & (1 << 63) == 0 else { return .invalid(.protocolError) }
            guard wide <= UInt64(Int.max) else { return .invalid(.messageTooLarge) }
            length = Int(wide)
        default:
            length = shortLength
        }
        if opcode < Opcode.close {
            let sofar = self.message?.readableBytes ?? 0
            guard length <= self.maxMessageSize - sofar else { return .invalid(.messageTooLarge) }
        }
        guard bytes.count >= headerLength else { return .incomplete(needed: headerLength) }
        let maskKey = bytes.loadUnaligned(fromByteOffset: 2 + lengthBytes, as: UInt32.self)
        return .complete(Header(fin: fin, opcode: opcode, compressed: compressed, length: length, maskKey: maskKey), length: headerLength)
    }

    // MARK: - Payloads

    /// The most reserved for a payload before its bytes arrive: a header alone can announce up to
    /// `maxMessageSize`, and thousands of connections doing so must not make the server allocate that
    /// much each. Larger payloads grow their buffer as they arrive.
    static let maxReservation = 64 * 1024

    /// Capacity held for the message being assembled (0 when none): what a slow sender costs.
    var reservedCapacity: Int { self.message?.capacity ?? 0 }

    /// Starts reading the payload of `header` into the buffer it belongs to.
    private mutating func begin(_ header: Header) {
        self.frame = header
        self.remaining = header.length
        self.unmasked = 0
        switch header.opcode {
        case Opcode.text, Opcode.binary:
            self.messageOpcode = header.opcode
            self.messageCompressed = header.compressed
            self.message = ByteBufferAllocator().buffer(capacity: min(header.length, Self.maxReservation))
        case Opcode.continuation:
            if header.length > 0 { self.message!.reserveCapacity(minimumWritableBytes: min(header.length, Self.maxReservation)) }
        default:
            if header.length > 0 { self.control = ByteBufferAllocator().buffer(capacity: header.length) }
        }
    }

    /// Unmasks as much of the current payload as `input` holds. Returns whether the payload is complete.
    private mutating func unmaskPayload(from input: inout ByteBuffer) -> Bool {
        let count = min(self.remaining, input.readableBytes)
        guard count > 0 else { return false }
        let key = Self.rotated(self.frame!.maskKey, by: self.unmasked & 3)
        input.withUnsafeReadableBytes { source in
            let source = UnsafeRawBufferPointer(rebasing: source.prefix(count))
            if self.frame!.opcode < Opcode.close {
                self.message!.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { destination in
                    Self.unmask(source, into: destination.baseAddress!, key: key)
                    return count
                }
            } else {
                self.control!.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { destination in
                    Self.unmask(source, into: destination.baseAddress!, key: key)
                    return count
                }
            }
        }
        input.moveReaderIndex(forwardBy: count)
        self.remaining -= count
        self.unmasked += count
        return self.remaining == 0
    }

    /// Ends the frame whose payload is complete; returns its event, if it completes one.
    private mutating func completeFrame() -> Event? {
        let header = self.frame!
        self.frame = nil
        switch header.opcode {
        case Opcode.text, Opcode.binary, Opcode.continuation:
            guard header.fin else { return nil }
            let payload = self.message!
            let opcode = self.messageOpcode
            let compressed = self.messageCompressed
            self.message = nil
            self.messageOpcode = 0
            self.messageCompressed = false
            if compressed { return opcode == Opcode.text ? .compressedText(payload) : .compressedBinary(payload) }
            guard opcode == Opcode.text else { return .binary(payload) }
            // §8.1: a text message that is not UTF-8 fails the connection (1007, as `ws` closes it).
            guard payload.withUnsafeReadableBytes(UTF8Validation.isValid) else { return self.fail(.dataInconsistentWithMessage) }
            return .text(payload)
        default:
            var payload = self.control ?? ByteBuffer()
            self.control = nil
            switch header.opcode {
            case Opcode.ping:
                return .ping(payload)
            case Opcode.pong:
                return .pong(payload)
            default:
                self.finish()
                // §5.5.1: no payload, or a 2-byte status code and a UTF-8 reason; §7.4: a code that
                // may not be sent on the wire (1004-1006, 1015, under 1000, 5000 and up) fails the
                // connection, as the reference's `ws` does.
                guard payload.readableBytes != 1 else { return .failure(.protocolError) }
                let code = payload.readInteger(as: UInt16.self)
                if let code, !Self.isValidCloseCode(code) { return .failure(.protocolError) }
                guard payload.withUnsafeReadableBytes(UTF8Validation.isValid) else {
                    return .failure(.dataInconsistentWithMessage)
                }
                return .close(code: code, reason: payload)
            }
        }
    }

    /// Whether a client may send `code` in a close frame (RFC 6455 §7.4, the IANA registry).
    static func isValidCloseCode(_ code: UInt16) -> Bool {
        switch code {
        case 1000...1003, 1007...1014, 3000...4999: return true
        default: return false
        }
    }

    private mutating func fail(_ code: WebSocketErrorCode) -> Event {
        self.finish()
        return .failure(code)
    }

    /// Drops everything held; later input is ignored.
    private mutating func finish() {
        self.finished = true
        self.headerBytes = nil
        self.frame = nil
        self.control = nil
        self.message = nil
        self.messageOpcode = 0
        self.messageCompressed = false
        self.remaining = 0
    }

    // MARK: - Unmasking

    /// The masking key as it applies from payload byte `offset` (0...3) on: its bytes rotated.
    @inline(__always)
    static func rotated(_ key: UInt32, by offset: Int) -> UInt32 {
        guard offset != 0 else { return key }
        let little = key.littleEndian
        let shift = UInt32(offset * 8)
        return UInt32(littleEndian: little >> shift | little << (32 - shift))
    }

    /// XORs `source` with the repeating 4-byte `key` (as it sits in memory) into `destination`,
    /// 8 bytes at a time.
    @inline(__always)
    static func unmask(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawPointer, key: UInt32) {
        let count = source.count
        guard count > 0 else { return }
        let base = source.baseAddress!
        let wide = UInt64(key) | UInt64(key) << 32
        var index = 0
        while index &+ 8 <= count {
            let word = base.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            destination.storeBytes(of: word ^ wide, toByteOffset: index, as: UInt64.self)
            index &+= 8
        }
        withUnsafeBytes(of: key) { keyBytes in
            while index < count {
                destination.storeBytes(of: source[index] ^ keyBytes[index & 3], toByteOffset: index, as: UInt8.self)
                index &+= 1
            }
        }
    }

    /// WebSocket opcodes (RFC 6455 §5.2).
    enum Opcode {
        static let continuation: UInt8 = 0x0
        static let text: UInt8 = 0x1
        static let binary: UInt8 = 0x2
        static let close: UInt8 = 0x8
        static let ping: UInt8 = 0x9
        static let pong: UInt8 = 0xA
    }
}
