/// Why bytes could not be decoded as MessagePack. Every `offset` counts from the first byte given
/// to the decoder.
public enum MessagePackError: Error, Hashable, Sendable {
    /// The input ended inside a value that starts or continues at `offset`.
    case unexpectedEnd(offset: Int)
    /// A string, binary, extension, array or map at `offset` declares more bytes or elements
    /// (`declared`) than the `available` bytes that follow its header could possibly hold.
    case lengthExceedsInput(offset: Int, declared: UInt64, available: Int)
    /// The byte at `offset` is 0xc1, the one format byte MessagePack never uses.
    case invalidFormatByte(UInt8, offset: Int)
    /// The string payload at `offset` is not valid UTF-8.
    case invalidUTF8(offset: Int)
    /// The container at `offset` would nest deeper than the decoder's `limit`.
    case nestingTooDeep(limit: Int, offset: Int)
    /// A complete value was decoded but `count` bytes remain, starting at `offset`.
    case trailingBytes(offset: Int, count: Int)
    /// The timestamp extension (type −1) at `offset` has a payload of a length other than
    /// 4, 8 or 12 bytes, or nanoseconds of 1 000 000 000 or more.
    case invalidTimestamp(offset: Int)
}
