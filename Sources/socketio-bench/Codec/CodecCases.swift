import NIOCore
import SocketIOProtocol

/// One micro-benchmark: `prepare` builds the inputs once, the returned closure performs one operation.
struct CodecCase {
    /// Name in the report.
    let name: String
    /// What one operation is.
    let detail: String
    /// Builds state and returns the operation.
    let prepare: () -> () -> Void
}

/// Keeps a value alive so the optimizer cannot drop the work that produced it.
@inline(never)
func blackHole<T>(_ value: T) {
    withExtendedLifetime(value) {}
}

/// The cases of `socketio-bench codec`: the SocketIOProtocol packet codec on the packets the server
/// handles most, plus the bench client's own per-message work (so its cost per delivered message is known).
enum CodecCases {
    static let payload32 = String(repeating: "x", count: 32)

    static var all: [CodecCase] {
        [
            CodecCase(name: "encode event into reused buffer", detail: #"42["to-room","bench-room","<32 B>"] as a broadcast encodes once"#) {
                let packet = SocketIOPacket.event("to-room", [.string("bench-room"), .string(Self.payload32)])
                var buffer = ByteBufferAllocator().buffer(capacity: 256)
                return {
                    buffer.clear()
                    buffer.writeInteger(UInt8(ascii: "4"))
                    blackHole(try? SocketIOPacketEncoder.encode(packet, into: &buffer))
                }
            },
            CodecCase(name: "encode event, fresh buffer", detail: #"SocketIOPacketEncoder.encode(_:) of 42["echo","<32 B>"]"#) {
                let packet = SocketIOPacket.event("echo", [.string(Self.payload32)])
                return { blackHole(try? SocketIOPacketEncoder.encode(packet)) }
            },
            CodecCase(name: "encode ack", detail: #"43<id>["<32 B>"]"#) {
                let packet = SocketIOPacket.ack(1234, [.string(Self.payload32)])
                var buffer = ByteBufferAllocator().buffer(capacity: 256)
                return {
                    buffer.clear()
                    blackHole(try? SocketIOPacketEncoder.encode(packet, into: &buffer))
                }
            },
            CodecCase(name: "decode event with ack id", detail: #"2<id>["echo","<32 B>"] (what echo requests cost the server)"#) {
                let text = ByteBuffer(string: "21234[\"echo\",\"\(Self.payload32)\"]")
                var decoder = SocketIOPacketDecoder()
                return { blackHole(try? decoder.decode(text: text)) }
            },
            CodecCase(name: "decode to-room request", detail: #"2<id>["to-room","bench-room","<32 B>"]"#) {
                let text = ByteBuffer(string: "27[\"to-room\",\"bench-room\",\"\(Self.payload32)\"]")
                var decoder = SocketIOPacketDecoder()
                return { blackHole(try? decoder.decode(text: text)) }
            },
            CodecCase(name: "decode event with object", detail: #"2["chat",{"user":"ann","n":42,"tags":["a","b"],"ok":true,"x":1.5}]"#) {
                let text = ByteBuffer(string: #"2["chat",{"user":"ann","n":42,"tags":["a","b"],"ok":true,"x":1.5}]"#)
                var decoder = SocketIOPacketDecoder()
                return { blackHole(try? decoder.decode(text: text)) }
            },
            CodecCase(name: "encode binary event", detail: "51-[\"up\",<placeholder>] + 1 KiB attachment") {
                var bytes = ByteBufferAllocator().buffer(capacity: 1024)
                bytes.writeRepeatingByte(7, count: 1024)
                let packet = SocketIOPacket.event("up", [.binary(bytes)])
                var buffer = ByteBufferAllocator().buffer(capacity: 256)
                return {
                    buffer.clear()
                    blackHole(try? SocketIOPacketEncoder.encode(packet, into: &buffer))
                }
            },
            CodecCase(name: "decode binary event", detail: "51-[\"up\",<placeholder>] then a 1 KiB attachment") {
                let text = ByteBuffer(string: #"51-["up",{"_placeholder":true,"num":0}]"#)
                var attachment = ByteBufferAllocator().buffer(capacity: 1024)
                attachment.writeRepeatingByte(7, count: 1024)
                var decoder = SocketIOPacketDecoder()
                return {
                    _ = try? decoder.decode(text: text)
                    blackHole(try? decoder.decode(binary: attachment))
                }
            },
            CodecCase(name: "bench client: receive delivery", detail: "frame header + Engine/Socket.IO scan of 42[\"to-room\",\"<ts+16 B>\"]") {
                var frame = ByteBuffer()
                let text = "42[\"to-room\",\"0000000012345678abcdefghijklmnop\"]"
                frame.writeInteger(UInt8(0x81))
                frame.writeInteger(UInt8(text.utf8.count))
                frame.writeString(text)
                var state = EngineClientState()
                _ = "0{}".utf8.withContiguousStorageIfAvailable { state.receive(UnsafeRawBufferPointer($0)) }
                _ = "40{}".utf8.withContiguousStorageIfAvailable { state.receive(UnsafeRawBufferPointer($0)) }
                return {
                    frame.withUnsafeReadableBytes { bytes in
                        guard case .header(let header) = WebSocketFrameCodec.parseHeader(bytes) else { return }
                        blackHole(state.receive(UnsafeRawBufferPointer(rebasing: bytes[header.headerLength..<header.frameLength])))
                    }
                }
            },
            CodecCase(name: "bench client: send stamped emit", detail: "42<id>[\"to-room\",\"bench-room\",\"<ts+16 B>\"] masked into a new frame buffer") {
                let body = EventBodies(style: .bench, payloadSize: 32).fanout(room: "bench-room")
                var scratch = ByteBufferAllocator().buffer(capacity: 256)
                var random = XorShiftGenerator(seed: 1)
                let allocator = ByteBufferAllocator()
                var id = 0
                return {
                    scratch.clear()
                    scratch.writeInteger(UInt8(ascii: "4"))
                    scratch.writeInteger(UInt8(ascii: "2"))
                    ASCII.writeDecimal(id, into: &scratch)
                    id &+= 1
                    body.write(timestamp: Clock.sinceEpoch(), into: &scratch)
                    var frame = allocator.buffer(capacity: WebSocketFrameCodec.maskedFrameLength(payloadLength: scratch.readableBytes))
                    let mask = random.next32()
                    scratch.withUnsafeReadableBytes { WebSocketFrameCodec.writeMaskedFrame(opcode: .text, payload: $0, maskKey: mask, into: &frame) }
                    blackHole(frame)
                }
            },
        ] + Self.msgpack
    }
}
