import SocketIO
import SocketIOProtocol

/// Typed, checked reads of the fields of a decoded cluster message. Each read either returns exactly
/// what the protocol allows or throws a ``RedisInboundDrop``; none of them traps or guesses.
enum RedisInboundFields {
    /// The largest ack id accepted from the wire: JavaScript's largest safe integer, the bound of every
    /// id a Node.js peer can produce.
    static let maxAckID = 9_007_199_254_740_991
    /// The largest ack timeout accepted from the wire, in milliseconds: Node's timer limit (2^31 - 1).
    static let maxTimeoutMilliseconds = 2_147_483_647

    /// A required string field.
    static func string(_ value: SocketIOValue?, _ name: String, _ reason: RedisInboundDropReason) throws(RedisInboundDrop) -> String {
        guard case .string(let text)? = value else { throw RedisInboundDrop(reason, "\(name) is not a string") }
        return text
    }

    /// An optional string field: absent or null gives nil, another type throws.
    static func optionalString(_ value: SocketIOValue?, _ name: String, _ reason: RedisInboundDropReason) throws(RedisInboundDrop) -> String? {
        switch value {
        case .none, .some(.null): return nil
        case .some(.string(let text)): return text
        default: throw RedisInboundDrop(reason, "\(name) is not a string")
        }
    }

    /// An optional boolean field: absent or null gives `defaultValue`, another type throws.
    static func bool(_ value: SocketIOValue?, _ name: String, default defaultValue: Bool, _ reason: RedisInboundDropReason) throws(RedisInboundDrop) -> Bool {
        switch value {
        case .none, .some(.null): return defaultValue
        case .some(.bool(let flag)): return flag
        default: throw RedisInboundDrop(reason, "\(name) is not a boolean")
        }
    }

    /// A required integer field within `range` (a double counts when it is a whole number in range).
    static func integer(_ value: SocketIOValue?, _ name: String, in range: ClosedRange<Int>, _ reason: RedisInboundDropReason) throws(RedisInboundDrop) -> Int {
        guard let number = value.flatMap(Self.exactInteger), range.contains(number) else {
            throw RedisInboundDrop(reason, "\(name) is not an integer in \(range.lowerBound)...\(range.upperBound)")
        }
        return number
    }

    /// The integer a value holds exactly: `.int`, or a finite whole `.double` that fits `Int`.
    static func exactInteger(_ value: SocketIOValue) -> Int? {
        switch value {
        case .int(let number): return number
        case .double(let number): return Int(exactly: number)
        default: return nil
        }
    }

    /// A list of room names: strings, or numbers (which Node.js peers may use as room names). Absent or
    /// null is the empty list when `required` is false. Any other element type throws: dropping one bad
    /// element could turn a filter into "every socket".
    static func rooms(_ value: SocketIOValue?, _ name: String, required: Bool, _ reason: RedisInboundDropReason) throws(RedisInboundDrop) -> Set<String> {
        switch value {
        case .none, .some(.null):
            if required { throw RedisInboundDrop(reason, "\(name) is missing") }
            return []
        case .some(.array(let elements)):
            var rooms = Set<String>()
            rooms.reserveCapacity(elements.count)
            for element in elements {
                guard let room = Self.roomName(element) else { throw RedisInboundDrop(reason, "\(name) holds a value that is not a room name") }
                rooms.insert(room)
            }
            return rooms
        default:
            throw RedisInboundDrop(reason, "\(name) is not an array")
        }
    }

    /// A room name from a string or a finite number (written the way JavaScript prints it for whole
    /// numbers); nil for anything else.
    static func roomName(_ value: SocketIOValue) -> String? {
        switch value {
        case .string(let text): return text
        case .int(let number): return String(number)
        case .double(let number):
            guard number.isFinite else { return nil }
            if let whole = Int(exactly: number), abs(number) < 1e21 { return String(whole) }
            return String(number)
        default: return nil
        }
    }

    /// The `opts` object of a broadcast or a membership request: `{rooms?, except?, flags?}`. Required:
    /// a missing or null `opts` throws, so an operation is never applied to every socket by omission.
    static func options(_ value: SocketIOValue?) throws(RedisInboundDrop) -> SocketIOBroadcastOptions {
        guard case .object? = value else { throw RedisInboundDrop(.invalidOptions, "opts is not an object") }
        return SocketIOBroadcastOptions(
            rooms: try Self.rooms(value?["rooms"], "opts.rooms", required: false, .invalidOptions),
            except: try Self.rooms(value?["except"], "opts.except", required: false, .invalidOptions),
            flags: try Self.flags(value?["flags"])
        )
    }

    /// The `flags` object: known flags must have their type, unknown ones are ignored (Node.js peers send
    /// every flag they hold). Always local, since it came from elsewhere.
    static func flags(_ value: SocketIOValue?) throws(RedisInboundDrop) -> SocketIOBroadcastFlags {
        switch value {
        case .none, .some(.null): return SocketIOBroadcastFlags(local: true)
        case .some(.object): break
        default: throw RedisInboundDrop(.invalidOptions, "opts.flags is not an object")
        }
        var timeout: Int?
        switch value?["timeout"] {
        case .none, .some(.null): timeout = nil
        case .some(let number):
            guard let milliseconds = number.doubleValue, milliseconds.isFinite, milliseconds >= 0 else {
                throw RedisInboundDrop(.invalidOptions, "opts.flags.timeout is not a non-negative number")
            }
            timeout = milliseconds >= Double(Self.maxTimeoutMilliseconds) ? Self.maxTimeoutMilliseconds : Int(milliseconds)
        }
        return SocketIOBroadcastFlags(
            local: true,
            volatile: try Self.bool(value?["volatile"], "opts.flags.volatile", default: false, .invalidOptions),
            compress: try Self.bool(value?["compress"], "opts.flags.compress", default: true, .invalidOptions),
            timeout: timeout,
            expectSingleResponse: try Self.bool(value?["expectSingleResponse"], "opts.flags.expectSingleResponse", default: false, .invalidOptions)
        )
    }

    /// A broadcast packet `{type, data, nsp?, id?}`: an EVENT or BINARY_EVENT (sent as EVENT; binary is
    /// found again when encoding) whose payload is a valid event without a reserved name, `nsp` a string
    /// equal to `namespace` (absent means `/`), `id` absent or an integer in 0...``maxAckID``.
    static func broadcastPacket(_ value: SocketIOValue?, namespace: String) throws(RedisInboundDrop) -> SocketIOPacket {
        guard case .object? = value else { throw RedisInboundDrop(.invalidPacket, "packet is not an object") }
        let typeNumber = try Self.integer(value?["type"], "packet.type", in: 0...255, .invalidPacket)
        guard let type = SocketIOPacketType(rawValue: UInt8(typeNumber)), type == .event || type == .binaryEvent else {
            throw RedisInboundDrop(.invalidPacket, "packet.type \(typeNumber) is not an event")
        }
        let packetNamespace = try Self.optionalString(value?["nsp"], "packet.nsp", .invalidPacket) ?? "/"
        guard packetNamespace == namespace else { throw RedisInboundDrop(.namespaceMismatch, "packet for another namespace") }
        var ackID: Int?
        if let id = value?["id"], id != .null {
            ackID = try Self.integer(id, "packet.id", in: 0...Self.maxAckID, .invalidPacket)
        }
        let packet = SocketIOPacket(type: .event, namespace: namespace, ackID: ackID, payload: value?["data"])
        do {
            try packet.validate(.incoming)
        } catch {
            throw RedisInboundDrop(.invalidPacket, "packet: \(error)")
        }
        return packet
    }

    /// The arguments of a server-side emit: a non-empty array whose first element is the event name.
    static func serverSideEmitArguments(_ value: SocketIOValue?, _ name: String) throws(RedisInboundDrop) -> [SocketIOValue] {
        guard case .array(let arguments)? = value, case .string? = arguments.first else {
            throw RedisInboundDrop(.invalidRequest, "\(name) is not an event (a non-empty array starting with its name)")
        }
        return arguments
    }
}
