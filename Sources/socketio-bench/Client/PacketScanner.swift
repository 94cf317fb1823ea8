/// Minimal readers for the few Socket.IO packets the bench client cares about, working on raw bytes.
///
/// The bench never decodes JSON on its hot path: a fan-out receiver only needs the event name (to tell a
/// `broadcast`/`to-room` delivery from anything else) and the send timestamp the publisher put in the first
/// 16 bytes of the first string argument; an echo client only needs the ack id.
enum PacketScanner {
    /// The event names that count as a delivered fan-out message.
    enum EventKind: Equatable {
        /// `broadcast` or `to-room`: a fan-out delivery.
        case delivery
        /// Anything else (for instance the fixture's `welcome`).
        case other
    }

    /// Digits of the zero-padded send timestamp at the start of a fan-out payload.
    static let timestampDigits = 16

    /// Reads an EVENT packet `2[<ackId>]["name",...]` (the Socket.IO part, after the Engine.IO `4`) whose
    /// first byte is at `start`. Returns nil when it is not a well-formed event on `/`.
    static func scanEvent(_ bytes: UnsafeRawBufferPointer, from start: Int) -> (kind: EventKind, timestamp: UInt64?)? {
        var index = start
        let end = bytes.count
        // Optional ack id (a server emitting with an ack), then the array.
        while index < end, bytes[index] &- UInt8(ascii: "0") < 10 { index += 1 }
        guard index + 2 < end, bytes[index] == UInt8(ascii: "["), bytes[index + 1] == UInt8(ascii: "\"") else { return nil }
        let nameStart = index + 2
        var nameEnd = nameStart
        while nameEnd < end, bytes[nameEnd] != UInt8(ascii: "\"") { nameEnd += 1 }
        guard nameEnd < end else { return nil }
        let kind: EventKind = Self.isDeliveryName(bytes, from: nameStart, to: nameEnd) ? .delivery : .other
        guard kind == .delivery else { return (kind, nil) }
        // `,"` then up to 16 digits.
        index = nameEnd + 1
        guard index + 1 < end, bytes[index] == UInt8(ascii: ","), bytes[index + 1] == UInt8(ascii: "\"") else {
            return (kind, nil)
        }
        index += 2
        let digitsEnd = min(index + Self.timestampDigits, end)
        var value: UInt64 = 0
        var digits = 0
        while index < digitsEnd {
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit < 10 else { break }
            value = value &* 10 &+ UInt64(digit)
            digits += 1
            index += 1
        }
        return (kind, digits == Self.timestampDigits ? value : nil)
    }

    /// Reads the id of an ACK packet `3<id>[...]` whose digits start at `start`.
    static func scanAckID(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        var index = start
        var value = 0
        var digits = 0
        while index < bytes.count {
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit < 10 else { break }
            guard digits < 18 else { return nil }
            value = value * 10 + Int(digit)
            digits += 1
            index += 1
        }
        guard digits > 0, index < bytes.count, bytes[index] == UInt8(ascii: "[") else { return nil }
        return value
    }

    /// Reads an EVENT of the msgpack parser in the shape the server writes (`{type: 2, data: [name, ...],
    /// nsp, id?}`, `type` first, the name a fixstr) without decoding it: the kind, and for a delivery the
    /// timestamp at the start of the second element. Nil when the bytes do not start that way (the caller
    /// then decodes them). The namespace is not checked: the bench joins only `/`.
    static func scanMsgPackEvent(_ bytes: UnsafeRawBufferPointer) -> (kind: EventKind, timestamp: UInt64?)? {
        let head = Self.msgpackEventHead
        guard bytes.count > head.count + 3, bytes[0] == 0x83 || bytes[0] == 0x84 else { return nil }
        for offset in 0..<head.count where bytes[1 + offset] != head[offset] { return nil }
        var index = 1 + head.count
        let arrayHeader = bytes[index]
        guard arrayHeader & 0xF0 == 0x90, arrayHeader & 0x0F >= 1 else { return nil }
        index += 1
        let nameHeader = bytes[index]
        guard nameHeader & 0xE0 == 0xA0 else { return nil }
        let nameStart = index + 1
        let nameEnd = nameStart + Int(nameHeader & 0x1F)
        guard nameEnd <= bytes.count else { return nil }
        guard Self.isDeliveryName(bytes, from: nameStart, to: nameEnd) else { return (.other, nil) }
        index = nameEnd
        guard arrayHeader & 0x0F >= 2, index < bytes.count else { return (.delivery, nil) }
        switch bytes[index] {
        case 0xA0...0xBF: index += 1
        case 0xD9: index += 2
        case 0xDA: index += 3
        case 0xDB: index += 5
        default: return (.delivery, nil)
        }
        guard index + Self.timestampDigits <= bytes.count else { return (.delivery, nil) }
        var value: UInt64 = 0
        for offset in 0..<Self.timestampDigits {
            let digit = bytes[index + offset] &- UInt8(ascii: "0")
            guard digit < 10 else { return (.delivery, nil) }
            value = value &* 10 &+ UInt64(digit)
        }
        return (.delivery, value)
    }

    /// `"type"`, 2, `"data"`: how the server's msgpack EVENT packets continue after the map header.
    private static let msgpackEventHead: [UInt8] = [0xA4] + Array("type".utf8) + [0x02, 0xA4] + Array("data".utf8)

    /// `true` for `broadcast` and `to-room`.
    static func isDeliveryName(_ name: String) -> Bool {
        name == "broadcast" || name == "to-room"
    }

    /// The send timestamp in the first 16 bytes of a fan-out payload, nil unless they are all digits.
    static func timestamp(prefixOf payload: String) -> UInt64? {
        var value: UInt64 = 0
        var digits = 0
        for byte in payload.utf8.prefix(Self.timestampDigits) {
            let digit = byte &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            value = value &* 10 &+ UInt64(digit)
            digits += 1
        }
        return digits == Self.timestampDigits ? value : nil
    }

    private static let broadcastName = Array("broadcast".utf8)
    private static let toRoomName = Array("to-room".utf8)

    private static func isDeliveryName(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int) -> Bool {
        let length = end - start
        if length == 7 { return Self.matches(bytes, start, Self.toRoomName) }
        if length == 9 { return Self.matches(bytes, start, Self.broadcastName) }
        return false
    }

    private static func matches(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ name: [UInt8]) -> Bool {
        for offset in 0..<name.count where bytes[start + offset] != name[offset] { return false }
        return true
    }
}
