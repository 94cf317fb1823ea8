import NIOCore
import OrderedCollections

extension SocketIOValue {
    /// `true` when the value is `.null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The boolean, when the value is `.bool`.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The integer, when the value is `.int`, or a `.double` holding a whole number that fits in `Int`.
    public var intValue: Int? {
        switch self {
        case .int(let value):
            return value
        case .double(let value):
            return Int(exactly: value)
        default:
            return nil
        }
    }

    /// The number as a `Double`, when the value is `.double` or `.int`.
    public var doubleValue: Double? {
        switch self {
        case .double(let value): return value
        case .int(let value): return Double(value)
        default: return nil
        }
    }

    /// The string, when the value is `.string`.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The elements, when the value is `.array`.
    public var arrayValue: [SocketIOValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// The members, when the value is `.object`.
    public var objectValue: OrderedDictionary<String, SocketIOValue>? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// The bytes, when the value is `.binary`.
    public var binaryValue: ByteBuffer? {
        if case .binary(let value) = self { return value }
        return nil
    }

    /// The member named `key` when the value is an object that has it; `nil` otherwise.
    public subscript(key: String) -> SocketIOValue? {
        guard case .object(let members) = self else { return nil }
        return members[key]
    }

    /// The element at `index` when the value is an array and the index is in range; `nil` otherwise.
    public subscript(index: Int) -> SocketIOValue? {
        guard case .array(let elements) = self, elements.indices.contains(index) else { return nil }
        return elements[index]
    }
}
