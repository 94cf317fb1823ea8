// The only file of this module that imports Foundation: it lets `Data` travel as binary.
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import NIOCore

/// Bridges Foundation `Data` to and from `.binary` for the Codable encoder and decoder.
enum FoundationDataBridge {
    /// The bytes of `value` when it is `Data`.
    static func binary(from value: Any) -> ByteBuffer? {
        guard let data = value as? Data else { return nil }
        return ByteBuffer(bytes: data)
    }

    /// `bytes` as a `T` when `T` is `Data`.
    static func value<T>(_ type: T.Type, from bytes: ByteBuffer) -> T? {
        guard T.self == Data.self else { return nil }
        return Data(bytes.readableBytesView) as? T
    }
}
