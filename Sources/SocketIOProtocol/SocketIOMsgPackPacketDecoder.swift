import MessagePack
import NIOCore

/// Reads packets in the form of the reference's msgpack parser (`socket.io-msgpack-parser` 3.0.x): each
/// binary message is one MessagePack map `{type, nsp, data?, id?}`; there are no attachments and no
/// text messages.
///
/// The map is read as JavaScript reads the decoded object (``SocketIOValue/init(messagePack:)``: a
/// repeated key keeps its last value, a non-string key becomes its property name), then checked as the
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
        guard case .map = decoded, case .object(var fields) = SocketIOValue(messagePack: decoded) else {
            throw .packetNotAMap
        }
        guard let typeNumber = fields["type"].flatMap(Self.integer),
            (0...4).contains(typeNumber), let raw = UInt8(exactly: typeNumber), let type = SocketIOPacketType(rawValue: raw)
        else { throw .invalidPacketTypeField }
        guard case .string(let namespace) = fields["nsp"] else { throw .invalidNamespaceField }
        var payload = fields.removeValue(forKey: "data")
        if case .some(.null) = payload { payload = nil }
        try Self.checkData(payload, for: type, rules: self.configuration.validation)
        var ackID: Int?
        switch fields["id"] {
        case .none, .some(.null):
            ackID = nil
        case .some(let id):
            guard let number = Self.integer(id), number >= 0 else { throw .invalidAckID }
            ackID = number
        }
        return SocketIOPacket(type: type, namespace: namespace, ackID: ackID, payload: payload)
    }

    /// The integer a number stands for when it has no fraction (JavaScript's `Number.isInteger`) and
    /// fits in `Int`, else `nil`.
    static func integer(_ value: SocketIOValue) -> Int? {
        switch value {
        case .int(let number): return number
        case .double(let number): return Int(exactly: number)
        default: return nil
        }
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
