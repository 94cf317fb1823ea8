import NIOCore

/// Writes ``SocketIOValue``s as JSON text byte-for-byte equal to JavaScript's `JSON.stringify`.
///
/// - Integers print without `.0`; doubles print in JavaScript's shortest round-trip form (`1.5`, `0.1`,
///   `1e+21`, `1e-7`, `-0` → `0`); NaN and ±infinity print `null`.
/// - Strings escape only `"`, `\` and control characters (`\b \f \n \r \t`, the rest as lowercase `\u00xx`);
///   `/` and non-ASCII characters are written as they are.
/// - Object members print in JavaScript's property order: keys that are array indices (`"0"`, `"17"`,
///   up to 2³²−2) first in ascending numeric order, then the other keys in insertion order. For objects
///   without such keys this is simply insertion order.
/// - `.int` values outside JavaScript's safe range (±2⁵³) print exactly, not rounded as a JS number would.
/// - `.binary` never reaches JSON text through the packet encoder, which swaps it for placeholders. Met
///   here, it is written the way `JSON.stringify` writes a Node.js `Buffer`:
///   `{"type":"Buffer","data":[1,2,3]}`. That is what the reference server sends for a `Buffer` in a packet
///   that has no attachment mechanism (CONNECT, CONNECT_ERROR), so no data is dropped and nothing traps.
public enum JSONSerializer {
    /// Appends the JSON text of `value` to `buffer`.
    public static func serialize(_ value: SocketIOValue, into buffer: inout ByteBuffer) {
        var writer = JSONWriter(usesPlaceholders: false)
        writer.write(value, into: &buffer)
    }

    /// The JSON text of `value` as a `String`.
    public static func string(from value: SocketIOValue) -> String {
        var buffer = ByteBuffer()
        Self.serialize(value, into: &buffer)
        return String(buffer: buffer)
    }
}

/// The recursive writer behind ``JSONSerializer`` and the packet encoder.
struct JSONWriter {
    /// When `true`, `.binary` values are written as `{"_placeholder":true,"num":i}` and collected in
    /// ``attachments``; when `false`, they are written in Node's `Buffer` JSON form.
    let usesPlaceholders: Bool
    /// The binary values replaced by placeholders so far, in order of appearance.
    var attachments: [ByteBuffer] = []

    init(usesPlaceholders: Bool) {
        self.usesPlaceholders = usesPlaceholders
    }

    /// Appends the JSON text of `value`.
    mutating func write(_ value: SocketIOValue, into buffer: inout ByteBuffer) {
        switch value {
        case .null:
            buffer.writeStaticString("null")
        case .bool(let flag):
            buffer.writeStaticString(flag ? "true" : "false")
        case .int(let integer):
            Self.writeInteger(integer, into: &buffer)
        case .double(let number):
            Self.writeDouble(number, into: &buffer)
        case .string(let text):
            Self.writeString(text, into: &buffer)
        case .array(let elements):
            buffer.writeInteger(UInt8(ascii: "["))
            for (offset, element) in elements.enumerated() {
                if offset > 0 { buffer.writeInteger(UInt8(ascii: ",")) }
                self.write(element, into: &buffer)
            }
            buffer.writeInteger(UInt8(ascii: "]"))
        case .object(let members):
            self.writeObject(members, into: &buffer)
        case .binary(let bytes):
            self.writeBinary(bytes, into: &buffer)
        }
    }

    /// Writes a placeholder (collecting the bytes) or the Node `Buffer` form.
    private mutating func writeBinary(_ bytes: ByteBuffer, into buffer: inout ByteBuffer) {
        if self.usesPlaceholders {
            buffer.writeStaticString("{\"_placeholder\":true,\"num\":")
            Self.writeInteger(self.attachments.count, into: &buffer)
            buffer.writeInteger(UInt8(ascii: "}"))
            self.attachments.append(bytes)
        } else {
            buffer.writeStaticString("{\"type\":\"Buffer\",\"data\":[")
            for (offset, byte) in bytes.readableBytesView.enumerated() {
                if offset > 0 { buffer.writeInteger(UInt8(ascii: ",")) }
                Self.writeInteger(Int(byte), into: &buffer)
            }
            buffer.writeStaticString("]}")
        }
    }
}
