import MessagePack
import NIOCore
import SocketIOProtocol

/// The event arguments the scenarios emit (`[name, ...args]`, the EVENT packet's data), prebuilt once per
/// run so that sending is a copy: JSON text for the default parser, a MessagePack array for msgpack.
///
/// A fan-out payload is a string of exactly `payloadSize` bytes: the publisher's send time as 16
/// zero-padded decimal digits (nanoseconds since the bench started), then filler.
struct EventBodies: Sendable {
    /// The handler style the bodies are for.
    let style: HandlerStyle
    /// Bytes of the payload string.
    let payloadSize: Int
    /// The packet format of the server.
    let parser: SocketIOParser

    /// A style and payload size; the payload holds at least the 16 timestamp digits.
    init(style: HandlerStyle, payloadSize: Int, parser: SocketIOParser = .default) {
        self.style = style
        self.payloadSize = max(payloadSize, PacketScanner.timestampDigits)
        self.parser = parser
    }

    /// `["echo","<payload>"]`.
    func echo() -> ByteBuffer {
        let payload = ASCII.filler(length: self.payloadSize)
        switch self.parser {
        case .default: return ByteBuffer(string: "[\"echo\",\"\(payload)\"]")
        case .msgpack: return ByteBuffer(bytes: MessagePackEncoder.encode(["echo", .string(payload)]))
        }
    }

    /// The byte count of the server's answer to request `id` of ``echo()``: `43<id>["<payload>"]`, or the
    /// msgpack map `{type: 3, data: ["<payload>"], nsp: "/", id}` (a cheap check that the arguments came back).
    func echoAckLength(id: Int) -> Int {
        switch self.parser {
        case .default:
            return 2 + String(id).utf8.count + 4 + self.payloadSize
        case .msgpack:
            let ack = SocketIOPacket.ack(id, [.string(ASCII.filler(length: self.payloadSize))])
            return (try? SocketIOMsgPackPacketEncoder.encode(ack).readableBytes) ?? -1
        }
    }

    /// `["join","<room>"]`.
    func join(room: String) -> ByteBuffer {
        switch self.parser {
        case .default: return ByteBuffer(string: "[\"join\",\(Self.quoted(room))]")
        case .msgpack: return ByteBuffer(bytes: MessagePackEncoder.encode(["join", .string(room)]))
        }
    }

    /// The publisher's request: a stamped payload to `room`, or to the whole namespace when nil.
    func fanout(room: String?) -> StampedBody {
        let filler = ASCII.filler(length: self.payloadSize - PacketScanner.timestampDigits)
        switch self.parser {
        case .default:
            let prefix: String
            switch (self.style, room) {
            case (.bench, .some(let room)): prefix = "[\"to-room\",\(Self.quoted(room)),\""
            case (.bench, .none): prefix = "[\"broadcast\",\""
            case (.fixture, .some(let room)): prefix = "[\"emit-to\",{\"rooms\":[\(Self.quoted(room))]},\"to-room\",\""
            case (.fixture, .none): prefix = "[\"emit-to\",{},\"broadcast\",\""
            }
            return StampedBody(prefix: ByteBuffer(string: prefix), suffix: ByteBuffer(string: filler + "\"]"))
        case .msgpack:
            let leading: [MessagePackValue]
            switch (self.style, room) {
            case (.bench, .some(let room)): leading = ["to-room", .string(room)]
            case (.bench, .none): leading = ["broadcast"]
            case (.fixture, .some(let room)): leading = ["emit-to", ["rooms": [.string(room)]], "to-room"]
            case (.fixture, .none): leading = ["emit-to", .map([]), "broadcast"]
            }
            // The payload is the last element: its bytes end the encoding, the digits first.
            let zeros = String(repeating: "0", count: PacketScanner.timestampDigits)
            let bytes = MessagePackEncoder.encode(.array(leading + [.string(zeros + filler)]))
            let digitsStart = bytes.count - self.payloadSize
            return StampedBody(
                prefix: ByteBuffer(bytes: bytes[..<digitsStart]),
                suffix: ByteBuffer(bytes: bytes[(digitsStart + PacketScanner.timestampDigits)...])
            )
        }
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
