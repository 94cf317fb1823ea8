import EngineIO
import NIOCore

/// permessage-deflate fed what a client could send, chosen by the first byte: the
/// `Sec-WebSocket-Extensions` negotiation (an accepted offer's answer, offered again, must give the
/// same agreement), inflation of arbitrary bytes under a small limit (the output never passes it), and
/// compress → inflate round trips of arbitrary messages at every window size.
enum PerMessageDeflateFuzzing {
    static func run(_ input: UnsafeRawBufferPointer) {
        guard let mode = input.first else { return }
        let data = UnsafeRawBufferPointer(rebasing: input.dropFirst())
        switch mode & 3 {
        case 0: Self.negotiation(data)
        case 1: Self.inflation(data, limit: Int(mode >> 2) * 64 + 1)
        default: Self.roundTrip(data, windowBits: 9 + Int(mode >> 2) % 7, noContextTakeover: mode & 0x80 != 0)
        }
    }

    private static func negotiation(_ data: UnsafeRawBufferPointer) {
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for options in [EnginePerMessageDeflate(), EnginePerMessageDeflate(serverNoContextTakeover: true, serverMaxWindowBits: 12, clientMaxWindowBits: 10)] {
            guard case .accepted(let agreement) = EnginePerMessageDeflateNegotiation.negotiate(headerLines: lines, options: options) else { continue }
            let again = EnginePerMessageDeflateNegotiation.negotiate(headerLines: [agreement.responseHeaderValue], options: EnginePerMessageDeflate())
            guard again == .accepted(agreement) else { fuzzFinding("the answer \(agreement.responseHeaderValue) does not stand as an offer") }
        }
    }

    private static func inflation(_ data: UnsafeRawBufferPointer, limit: Int) {
        guard let inflater = EngineInflater(noContextTakeover: false) else { return }
        let bytes = ByteBuffer(bytes: data)
        for _ in 0..<2 {
            if case .inflated(let output) = inflater.inflate(bytes, limit: limit), output.readableBytes > limit {
                fuzzFinding("inflated \(output.readableBytes) bytes past the limit of \(limit)")
            }
        }
    }

    private static func roundTrip(_ data: UnsafeRawBufferPointer, windowBits: Int, noContextTakeover: Bool) {
        guard let deflater = EngineDeflater(windowBits: windowBits, noContextTakeover: noContextTakeover),
            let inflater = EngineInflater(noContextTakeover: noContextTakeover)
        else { return }
        let message = ByteBuffer(bytes: data)
        for _ in 0..<2 {
            guard let compressed = deflater.compress(message) else { fuzzFinding("compression failed") }
            guard inflater.inflate(compressed, limit: message.readableBytes) == .inflated(message) else {
                fuzzFinding("a compressed message did not inflate back")
            }
        }
    }
}
