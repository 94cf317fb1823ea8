import NIOCore
import SocketIOProtocol

/// A msgpack-parser packet as a client sends it: the whole input is one binary message. Every packet
/// the decoder accepts is encoded again; the encoding must decode, and encode to the same bytes once more.
enum SocketIOMsgPackPacketFuzzing {
    private static let decoder = SocketIOMsgPackPacketDecoder()
    private static let relaxed = SocketIOMsgPackPacketDecoder(configuration: SocketIOPacketDecoder.Configuration(validation: .outgoing))

    static func run(_ input: UnsafeRawBufferPointer) {
        guard let packet = try? Self.decoder.decode(input) else { return }
        guard let first = try? SocketIOMsgPackPacketEncoder.encode(packet) else {
            fuzzFinding("a decoded packet did not encode")
        }
        let again: SocketIOPacket
        do {
            again = try Self.relaxed.decode(first)
        } catch {
            fuzzFinding("an encoded packet did not decode: \(error)")
        }
        guard let second = try? SocketIOMsgPackPacketEncoder.encode(again), second == first else {
            fuzzFinding("encode → decode → encode changed the packet")
        }
    }
}
