import MessagePack
import NIOCore
import OrderedCollections
import SocketIOProtocol

extension SocketIOValue {
    /// The MessagePack form the reference adapter writes: binary as `bin`, objects as maps in order.
    var messagePackValue: MessagePackValue {
        switch self {
        case .null: return .nil
        case .bool(let value): return .bool(value)
        case .int(let value): return .int(Int64(value))
        case .double(let value):
            if value.rounded() == value, abs(value) < 9.007_199_254_740_992e15 { return .int(Int64(value)) }
            return .double(value)
        case .string(let value): return .string(value)
        case .binary(let buffer): return .binary(Array(buffer.readableBytesView))
        case .array(let values): return .array(values.map(\.messagePackValue))
        case .object(let object):
            return .map(object.map { MessagePackValue.MapEntry(key: .string($0.key), value: $0.value.messagePackValue) })
        }
    }

    /// The value a MessagePack item stands for: `bin` becomes `.binary`, dates become ISO-8601 strings,
    /// integers beyond `Int` become doubles, non-string map keys become their text.
    init(messagePack value: MessagePackValue) {
        switch value {
        case .nil: self = .null
        case .bool(let value): self = .bool(value)
        case .int(let value): self = Int(exactly: value).map(SocketIOValue.int) ?? .double(Double(value))
        case .uint(let value): self = Int(exactly: value).map(SocketIOValue.int) ?? .double(Double(value))
        case .double(let value): self = .double(value)
        case .float(let value): self = .double(Double(value))
        case .string(let value): self = .string(value)
        case .binary(let bytes): self = .binary(ByteBuffer(bytes: bytes))
        case .array(let values): self = .array(values.map(SocketIOValue.init(messagePack:)))
        case .map(let entries):
            var object = OrderedDictionary<String, SocketIOValue>()
            for entry in entries {
                let key = entry.key.stringValue ?? SocketIOValue(messagePack: entry.key).description
                object[key] = SocketIOValue(messagePack: entry.value)
            }
            self = .object(object)
        case .timestamp:
            self = value.iso8601String.map(SocketIOValue.string) ?? .null
        case .ext:
            self = .null
        }
    }
}
