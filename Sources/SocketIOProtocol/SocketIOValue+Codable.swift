import NIOCore
import OrderedCollections

/// Lets ``SocketIOValue`` appear inside Codable types. ``SocketIOValueEncoder`` and
/// ``SocketIOValueDecoder`` pass it through untouched; other coders see plain JSON-like data (binary as
/// NIO's base64 `ByteBuffer` form; object member order as the other decoder reports it).
extension SocketIOValue: Codable {
    /// Decodes whichever JSON kind the decoder holds.
    public init(from decoder: any Decoder) throws {
        if let container = try? decoder.singleValueContainer() {
            if container.decodeNil() {
                self = .null
                return
            }
            if let flag = try? container.decode(Bool.self) {
                self = .bool(flag)
                return
            }
            if let integer = try? container.decode(Int.self) {
                self = .int(integer)
                return
            }
            if let number = try? container.decode(Double.self) {
                self = .double(number)
                return
            }
            if let string = try? container.decode(String.self) {
                self = .string(string)
                return
            }
        }
        if var container = try? decoder.unkeyedContainer() {
            var elements: [SocketIOValue] = []
            while !container.isAtEnd {
                elements.append(try container.decode(SocketIOValue.self))
            }
            self = .array(elements)
            return
        }
        let container = try decoder.container(keyedBy: SocketIOCodingKey.self)
        var members = OrderedDictionary<String, SocketIOValue>()
        for key in container.allKeys {
            members[key.stringValue] = try container.decode(SocketIOValue.self, forKey: key)
        }
        self = .object(members)
    }

    /// Encodes the value as the matching JSON kind.
    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .null:
            var container = encoder.singleValueContainer()
            try container.encodeNil()
        case .bool(let flag):
            var container = encoder.singleValueContainer()
            try container.encode(flag)
        case .int(let integer):
            var container = encoder.singleValueContainer()
            try container.encode(integer)
        case .double(let number):
            var container = encoder.singleValueContainer()
            try container.encode(number)
        case .string(let string):
            var container = encoder.singleValueContainer()
            try container.encode(string)
        case .binary(let bytes):
            var container = encoder.singleValueContainer()
            try container.encode(bytes)
        case .array(let elements):
            var container = encoder.unkeyedContainer()
            for element in elements { try container.encode(element) }
        case .object(let members):
            var container = encoder.container(keyedBy: SocketIOCodingKey.self)
            for (key, value) in members {
                try container.encode(value, forKey: SocketIOCodingKey(stringValue: key))
            }
        }
    }
}
