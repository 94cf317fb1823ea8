import NIOCore
import SocketIOProtocol

/// Socket.IO packets as a client sends them: the input is cut on `\x1e` into messages; a message that
/// starts with `0xff` is a binary one (an attachment), any other a text one. Every packet the decoder
/// completes is encoded again; the encoding must decode, and encode to the same bytes once more.
enum SocketIOPacketFuzzing {
    private static let configuration = SocketIOPacketDecoder.Configuration(maxAttachments: 10, maxAttachmentBytes: 1 << 16)

    static func run(_ input: UnsafeRawBufferPointer) {
        var decoder = SocketIOPacketDecoder(configuration: Self.configuration)
        for message in input.split(separator: 0x1E, omittingEmptySubsequences: false).prefix(64) {
            let decoded: SocketIOPacket?
            do {
                if message.first == 0xFF {
                    decoded = try decoder.decode(binary: ByteBuffer(bytes: message.dropFirst()))
                } else {
                    decoded = try decoder.decode(text: ByteBuffer(bytes: message))
                }
            } catch {
                decoder.reset()
                continue
            }
            if let decoded { Self.checkRoundTrip(decoded) }
        }
    }

    private static func checkRoundTrip(_ packet: SocketIOPacket) {
        // JSON has no infinity: a number too large for a double parses as one (as JSON.parse does) and
        // is written back as null (as JSON.stringify does), so such packets do not round-trip.
        guard packet.isEncodable, !(packet.payload.map(Self.holdsNonFiniteNumber) ?? false) else { return }
        guard let first = try? SocketIOPacketEncoder.encode(packet) else {
            fuzzFinding("a decoded, encodable packet did not encode")
        }
        var decoder = SocketIOPacketDecoder(configuration: SocketIOPacketDecoder.Configuration(validation: .outgoing))
        let again: SocketIOPacket?
        do {
            let fromText = try decoder.decode(text: first.text)
            again = try first.attachments.reduce(fromText) { _, attachment in try decoder.decode(binary: attachment) }
        } catch {
            fuzzFinding("an encoded packet did not decode: \(error)")
        }
        guard let again, let second = try? SocketIOPacketEncoder.encode(again), second == first else {
            fuzzFinding("encode → decode → encode changed the packet")
        }
    }

    private static func holdsNonFiniteNumber(_ value: SocketIOValue) -> Bool {
        switch value {
        case .double(let number): return !number.isFinite
        case .array(let elements): return elements.contains(where: Self.holdsNonFiniteNumber)
        case .object(let members): return members.values.contains(where: Self.holdsNonFiniteNumber)
        default: return false
        }
    }
}
