import MessagePack
import NIOCore

/// Hand-written wire bytes: hex for the MessagePack headers, text for string bodies, so expected
/// payloads read like the reference documentation (`93 a6 "AbCdEf" 83 a4 "type" …`).
enum WirePart {
    /// Bytes in hex, spaces allowed: `"93 a6"`.
    case hex(String)
    /// The UTF-8 bytes of a string body.
    case text(String)
}

/// The concatenated bytes of `parts`.
func wireBytes(_ parts: WirePart...) -> [UInt8] {
    var bytes: [UInt8] = []
    for part in parts {
        switch part {
        case .text(let text):
            bytes += Array(text.utf8)
        case .hex(let hex):
            let digits = Array(hex.filter { !$0.isWhitespace })
            precondition(digits.count % 2 == 0, "odd hex: \(hex)")
            for index in stride(from: 0, to: digits.count, by: 2) {
                bytes.append(UInt8(String(digits[index...index + 1]), radix: 16)!)
            }
        }
    }
    return bytes
}

/// Bytes as spaced hex, for failure messages.
func hexDump(_ bytes: some Sequence<UInt8>) -> String {
    bytes.map { byte in
        let digits = String(byte, radix: 16)
        return digits.count == 1 ? "0" + digits : digits
    }.joined(separator: " ")
}

extension ByteBuffer {
    /// The readable bytes.
    var bytes: [UInt8] { Array(self.readableBytesView) }
}

/// MessagePack bytes of `value` as a buffer (maps keep the order written).
func messagePackBuffer(_ value: MessagePackValue) -> ByteBuffer {
    ByteBuffer(bytes: MessagePackEncoder.encode(value))
}
