/// Decodes MessagePack bytes into ``MessagePackValue``s, safely on hostile input.
///
/// Every format of the specification is understood. Malformed input never traps: truncation,
/// lengths or counts past the end of the input, nesting deeper than ``maxDepth``, the unused
/// byte 0xc1, invalid UTF-8 and malformed timestamps all throw a ``MessagePackError``. Container
/// counts are checked against the bytes that remain before anything is allocated for them.
///
/// With ``decodesNotepackLegacyExtensions`` (the default), the extension type 0 values written by
/// notepack.io 2.x decode as that library decodes them:
/// - `d7 00` + 8-byte big-endian signed milliseconds (a JavaScript `Date`) → `.timestamp`;
/// - `d4 00 xx` (JavaScript `undefined`) → `.nil`;
/// - ext 8/16/32 of type 0 (an `ArrayBuffer`) → `.binary`.
public struct MessagePackDecoder: Sendable {
    /// The default for ``maxDepth``.
    public static let defaultMaxDepth = 100

    /// How many containers (arrays and maps) may enclose one another; deeper input throws
    /// ``MessagePackError/nestingTooDeep(limit:offset:)``. Decoding recurses once per level, so
    /// keep this small enough for the stack of the calling thread.
    public var maxDepth: Int
    /// Whether extension type 0 is read the notepack.io 2.x way (see the type's documentation)
    /// rather than as a plain `.ext(type: 0, …)`.
    public var decodesNotepackLegacyExtensions: Bool

    /// Creates a decoder.
    public init(maxDepth: Int = MessagePackDecoder.defaultMaxDepth, decodesNotepackLegacyExtensions: Bool = true) {
        self.maxDepth = maxDepth
        self.decodesNotepackLegacyExtensions = decodesNotepackLegacyExtensions
    }

    /// Decodes exactly one value that must span all of `bytes`; anything after it throws
    /// ``MessagePackError/trailingBytes(offset:count:)``.
    public func decode(_ bytes: UnsafeRawBufferPointer) throws(MessagePackError) -> MessagePackValue {
        let (value, byteCount) = try decodePrefix(bytes)
        guard byteCount == bytes.count else {
            throw .trailingBytes(offset: byteCount, count: bytes.count - byteCount)
        }
        return value
    }

    /// Decodes exactly one value that must span all of `bytes` (an array, a slice, a NIO
    /// `ByteBufferView`…); anything after it throws ``MessagePackError/trailingBytes(offset:count:)``.
    public func decode<Bytes: Sequence<UInt8>>(_ bytes: Bytes) throws(MessagePackError) -> MessagePackValue {
        try withRawBytes(of: bytes) { raw in Result { () throws(MessagePackError) in try decode(raw) } }.get()
    }

    /// Decodes the one value at the start of `bytes`, returning it with how many bytes it took;
    /// bytes after it are left alone.
    public func decodePrefix(
        _ bytes: UnsafeRawBufferPointer
    ) throws(MessagePackError) -> (value: MessagePackValue, byteCount: Int) {
        var reader = MessagePackByteReader(bytes)
        let value = try decodeValue(from: &reader, depth: 0)
        return (value, reader.offset)
    }

    /// Decodes the one value at the start of `bytes`, returning it with how many bytes it took;
    /// bytes after it are left alone.
    public func decodePrefix<Bytes: Sequence<UInt8>>(
        _ bytes: Bytes
    ) throws(MessagePackError) -> (value: MessagePackValue, byteCount: Int) {
        try withRawBytes(of: bytes) { raw in Result { () throws(MessagePackError) in try decodePrefix(raw) } }.get()
    }

    /// Runs `body` on the contiguous bytes of `bytes`, copying them only when they are not contiguous.
    private func withRawBytes<Bytes: Sequence<UInt8>, Output>(
        of bytes: Bytes,
        _ body: (UnsafeRawBufferPointer) -> Output
    ) -> Output {
        if let output = bytes.withContiguousStorageIfAvailable({ body(UnsafeRawBufferPointer($0)) }) {
            return output
        }
        return Array(bytes).withUnsafeBytes(body)
    }
}
