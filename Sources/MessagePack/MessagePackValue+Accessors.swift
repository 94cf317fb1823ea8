extension MessagePackValue {
    /// The value stored under the string key `key` when this is a map (the first match), else `nil`.
    public subscript(key: String) -> MessagePackValue? {
        guard case .map(let entries) = self else { return nil }
        for entry in entries {
            if case .string(let candidate) = entry.key, candidate == key {
                return entry.value
            }
        }
        return nil
    }

    /// The element at `index` when this is an array and the index is in range, else `nil`.
    public subscript(index: Int) -> MessagePackValue? {
        guard case .array(let elements) = self, elements.indices.contains(index) else { return nil }
        return elements[index]
    }

    /// Whether this is ``MessagePackValue/nil``.
    public var isNil: Bool {
        if case .nil = self { return true }
        return false
    }

    /// The payload of ``MessagePackValue/bool(_:)``, else `nil`.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The integer when this is `.int`, or a `.uint`, `.double` or `.float` with an exactly
    /// representable integral value; else `nil`.
    public var int64Value: Int64? {
        switch self {
        case .int(let value): return value
        case .uint(let value): return Int64(exactly: value)
        case .double(let value): return Int64(exactly: value)
        case .float(let value): return Int64(exactly: value)
        default: return nil
        }
    }

    /// Any number as a `Double` (possibly rounded, as JavaScript would), else `nil`.
    public var doubleValue: Double? {
        switch self {
        case .int(let value): return Double(value)
        case .uint(let value): return Double(value)
        case .double(let value): return value
        case .float(let value): return Double(value)
        default: return nil
        }
    }

    /// The payload of ``MessagePackValue/string(_:)``, else `nil`.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The payload of ``MessagePackValue/binary(_:)``, else `nil`.
    public var binaryValue: [UInt8]? {
        if case .binary(let value) = self { return value }
        return nil
    }

    /// The elements of ``MessagePackValue/array(_:)``, else `nil`.
    public var arrayValue: [MessagePackValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// The entries of ``MessagePackValue/map(_:)`` in wire order, else `nil`.
    public var mapEntries: [MapEntry]? {
        if case .map(let value) = self { return value }
        return nil
    }
}
