import CZlib

/// One zlib stream's memory: allocated and set up by ``make(_:)``, released by ``free(_:end:)``.
enum ZlibStream {
    /// A new stream that `setUp` (`deflateInit2`/`inflateInit2`) has made ready; nil when zlib
    /// refused (the memory is released then).
    static func make(_ setUp: (UnsafeMutablePointer<z_stream>) -> Int32) -> UnsafeMutablePointer<z_stream>? {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        guard setUp(stream) == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            return nil
        }
        return stream
    }

    /// Ends `stream` with `end` (`deflateEnd`/`inflateEnd`) and releases its memory.
    static func free(_ stream: UnsafeMutablePointer<z_stream>, end: (UnsafeMutablePointer<z_stream>) -> Int32) {
        _ = end(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }
}
