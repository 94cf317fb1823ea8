import MessagePack
import NIOCore
import OrderedCollections
import SocketIO
import SocketIOProtocol

/// Reads and writes the payloads of the Redis adapter protocols: a payload that starts with `{` is
/// JSON, anything else MessagePack.
package enum RedisWireCodec {
    /// Decodes a payload; nil when it is neither valid JSON nor valid MessagePack.
    package static func decode(_ payload: ByteBuffer) -> SocketIOValue? {
        if payload.readableBytesView.first == UInt8(ascii: "{") {
            return try? JSONParser().parse(payload)
        }
        guard let value = try? MessagePackDecoder().decode(payload.readableBytesView) else { return nil }
        return SocketIOValue(messagePack: value)
    }

    /// JSON bytes of a value without binary.
    static func json(_ value: SocketIOValue) -> ByteBuffer {
        var buffer = ByteBuffer()
        JSONSerializer.serialize(value, into: &buffer)
        return buffer
    }

    /// MessagePack bytes of a value.
    static func messagePack(_ value: SocketIOValue) -> ByteBuffer {
        ByteBuffer(bytes: MessagePackEncoder.encode(value.messagePackValue))
    }

    /// MessagePack when the value holds binary, JSON otherwise (the sharded adapter's rule).
    static func jsonUnlessBinary(_ value: SocketIOValue) -> ByteBuffer {
        value.containsBinary ? self.messagePack(value) : self.json(value)
    }
}

extension SocketIOBroadcastOptions {
    /// The `opts` object of the wire formats: `{rooms, except, flags}`.
    var wireValue: SocketIOValue {
        .object([
            "rooms": .array(self.rooms.sorted().map(SocketIOValue.string)),
            "except": .array(self.except.sorted().map(SocketIOValue.string)),
            "flags": self.flags.wireValue,
        ])
    }
}

extension SocketIOBroadcastFlags {
    /// Only the flags that are set, as the reference sends them.
    var wireValue: SocketIOValue {
        var flags = OrderedDictionary<String, SocketIOValue>()
        if self.volatile { flags["volatile"] = true }
        if !self.compress { flags["compress"] = false }
        if let timeout = self.timeout { flags["timeout"] = .int(timeout) }
        if self.expectSingleResponse { flags["expectSingleResponse"] = true }
        return .object(flags)
    }
}

extension SocketIOPacket {
    /// The `{type, data, nsp}` object the adapters publish (`id` only with an ack id).
    var wireValue: SocketIOValue {
        var object: SocketIOValue = [
            "type": .int(Int(self.type.plainCounterpart.rawValue)),
            "data": self.payload ?? .null,
            "nsp": .string(self.namespace),
        ]
        if let id = self.ackID, case .object(var fields) = object {
            fields["id"] = .int(id)
            object = .object(fields)
        }
        return object
    }
}
