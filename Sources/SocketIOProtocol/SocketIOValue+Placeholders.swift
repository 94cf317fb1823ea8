import NIOCore
import OrderedCollections

/// Placeholder handling for incoming binary packets: an object whose `_placeholder` member is `true`
/// stands for attachment `num` (the reference's test, `data._placeholder === true`).
extension SocketIOValue {
    /// Checks that the placeholders in `payload` name every attachment `0..<attachmentCount` exactly once.
    static func checkPlaceholders(in payload: SocketIOValue?, attachmentCount: Int) throws(SocketIOProtocolError) {
        var seen = [Bool](repeating: false, count: attachmentCount)
        try payload?.collectPlaceholders(into: &seen)
        if let missing = seen.firstIndex(of: false) { throw .missingPlaceholder(num: missing) }
    }

    /// Marks every placeholder found in this value in `seen`.
    private func collectPlaceholders(into seen: inout [Bool]) throws(SocketIOProtocolError) {
        switch self {
        case .object(let members):
            if members["_placeholder"] == .bool(true) {
                let num = try Self.placeholderNumber(members)
                guard num >= 0, num < seen.count else {
                    throw .placeholderOutOfRange(num: num, attachments: seen.count)
                }
                guard !seen[num] else { throw .duplicatePlaceholder(num: num) }
                seen[num] = true
            } else {
                for value in members.values { try value.collectPlaceholders(into: &seen) }
            }
        case .array(let elements):
            for element in elements { try element.collectPlaceholders(into: &seen) }
        case .null, .bool, .int, .double, .string, .binary:
            return
        }
    }

    /// The `num` of a placeholder object: an integer, or a double holding a whole number.
    private static func placeholderNumber(
        _ members: OrderedDictionary<String, SocketIOValue>
    ) throws(SocketIOProtocolError) -> Int {
        switch members["num"] {
        case .int(let num):
            return num
        case .double(let num):
            guard let whole = Int(exactly: num) else { throw .invalidPlaceholder }
            return whole
        default:
            throw .invalidPlaceholder
        }
    }

    /// Replaces every placeholder by its attachment, in place. Call only after ``checkPlaceholders(in:attachmentCount:)``
    /// succeeded for the same attachment count.
    mutating func replacePlaceholders(with attachments: [ByteBuffer]) {
        switch self {
        case .object(var members):
            if members["_placeholder"] == .bool(true), let num = try? Self.placeholderNumber(members) {
                self = .binary(attachments[num])
                return
            }
            self = .null  // drop the enum's reference so `members` is uniquely owned
            for position in members.values.indices {
                members.values[position].replacePlaceholders(with: attachments)
            }
            self = .object(members)
        case .array(var elements):
            self = .null
            for position in elements.indices {
                elements[position].replacePlaceholders(with: attachments)
            }
            self = .array(elements)
        case .null, .bool, .int, .double, .string, .binary:
            return
        }
    }
}
