import MessagePack
import NIOCore
import SocketIOProtocol

extension CodecCases {
    /// The msgpack parser's codec on the same packets as the default parser's cases.
    static var msgpack: [CodecCase] {
        [
            CodecCase(name: "msgpack: encode event into reused buffer", detail: #"{type:2,data:["to-room","bench-room","<32 B>"],nsp:"/"}"#) {
                let packet = SocketIOPacket.event("to-room", [.string("bench-room"), .string(Self.payload32)])
                var buffer = ByteBufferAllocator().buffer(capacity: 256)
                return {
                    buffer.clear()
                    blackHole(try? SocketIOMsgPackPacketEncoder.encode(packet, into: &buffer))
                }
            },
            CodecCase(name: "msgpack: encode ack", detail: #"{type:3,data:["<32 B>"],nsp:"/",id:<id>}"#) {
                let packet = SocketIOPacket.ack(1234, [.string(Self.payload32)])
                var buffer = ByteBufferAllocator().buffer(capacity: 256)
                return {
                    buffer.clear()
                    blackHole(try? SocketIOMsgPackPacketEncoder.encode(packet, into: &buffer))
                }
            },
            CodecCase(name: "msgpack: decode event with ack id", detail: #"{type:2,data:["echo","<32 B>"],nsp:"/",id:<id>}"#) {
                let bytes = Self.msgpackBytes(.event("echo", [.string(Self.payload32)], ackID: 1234))
                let decoder = SocketIOMsgPackPacketDecoder()
                return { blackHole(try? decoder.decode(bytes)) }
            },
            CodecCase(name: "msgpack: decode event with object", detail: #"{type:2,data:["chat",{"user":"ann","n":42,"tags":["a","b"],"ok":true,"x":1.5}],nsp:"/"}"#) {
                let bytes = Self.msgpackBytes(
                    .event("chat", [["user": "ann", "n": 42, "tags": ["a", "b"], "ok": true, "x": .double(1.5)]])
                )
                let decoder = SocketIOMsgPackPacketDecoder()
                return { blackHole(try? decoder.decode(bytes)) }
            },
            CodecCase(name: "msgpack: encode binary event", detail: #"{type:2,data:["up",<1 KiB bin>],nsp:"/"}"#) {
                var bytes = ByteBufferAllocator().buffer(capacity: 1024)
                bytes.writeRepeatingByte(7, count: 1024)
                let packet = SocketIOPacket.event("up", [.binary(bytes)])
                var buffer = ByteBufferAllocator().buffer(capacity: 2048)
                return {
                    buffer.clear()
                    blackHole(try? SocketIOMsgPackPacketEncoder.encode(packet, into: &buffer))
                }
            },
            CodecCase(name: "msgpack: decode binary event", detail: #"{type:2,data:["up",<1 KiB bin>],nsp:"/"}"#) {
                var attachment = ByteBufferAllocator().buffer(capacity: 1024)
                attachment.writeRepeatingByte(7, count: 1024)
                let bytes = Self.msgpackBytes(.event("up", [.binary(attachment)]))
                let decoder = SocketIOMsgPackPacketDecoder()
                return { blackHole(try? decoder.decode(bytes)) }
            },
        ]
    }

    private static func msgpackBytes(_ packet: SocketIOPacket) -> ByteBuffer {
        (try? SocketIOMsgPackPacketEncoder.encode(packet)) ?? ByteBuffer()
    }
}
