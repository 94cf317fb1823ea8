import NIOCore

extension EngineWebSocketFrameParser.Event {
    /// The event a compressed message stands for once inflated with `inflater` into at most
    /// `limit` bytes (the limit a plain message has): the text or binary message, or a failure —
    /// 1009 past the limit, 1007 for bytes that are not DEFLATE data or text that is not UTF-8 (as
    /// the reference's `ws` closes). Other events are returned as they are.
    package func inflated(with inflater: EngineInflater?, limit: Int) -> Self {
        let payload: ByteBuffer
        let isText: Bool
        switch self {
        case .compressedText(let bytes):
            payload = bytes
            isText = true
        case .compressedBinary(let bytes):
            payload = bytes
            isText = false
        default:
            return self
        }
        guard let inflater else { return .failure(.unexpectedServerError) }
        switch inflater.inflate(payload, limit: limit) {
        case .tooLarge:
            return .failure(.messageTooLarge)
        case .invalid:
            return .failure(.dataInconsistentWithMessage)
        case .inflated(let message):
            guard isText else { return .binary(message) }
            guard message.withUnsafeReadableBytes(UTF8Validation.isValid) else { return .failure(.dataInconsistentWithMessage) }
            return .text(message)
        }
    }
}
