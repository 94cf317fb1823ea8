import EngineIO
import MessagePack
import NIOCore
import OrderedCollections
import SocketIO
import SocketIOProtocol

/// One entry of the adapter's stream: its id (`<ms>-<seq>`) and its field/value pairs.
package struct RedisStreamEntry: Sendable, Hashable {
    /// The entry id, which is also the offset clients see.
    package var id: String
    /// The entry's fields (`uid`, `nsp`, `type`, `data`); a repeated field keeps its last value.
    package var fields: [String: String]

    package init(id: String, fields: [String: String]) {
        self.id = id
        self.fields = fields
    }
}

/// The stream side of the streams adapter's wire format (wire-compatible with the reference
/// streams adapter): parsing `XREAD`/`XRANGE` replies, and turning cluster messages into entry
/// fields and back. Everything here is pure; everything read is untrusted.
package enum RedisStreamCodec {
    /// The longest entry id accepted (two 20-digit numbers and a dash).
    static let maxIDLength = 41

    /// Whether `text` is an entry id `<ms>-<seq>`: the offsets clients present are checked with it
    /// before they reach a command.
    package static func isEntryID(_ text: String) -> Bool {
        self.order(text) != nil
    }

    /// An entry id as a comparable pair (milliseconds, sequence); nil when it is not an entry id:
    /// two runs of digits joined by a dash, each a 64-bit number as in Redis, at most 41 characters.
    package static func order(_ id: String) -> (UInt64, UInt64)? {
        let bytes = id.utf8
        guard bytes.count <= maxIDLength, let dash = bytes.firstIndex(of: UInt8(ascii: "-")) else { return nil }
        guard let milliseconds = self.number(bytes[..<dash]), let sequence = self.number(bytes[bytes.index(after: dash)...]) else { return nil }
        return (milliseconds, sequence)
    }

    /// A non-empty run of ASCII digits as a 64-bit number; nil for anything else or an overflow.
    private static func number(_ digits: Substring.UTF8View) -> UInt64? {
        guard !digits.isEmpty else { return nil }
        var value: UInt64 = 0
        for byte in digits {
            guard self.isDigit(byte) else { return nil }
            let (shifted, overflowA) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflowB) = shifted.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            guard !overflowA, !overflowB else { return nil }
            value = sum
        }
        return value
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    /// The id right after `id` (same milliseconds, sequence + 1), for an exclusive range start;
    /// nil when `id` is not an entry id or its sequence cannot grow.
    package static func nextID(after id: String) -> String? {
        guard let (milliseconds, sequence) = self.order(id) else { return nil }
        let (next, overflow) = sequence.addingReportingOverflow(1)
        guard !overflow else { return nil }
        return "\(milliseconds)-\(next)"
    }

    /// The entries of an `XRANGE` reply (`[[id, [field, value, …]], …]`). Entries of the wrong shape
    /// are skipped and counted in `malformed`.
    package static func rangeEntries(_ reply: RESPValue, malformed: inout Int) -> [RedisStreamEntry] {
        guard let items = reply.elements else {
            malformed += reply == .bulkString(nil) || reply == .array(nil) ? 0 : 1
            return []
        }
        var entries: [RedisStreamEntry] = []
        entries.reserveCapacity(items.count)
        for item in items {
            guard let entry = self.entry(item) else {
                malformed += 1
                continue
            }
            entries.append(entry)
        }
        return entries
    }

    /// The entries of an `XREAD` reply for one stream (`[[stream, [[id, [f, v, …]], …]]]`, or a null
    /// reply when the block time passed without news).
    package static func readEntries(_ reply: RESPValue, stream: String, malformed: inout Int) -> [RedisStreamEntry] {
        guard let streams = reply.elements else {
            malformed += reply == .bulkString(nil) || reply == .array(nil) ? 0 : 1
            return []
        }
        var entries: [RedisStreamEntry] = []
        for item in streams {
            guard let pair = item.elements, pair.count == 2, pair[0].string == stream else {
                malformed += 1
                continue
            }
            entries += self.rangeEntries(pair[1], malformed: &malformed)
        }
        return entries
    }

    private static func entry(_ item: RESPValue) -> RedisStreamEntry? {
        guard let pair = item.elements, pair.count == 2, let id = pair[0].string, self.isEntryID(id),
            let values = pair[1].elements, values.count % 2 == 0
        else { return nil }
        var fields: [String: String] = [:]
        var index = 0
        while index < values.count {
            guard let name = values[index].string, let value = values[index + 1].string else { return nil }
            fields[name] = value
            index += 2
        }
        return RedisStreamEntry(id: id, fields: fields)
    }

    // MARK: Cluster messages

    /// The `XADD` field/value arguments of a cluster message: `uid`, `nsp`, `type` (decimal) and
    /// `data` (JSON, or base64 of MessagePack when it holds binary).
    static func fields(uid: String, namespace: String, type: ClusterMessageType, data: SocketIOValue?) -> [String] {
        var fields = ["uid", uid, "nsp", namespace, "type", String(type.rawValue)]
        if let data {
            fields += ["data", self.encodeData(data)]
        }
        return fields
    }

    /// `data`'s text: JSON unless it holds binary, then base64 of its MessagePack.
    package static func encodeData(_ data: SocketIOValue) -> String {
        if data.containsBinary {
            var buffer = ByteBuffer()
            Base64.encode(MessagePackEncoder.encode(data.messagePackValue), into: &buffer)
            return String(buffer: buffer)
        }
        return JSONSerializer.string(from: data)
    }

    /// The envelope `{uid, nsp, type, data}` of an entry, in the shape the cluster message handler
    /// reads; throws what the entry lacks.
    package static func envelope(of entry: RedisStreamEntry) throws(RedisInboundDrop) -> SocketIOValue {
        guard let uid = entry.fields["uid"], let namespace = entry.fields["nsp"], let typeText = entry.fields["type"] else {
            throw RedisInboundDrop(.malformedEnvelope, "entry without uid, nsp or type")
        }
        guard typeText.utf8.count <= 3, typeText.utf8.allSatisfy(isDigit), let type = Int(typeText) else {
            throw RedisInboundDrop(.malformedEnvelope, "type is not a small decimal number")
        }
        var envelope: OrderedDictionary<String, SocketIOValue> = ["uid": .string(uid), "nsp": .string(namespace), "type": .int(type)]
        if let text = entry.fields["data"] {
            envelope["data"] = try self.decodeData(text)
        }
        return .object(envelope)
    }

    /// Reads a `data` field: `{…}` is JSON, anything else base64 of MessagePack.
    package static func decodeData(_ text: String) throws(RedisInboundDrop) -> SocketIOValue {
        if text.utf8.first == UInt8(ascii: "{") {
            guard let value = try? JSONParser().parse(ByteBuffer(string: text)) else { throw RedisInboundDrop(.undecodable, "data is not JSON") }
            return value
        }
        guard let bytes = Base64.decode(text.utf8), let value = try? MessagePackDecoder().decode(bytes.readableBytesView) else {
            throw RedisInboundDrop(.undecodable, "data is neither JSON nor base64 MessagePack")
        }
        return SocketIOValue(messagePack: value)
    }

    // MARK: Sessions

    /// `sio:session:<pid>`'s value: base64 of the MessagePack map `{sid, pid, rooms, data}`.
    package static func encodeSession(_ session: SocketIOSessionSnapshot) -> String {
        let value: SocketIOValue = [
            "sid": .string(session.sid), "pid": .string(session.pid),
            "rooms": .array(session.rooms.map(SocketIOValue.string)), "data": session.data,
        ]
        var buffer = ByteBuffer()
        Base64.encode(MessagePackEncoder.encode(value.messagePackValue), into: &buffer)
        return String(buffer: buffer)
    }

    /// A session read back; nil when the value is not exactly that shape (or names another pid).
    package static func decodeSession(_ text: String, pid: String) -> SocketIOSessionSnapshot? {
        guard let bytes = Base64.decode(text.utf8), let decoded = try? MessagePackDecoder().decode(bytes.readableBytesView) else { return nil }
        let value = SocketIOValue(messagePack: decoded)
        guard let sid = value["sid"]?.stringValue, !sid.isEmpty, value["pid"]?.stringValue == pid,
            case .array(let roomValues)? = value["rooms"]
        else { return nil }
        var rooms: [String] = []
        rooms.reserveCapacity(roomValues.count)
        for room in roomValues {
            guard let name = RedisInboundFields.roomName(room) else { return nil }
            rooms.append(name)
        }
        return SocketIOSessionSnapshot(sid: sid, pid: pid, rooms: rooms, data: value["data"] ?? .null)
    }

    /// Whether a broadcast with `options` reached a session in `rooms` (the reference's rule: no rooms
    /// or a shared room, and no room of the session excluded).
    static func reaches(_ options: SocketIOBroadcastOptions, sessionRooms rooms: [String]) -> Bool {
        let included = options.rooms.isEmpty || rooms.contains { options.rooms.contains($0) }
        return included && !rooms.contains { options.except.contains($0) }
    }
}
