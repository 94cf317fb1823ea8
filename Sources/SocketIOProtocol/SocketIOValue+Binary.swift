extension SocketIOValue {
    /// `true` when a `.binary` value appears anywhere inside this value (including itself).
    public var containsBinary: Bool {
        switch self {
        case .binary:
            return true
        case .array(let elements):
            return elements.contains { $0.containsBinary }
        case .object(let members):
            return members.values.contains { $0.containsBinary }
        case .null, .bool, .int, .double, .string:
            return false
        }
    }

    /// The number of `.binary` values anywhere inside this value: the attachment count the packet encoder
    /// announces.
    public var binaryCount: Int {
        switch self {
        case .binary:
            return 1
        case .array(let elements):
            var count = 0
            for element in elements { count += element.binaryCount }
            return count
        case .object(let members):
            var count = 0
            for value in members.values { count += value.binaryCount }
            return count
        case .null, .bool, .int, .double, .string:
            return 0
        }
    }
}
