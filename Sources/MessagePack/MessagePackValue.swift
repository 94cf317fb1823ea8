/// One MessagePack value, as it travels on the wire.
///
/// The cases mirror the MessagePack type system closely enough that decoding and then
/// re-encoding a value reproduces the original bytes whenever the original used the smallest
/// form (as notepack.io, the encoder of the reference Node adapter, always does).
///
/// Integers: the decoder yields `.int` for every integer that fits in `Int64`, whatever its wire
/// form, and `.uint` only for values above `Int64.max`. Equality is structural, so
/// `.uint(5) != .int(5)`; build values the way the decoder does to compare them.
public enum MessagePackValue: Hashable, Sendable {
    /// `nil` (0xc0).
    case `nil`
    /// `true` (0xc3) or `false` (0xc2).
    case bool(Bool)
    /// A signed or unsigned integer that fits in `Int64`.
    case int(Int64)
    /// An unsigned integer above `Int64.max` (only ever written as uint 64).
    case uint(UInt64)
    /// A float 64 (0xcb); also how JavaScript numbers with a fraction travel.
    case double(Double)
    /// A float 32 (0xca), kept apart from `.double` so re-encoding is faithful.
    case float(Float)
    /// A UTF-8 string (fixstr, str 8/16/32).
    case string(String)
    /// A byte string (bin 8/16/32); Node `Buffer`s travel this way.
    case binary([UInt8])
    /// An array (fixarray, array 16/32).
    case array([MessagePackValue])
    /// A map (fixmap, map 16/32) as its entries in wire order; keys may be any value and may repeat.
    case map([MapEntry])
    /// An extension value other than the timestamp: an application type and its payload.
    case ext(type: Int8, data: [UInt8])
    /// The timestamp extension (type −1), seconds and nanoseconds since 1970-01-01T00:00:00Z.
    ///
    /// `nanoseconds` should be below 1 000 000 000; the encoder carries any excess into `seconds`.
    case timestamp(seconds: Int64, nanoseconds: UInt32)

    /// One key/value pair of a ``MessagePackValue/map(_:)``.
    public struct MapEntry: Hashable, Sendable {
        /// The key; JavaScript peers always send strings, but MessagePack allows any value.
        public var key: MessagePackValue
        /// The value stored under ``key``.
        public var value: MessagePackValue

        /// Creates an entry from its key and value.
        public init(key: MessagePackValue, value: MessagePackValue) {
            self.key = key
            self.value = value
        }
    }
}
