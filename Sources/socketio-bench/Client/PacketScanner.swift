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
