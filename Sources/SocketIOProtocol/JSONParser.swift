import NIOCore

/// A strict RFC 8259 JSON parser from UTF-8 bytes to ``SocketIOValue``.
///
/// - The whole input must be one JSON value, optionally surrounded by JSON whitespace; anything after it is
///   an error (`JSON.parse` behaves the same).
/// - Numbers follow the RFC grammar (no leading zeros, no `+`, no bare `.5` or `1.`); a number without
///   fraction or exponent that fits in `Int` becomes `.int`, every other number `.double` (correctly
///   rounded; out-of-range magnitudes become ±infinity or ±0 as in JavaScript).
/// - Strings reject raw control characters and unknown escapes. An unpaired UTF-16 surrogate escape
///   (`"\ud800"`) is **replaced** by U+FFFD, because a Swift `String` cannot hold it; this is also what a
///   Node.js peer produces when it writes such a string out as UTF-8. Invalid UTF-8 bytes are likewise
///   replaced by U+FFFD.
/// - A repeated object key keeps its first position and its last value, as in `JSON.parse`.
/// - Arrays and objects may nest at most ``maxDepth`` levels, so hostile input cannot exhaust the stack.
public struct JSONParser: Sendable {
    /// The default nesting limit: 64 levels of arrays/objects.
    public static let defaultMaxDepth = 64

    /// The deepest nesting of arrays and objects accepted; `[[1]]` has depth 2, a scalar depth 0.
    public var maxDepth: Int

    /// Creates a parser with the given nesting limit.
    public init(maxDepth: Int = JSONParser.defaultMaxDepth) {
        self.maxDepth = maxDepth
    }

    /// Parses the readable bytes of `buffer` (without moving its reader index).
    public func parse(_ buffer: ByteBuffer) throws(SocketIOProtocolError) -> SocketIOValue {
        let result = buffer.withUnsafeReadableBytes { bytes in
            Result { () throws(SocketIOProtocolError) -> SocketIOValue in try self.parse(bytes) }
        }
        return try result.get()
    }

    /// Parses the UTF-8 form of `text`.
    public func parse(_ text: String) throws(SocketIOProtocolError) -> SocketIOValue {
        var text = text
        let result = text.withUTF8 { utf8 in
            Result { () throws(SocketIOProtocolError) -> SocketIOValue in
                try self.parse(UnsafeRawBufferPointer(utf8))
            }
        }
        return try result.get()
    }

    /// Parses UTF-8 bytes.
    public func parse(_ bytes: UnsafeRawBufferPointer) throws(SocketIOProtocolError) -> SocketIOValue {
        var reader = JSONReader(bytes: bytes, maxDepth: self.maxDepth)
        return try reader.readDocument()
    }
}
