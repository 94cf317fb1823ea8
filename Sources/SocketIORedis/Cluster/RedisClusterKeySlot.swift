/// Redis Cluster's key-to-slot function: `CRC16(key) mod 16384` (CRC-16/XMODEM), hashing only the hash
/// tag when the key has a non-empty one (`{user1}.a` and `{user1}.b` share a slot). Shard channels
/// (SPUBLISH/SSUBSCRIBE) hash like keys.
public enum RedisClusterKeySlot {
    /// The number of slots of a Redis Cluster.
    public static let count = 16_384

    /// The slot of `key`, in `0..<16384`.
    public static func slot(of key: String) -> Int {
        var utf8 = Array(key.utf8)
        if let open = utf8.firstIndex(of: UInt8(ascii: "{")),
            let close = utf8[(open + 1)...].firstIndex(of: UInt8(ascii: "}")),
            close > open + 1
        {
            utf8 = Array(utf8[(open + 1)..<close])
        }
        return Int(self.crc16(utf8) & 0x3FFF)
    }

    /// CRC-16/XMODEM (polynomial 0x1021, initial value 0, no reflection).
    static func crc16<Bytes: Sequence>(_ bytes: Bytes) -> UInt16 where Bytes.Element == UInt8 {
        var crc: UInt16 = 0
        for byte in bytes {
            crc = (crc << 8) ^ Self.table[Int(UInt8(truncatingIfNeeded: crc >> 8) ^ byte)]
        }
        return crc
    }

    private static let table: [UInt16] = (0..<256).map { index in
        var value = UInt16(index) << 8
        for _ in 0..<8 {
            value = value & 0x8000 != 0 ? (value << 1) ^ 0x1021 : value << 1
        }
        return value
    }
}
