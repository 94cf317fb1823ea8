import OrderedCollections

extension SocketIOValue: ExpressibleByNilLiteral {
    /// `nil` is `.null`.
    public init(nilLiteral: ()) {
        self = .null
    }
}

extension SocketIOValue: ExpressibleByBooleanLiteral {
    /// `true` / `false` are `.bool`.
    public init(booleanLiteral value: Bool) {
        self = .bool(value)
    }
}

extension SocketIOValue: ExpressibleByIntegerLiteral {
    /// Integer literals are `.int`.
    public init(integerLiteral value: Int) {
        self = .int(value)
    }
}

extension SocketIOValue: ExpressibleByFloatLiteral {
    /// Floating-point literals are `.double`.
    public init(floatLiteral value: Double) {
        self = .double(value)
    }
}

extension SocketIOValue: ExpressibleByStringLiteral {
    /// String literals are `.string`.
    public init(stringLiteral value: String) {
        self = .string(value)
    }
}

extension SocketIOValue: ExpressibleByArrayLiteral {
    /// Array literals are `.array`.
    public init(arrayLiteral elements: SocketIOValue...) {
        self = .array(elements)
    }
}

extension SocketIOValue: ExpressibleByDictionaryLiteral {
    /// Dictionary literals are `.object` in the order written; a repeated key keeps its first position and
    /// its last value, as `JSON.parse` does.
    public init(dictionaryLiteral elements: (String, SocketIOValue)...) {
        var members = OrderedDictionary<String, SocketIOValue>(minimumCapacity: elements.count)
        for (key, value) in elements {
            members[key] = value
        }
        self = .object(members)
    }
}
