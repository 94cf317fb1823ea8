extension MessagePackValue: ExpressibleByNilLiteral {
    /// Creates ``MessagePackValue/nil``.
    public init(nilLiteral: ()) {
        self = .nil
    }
}

extension MessagePackValue: ExpressibleByBooleanLiteral {
    /// Creates ``MessagePackValue/bool(_:)``.
    public init(booleanLiteral value: Bool) {
        self = .bool(value)
    }
}

extension MessagePackValue: ExpressibleByIntegerLiteral {
    /// Creates ``MessagePackValue/int(_:)``.
    public init(integerLiteral value: Int64) {
        self = .int(value)
    }
}

extension MessagePackValue: ExpressibleByFloatLiteral {
    /// Creates ``MessagePackValue/double(_:)`` (JavaScript numbers are doubles).
    public init(floatLiteral value: Double) {
        self = .double(value)
    }
}

extension MessagePackValue: ExpressibleByStringLiteral {
    /// Creates ``MessagePackValue/string(_:)``.
    public init(stringLiteral value: String) {
        self = .string(value)
    }
}

extension MessagePackValue: ExpressibleByArrayLiteral {
    /// Creates ``MessagePackValue/array(_:)``.
    public init(arrayLiteral elements: MessagePackValue...) {
        self = .array(elements)
    }
}

extension MessagePackValue: ExpressibleByDictionaryLiteral {
    /// Creates ``MessagePackValue/map(_:)`` with string keys, in the order they are written.
    public init(dictionaryLiteral elements: (String, MessagePackValue)...) {
        self = .map(elements.map { MapEntry(key: .string($0.0), value: $0.1) })
    }
}
