import NIOCore

/// The JSON arrays the scenarios emit, prebuilt once per run so that sending is a copy.
///
/// A fan-out payload is a JSON string of exactly `payloadSize` bytes: the publisher's send time as 16
/// zero-padded decimal digits (nanoseconds since the bench started), then filler.
struct EventBodies: Sendable {
    /// The handler style the bodies are for.
    let style: HandlerStyle
    /// Bytes of the payload string.
    let payloadSize: Int

    /// A style and payload size; the payload holds at least the 16 timestamp digits.
    init(style: HandlerStyle, payloadSize: Int) {
        self.style = style
        self.payloadSize = max(payloadSize, PacketScanner.timestampDigits)
    }

    /// `["echo","<payload>"]`.
    func echo() -> ByteBuffer {
        ByteBuffer(string: "[\"echo\",\"\(ASCII.filler(length: self.payloadSize))\"]")
    }

    /// `["join","<room>"]`.
    func join(room: String) -> ByteBuffer {
        ByteBuffer(string: "[\"join\",\(Self.quoted(room))]")
    }

    /// The publisher's request: a stamped payload to `room`, or to the whole namespace when nil.
    func fanout(room: String?) -> StampedBody {
        let filler = ASCII.filler(length: self.payloadSize - PacketScanner.timestampDigits)
        let prefix: String
        switch (self.style, room) {
        case (.bench, .some(let room)): prefix = "[\"to-room\",\(Self.quoted(room)),\""
        case (.bench, .none): prefix = "[\"broadcast\",\""
        case (.fixture, .some(let room)): prefix = "[\"emit-to\",{\"rooms\":[\(Self.quoted(room))]},\"to-room\",\""
        case (.fixture, .none): prefix = "[\"emit-to\",{},\"broadcast\",\""
        }
        return StampedBody(prefix: ByteBuffer(string: prefix), suffix: ByteBuffer(string: filler + "\"]"))
    }

    private static func quoted(_ text: String) -> String {
        precondition(text.utf8.allSatisfy { $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") })
        return "\"\(text)\""
    }
}

/// A body with the 16-digit timestamp between a fixed prefix and suffix.
struct StampedBody: Sendable {
    let prefix: ByteBuffer
    let suffix: ByteBuffer

    /// Appends the body stamped with `timestamp` (nanoseconds since ``Clock/epoch``).
    @inline(__always)
    func write(timestamp: UInt64, into buffer: inout ByteBuffer) {
        var prefix = self.prefix
        var suffix = self.suffix
        buffer.writeBuffer(&prefix)
        ASCII.writeDecimal(timestamp, width: PacketScanner.timestampDigits, into: &buffer)
        buffer.writeBuffer(&suffix)
    }
}
