import MessagePack
import NIOCore
import OrderedCollections

extension SocketIOValue {
    /// The MessagePack form notepack.io (the encoder of the reference Redis adapter and of the reference
    /// msgpack parser) writes: binary as `bin`, objects as maps in order, integral numbers as integers.
    public var messagePackValue: MessagePackValue {
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
    /// integers beyond `Int` become doubles, non-string map keys become their text (``propertyKey(_:)``).
    public init(messagePack value: MessagePackValue) {
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
                object[Self.propertyKey(entry.key)] = SocketIOValue(messagePack: entry.value)
            }
            self = .object(object)
        case .timestamp:
            self = value.iso8601String.map(SocketIOValue.string) ?? .null
        case .ext:
            self = .null
        }
    }

    /// The text a non-string map key becomes, as JavaScript turns a key into a property name (what the
    /// reference's notepack decoding does): numbers, booleans and nil their text, arrays their
    /// elements' texts joined by commas, maps `[object Object]`. Linear in the key's size: a key is
    /// never serialized as JSON, whose escaping of nested keys grows exponentially with their depth
    /// (a 140-byte message of keys nested in keys once took minutes).
    public static func propertyKey(_ key: MessagePackValue) -> String {
        var text = ""
        Self.appendPropertyKey(key, to: &text, inArray: false)
        return text
    }

    private static func appendPropertyKey(_ key: MessagePackValue, to text: inout String, inArray: Bool) {
        switch key {
        case .string(let value): text += value
        case .nil: if !inArray { text += "null" }
        case .bool(let value): text += value ? "true" : "false"
        case .int(let value): text += String(value)
        case .uint(let value): text += String(value)
        case .double(let value): text += Self.numberText(value)
        case .float(let value): text += Self.numberText(Double(value))
        case .binary(let bytes): text += String(decoding: bytes, as: UTF8.self)
        case .timestamp: text += key.iso8601String ?? "Invalid Date"
        case .array(let elements):
            for (index, element) in elements.enumerated() {
                if index > 0 { text += "," }
                Self.appendPropertyKey(element, to: &text, inArray: true)
            }
        case .map, .ext: text += "[object Object]"
        }
    }

    private static func numberText(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
        return SocketIOValue.double(value).description
    }
}
