import NIOCore
import OrderedCollections

extension JSONWriter {
    /// Writes an object in JavaScript property order: array-index keys ascending, then the rest in
    /// insertion order.
    mutating func writeObject(_ members: OrderedDictionary<String, SocketIOValue>, into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: "{"))
        let hasIndexKeys = members.keys.contains { Self.arrayIndex(of: $0) != nil }
        if !hasIndexKeys {
            var first = true
            for (key, value) in members {
                self.writeMember(key, value, first: &first, into: &buffer)
            }
        } else {
            var indexed: [(index: UInt32, position: Int)] = []
            for (position, key) in members.keys.enumerated() {
                if let index = Self.arrayIndex(of: key) { indexed.append((index, position)) }
            }
            indexed.sort { $0.index < $1.index }
            var first = true
            for entry in indexed {
                let member = members.elements[entry.position]
                self.writeMember(member.key, member.value, first: &first, into: &buffer)
            }
            for (key, value) in members where Self.arrayIndex(of: key) == nil {
                self.writeMember(key, value, first: &first, into: &buffer)
            }
        }
        buffer.writeInteger(UInt8(ascii: "}"))
    }

    /// Writes `"key":value`, preceded by a comma unless it is the first member.
    private mutating func writeMember(_ key: String, _ value: SocketIOValue, first: inout Bool, into buffer: inout ByteBuffer) {
        if !first { buffer.writeInteger(UInt8(ascii: ",")) }
        first = false
        Self.writeString(key, into: &buffer)
        buffer.writeInteger(UInt8(ascii: ":"))
        self.write(value, into: &buffer)
    }

    /// The numeric value of `key` when it is an ECMAScript array index: `"0"` or a digit string without a
    /// leading zero whose value is at most 2³²−2.
    static func arrayIndex(of key: String) -> UInt32? {
        let utf8 = key.utf8
        guard let first = utf8.first, JSONReader.isDigit(first), utf8.count <= 10 else { return nil }
        if first == UInt8(ascii: "0") { return utf8.count == 1 ? 0 : nil }
        var value: UInt64 = 0
        for byte in utf8 {
            guard JSONReader.isDigit(byte) else { return nil }
            value = value * 10 + UInt64(byte - UInt8(ascii: "0"))
        }
        return value <= 4_294_967_294 ? UInt32(value) : nil
    }
}
