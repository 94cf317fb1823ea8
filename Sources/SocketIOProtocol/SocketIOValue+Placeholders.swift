import NIOCore
import OrderedCollections

/// Placeholder handling for incoming binary packets: an object whose `_placeholder` member is `true`
/// stands for attachment `num`. What is accepted is what socket.io-parser accepts: `num` must be a
/// number in `0..<attachmentCount`, nothing more (an attachment may be named twice, or not at all).
extension SocketIOValue {
    /// Checks that every placeholder in `payload` has a numeric `num` within `0..<attachmentCount`.
    static func checkPlaceholders(in payload: SocketIOValue?, attachmentCount: Int) throws(SocketIOProtocolError) {
        try payload?.checkPlaceholders(attachmentCount: attachmentCount)
    }

    private func checkPlaceholders(attachmentCount: Int) throws(SocketIOProtocolError) {
        switch self {
        case .object(let members):
            if members["_placeholder"] == .bool(true) {
                switch members["num"] {
                case .int(let num):
                    guard num >= 0, num < attachmentCount else {
                        throw .placeholderOutOfRange(num: num, attachments: attachmentCount)
                    }
                case .double(let num):
                    guard num >= 0, num < Double(attachmentCount) else {
                        let shown = Int(exactly: num.rounded(.towardZero)) ?? (num < 0 ? Int.min : Int.max)
                        throw .placeholderOutOfRange(num: shown, attachments: attachmentCount)
                    }
                default:
                    throw .invalidPlaceholder
                }
            } else {
                for value in members.values { try value.checkPlaceholders(attachmentCount: attachmentCount) }
            }
        case .array(let elements):
            for element in elements { try element.checkPlaceholders(attachmentCount: attachmentCount) }
        case .null, .bool, .int, .double, .string, .binary:
            return
        }
    }

    /// The attachment a checked placeholder names; nil for a fractional `num` (socket.io-parser's
    /// lookup then finds nothing: `undefined`, here `null`).
    private static func placeholderIndex(_ members: OrderedDictionary<String, SocketIOValue>) -> Int? {
        switch members["num"] {
        case .int(let num): return num
        case .double(let num): return Int(exactly: num)
        default: return nil
        }
    }

    /// Replaces every placeholder by its attachment, in place. Call only after ``checkPlaceholders(in:attachmentCount:)``
    /// succeeded for the same attachment count.
    mutating func replacePlaceholders(with attachments: [ByteBuffer]) {
        switch self {
        case .object(var members):
            if members["_placeholder"] == .bool(true) {
                if let num = Self.placeholderIndex(members), attachments.indices.contains(num) {
                    self = .binary(attachments[num])
                } else {
                    self = .null
                }
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
