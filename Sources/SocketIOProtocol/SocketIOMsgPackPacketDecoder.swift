import MessagePack
import NIOCore

/// Reads packets in the form of the reference's msgpack parser (`socket.io-msgpack-parser` 3.0.x): each
/// binary message is one MessagePack map `{type, nsp, data?, id?}`; there are no attachments and no
/// text messages.
///
/// The map's members are found as JavaScript finds them in the decoded object (a repeated key keeps its
/// last value, a non-string key is named by its property name), `data` is converted by
/// ``SocketIOValue/init(messagePack:)``, and the packet is checked as the
/// reference decoder checks it, in its order:
/// - `type` is an integer from 0 (CONNECT) to 4 (CONNECT_ERROR); 5 and 6 are refused;
/// - `nsp` is a string;
/// - `data` fits the type: CONNECT absent or a map, DISCONNECT absent, CONNECT_ERROR a string or a map,
///   EVENT and ACK an array;
/// - `id` is absent or an integer.
///
/// Where this decoder differs, it refuses more or accepts what cannot be told apart:
/// - a `nil` `data` or `id` counts as absent (JavaScript `undefined` from notepack.io 2.x, which this
///   MessagePack decoder reads as `nil`, and what python-socketio sends for a DISCONNECT);
/// - an `id` must also be non-negative and fit in `Int`;
/// - an EVENT named like a reserved event is refused unless the configuration's
///   ``SocketIOPacketDecoder/Configuration/validation`` allows it, as with the default parser.
///
/// Nesting is bounded by the configuration's ``SocketIOPacketDecoder/Configuration/maxJSONDepth`` for
/// the payload (one more level for the packet map). The decoder keeps no state between messages.
public struct SocketIOMsgPackPacketDecoder: Sendable {
    /// Limits and rules; the attachment limits do not apply (binary values travel inside the packet,
    /// bounded by the Engine.IO message size).
    public let configuration: SocketIOPacketDecoder.Configuration
    private let messagePack: MessagePackDecoder

    /// Creates a decoder.
    public init(configuration: SocketIOPacketDecoder.Configuration = SocketIOPacketDecoder.Configuration()) {
        self.configuration = configuration
        let payloadDepth = max(0, min(configuration.maxJSONDepth, Int.max - 1))
        self.messagePack = MessagePackDecoder(maxDepth: payloadDepth + 1)
    }

    /// Decodes one binary message.
    public func decode(_ message: ByteBuffer) throws(SocketIOProtocolError) -> SocketIOPacket {
        let decoded: MessagePackValue
        do {
            decoded = try self.messagePack.decode(message.readableBytesView)
        } catch {
            throw .invalidMessagePack(String(describing: error))
        }
        return try self.packet(from: decoded)
    }

    /// Decodes one binary message given as bytes.
    public func decode(_ bytes: UnsafeRawBufferPointer) throws(SocketIOProtocolError) -> SocketIOPacket {
        let decoded: MessagePackValue
        do {
            decoded = try self.messagePack.decode(bytes)
        } catch {
            throw .invalidMessagePack(String(describing: error))
        }
        return try self.packet(from: decoded)
    }

    /// Checks the decoded map and builds the packet.
    func packet(from decoded: MessagePackValue) throws(SocketIOProtocolError) -> SocketIOPacket {
        guard case .map(let entries) = decoded else { throw .packetNotAMap }
        let fields = Self.packetFields(of: entries)
        guard let typeNumber = fields.type.flatMap(Self.integer),
            (0...4).contains(typeNumber), let raw = UInt8(exactly: typeNumber), let type = SocketIOPacketType(rawValue: raw)
        else { throw .invalidPacketTypeField }
        guard case .string(let namespace) = fields.nsp else { throw .invalidNamespaceField }
        var payload: SocketIOValue?
        if let data = fields.data, !data.isNil { payload = SocketIOValue(messagePack: data) }
        try Self.checkData(payload, for: type, rules: self.configuration.validation)
        var ackID: Int?
        switch fields.id {
        case .none, .some(.nil):
            ackID = nil
        case .some(let id):
            guard let number = Self.integer(id), number >= 0 else { throw .invalidAckID }
            ackID = number
        }
        return SocketIOPacket(type: type, namespace: namespace, ackID: ackID, payload: payload)
    }

    /// The members a packet reads, found as JavaScript finds them in the decoded object: a key that is
    /// not a string is named by its property key (``SocketIOValue/propertyKey(_:)``), and a repeated
    /// key keeps its last value. Only `data` is converted later; other members are never converted.
    static func packetFields(
        of entries: [MessagePackValue.MapEntry]
    ) -> (type: MessagePackValue?, nsp: MessagePackValue?, data: MessagePackValue?, id: MessagePackValue?) {
        var fields: (type: MessagePackValue?, nsp: MessagePackValue?, data: MessagePackValue?, id: MessagePackValue?) = (nil, nil, nil, nil)
        for entry in entries {
            let name: String
            if case .string(let key) = entry.key { name = key } else { name = SocketIOValue.propertyKey(entry.key) }
            switch name {
            case "type": fields.type = entry.value
            case "nsp": fields.nsp = entry.value
            case "data": fields.data = entry.value
            case "id": fields.id = entry.value
            default: break
            }
        }
        return fields
    }

    /// The integer a number stands for when it has no fraction (JavaScript's `Number.isInteger`) and
    /// fits in `Int`, else `nil`.
    static func integer(_ value: MessagePackValue) -> Int? {
        value.int64Value.flatMap { Int(exactly: $0) }
    }

    /// The reference's `isDataValid`, with the reserved event names of `rules`.
    static func checkData(
        _ data: SocketIOValue?, for type: SocketIOPacketType, rules: SocketIOPacketValidation
    ) throws(SocketIOProtocolError) {
        switch (type, data) {
        case (.connect, .none), (.connect, .some(.object)), (.disconnect, .none),
            (.connectError, .some(.string)), (.connectError, .some(.object)), (.ack, .some(.array)):
            return
        case (.event, .some(.array(let elements))):
            if !rules.allowsReservedEventNames, case .string(let name) = elements.first, SocketIOPacket.isReservedEventName(name) {
                throw .reservedEventName(name)
            }
            return
        default:
            throw .invalidPayload(type)
        }
    }
}
