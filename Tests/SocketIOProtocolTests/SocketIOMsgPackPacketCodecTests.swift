import MessagePack
import NIOCore
import SocketIOProtocol
import XCTest

/// The msgpack parser's packets: the bytes the reference writes, and round trips through the decoder.
final class SocketIOMsgPackPacketCodecTests: XCTestCase {
    private func encodeBytes(_ packet: SocketIOPacket, file: StaticString = #filePath, line: UInt = #line) -> [UInt8] {
        do {
            return Array(try SocketIOMsgPackPacketEncoder.encode(packet).readableBytesView)
        } catch {
            XCTFail("encoding failed: \(error)", file: file, line: line)
            return []
        }
    }

    private func hex(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            bytes.append(UInt8(text[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }

    func testEventBytesAreTheReferenceMap() {
        // {type: 2, data: ["chat", "hi"], nsp: "/"}: the members of the reference's packet, in its order,
        // and no `id` member without an ack id.
        XCTAssertEqual(self.encodeBytes(.event("chat", ["hi"])), self.hex("83a47479706502a46461746192a463686174a26869a36e7370a12f"))
    }

    func testAckBytesCarryNativeBinaryAndTheID() {
        let packet = SocketIOPacket.ack(
            13, [.binary(ByteBuffer(bytes: [1, 2])), .double(1.5), -3, .null, true, ["k": "v"]], namespace: "/admin"
        )
        XCTAssertEqual(
            self.encodeBytes(packet),
            self.hex("84a47479706503a46461746196c4020102cb3ff8000000000000fdc0c381a16ba176a36e7370a62f61646d696ea269640d")
        )
    }

    func testIntegralDoublesAreWrittenAsIntegers() throws {
        let value = try SocketIOMsgPackPacketEncoder.messagePackValue(of: .event("n", [.double(2), .double(-0.0), .double(0.5)]))
        XCTAssertEqual(value["data"], ["n", 2, 0, .double(0.5)])
    }

    func testPacketsWithoutPayloadHaveNoDataMember() throws {
        let disconnect = try SocketIOMsgPackPacketEncoder.messagePackValue(of: SocketIOPacket(type: .disconnect, namespace: "/a"))
        XCTAssertEqual(disconnect, .map([.init(key: "type", value: 1), .init(key: "nsp", value: "/a")]))
        let nullPayload = try SocketIOMsgPackPacketEncoder.messagePackValue(of: SocketIOPacket(type: .connect, payload: .null))
        XCTAssertEqual(nullPayload, .map([.init(key: "type", value: 0), .init(key: "nsp", value: "/")]))
        // The namespace is written as it is, even one the default parser could not write.
        let emptyNamespace = try SocketIOMsgPackPacketEncoder.messagePackValue(of: SocketIOPacket(type: .connectError, namespace: "", payload: "x"))
        XCTAssertEqual(emptyNamespace["nsp"], "")
        let oddNamespace = try SocketIOMsgPackPacketEncoder.messagePackValue(of: SocketIOPacket(type: .connectError, namespace: "a,b", payload: "x"))
        XCTAssertEqual(oddNamespace["nsp"], "a,b")
    }

    func testBinaryTypesAreWrittenAsPlainTypes() throws {
        let event = try SocketIOMsgPackPacketEncoder.messagePackValue(
            of: SocketIOPacket(type: .binaryEvent, payload: ["up", .binary(ByteBuffer(bytes: [9]))])
        )
        XCTAssertEqual(event["type"], 2)
        XCTAssertEqual(event["data"], ["up", .binary([9])])
        let ack = try SocketIOMsgPackPacketEncoder.messagePackValue(of: SocketIOPacket(type: .binaryAck, ackID: 1, payload: []))
        XCTAssertEqual(ack["type"], 3)
    }

    func testNegativeAckIDIsRefusedAndNothingWritten() {
        var buffer = ByteBuffer(string: "x")
        assertThrows(.invalidAckID) { () throws(SocketIOProtocolError) in
            try SocketIOMsgPackPacketEncoder.encode(.event("x", ackID: -1), into: &buffer)
        }
        XCTAssertEqual(buffer.readableBytes, 1)
        XCTAssertFalse(SocketIOMsgPackPacketEncoder.canEncode(.ack(-2)))
        XCTAssertTrue(SocketIOMsgPackPacketEncoder.canEncode(.event("x", namespace: "no-slash,comma")))
    }

    func testRoundTrips() throws {
        let decoder = SocketIOMsgPackPacketDecoder()
        let packets: [SocketIOPacket] = [
            SocketIOPacket(type: .connect),
            SocketIOPacket(type: .connect, namespace: "/admin", payload: ["token": "abc", "n": 1]),
            SocketIOPacket(type: .connect, payload: ["sid": "AAAAAAAAAAAAAAAAAAAA"]),
            SocketIOPacket(type: .disconnect, namespace: "/admin"),
            .event("chat", ["hi", 1, .double(2.5), .null, false, ["nested": [1, [2, [3]]]]]),
            .event("upload", [.binary(ByteBuffer(bytes: Array(0...255))), ["file": .binary(ByteBuffer())]], namespace: "/files", ackID: 7),
            .event("x", ackID: Int(Int32.max) + 1),
            .ack(0, []),
            .ack(42, ["ok", .binary(ByteBuffer(bytes: [0xde, 0xad]))], namespace: "/a"),
            SocketIOPacket(type: .connectError, payload: ["message": "Invalid namespace"]),
            SocketIOPacket(type: .connectError, namespace: "/x", payload: ["message": "no", "data": ["code": 4]]),
            SocketIOPacket(type: .connectError, payload: "old style"),
        ]
        for packet in packets {
            let decoded = try decoder.decode(try SocketIOMsgPackPacketEncoder.encode(packet))
            XCTAssertEqual(decoded, packet)
        }
    }

    func testBinaryTypesDecodeAsTheirPlainType() throws {
        let decoder = SocketIOMsgPackPacketDecoder()
        let binary = SocketIOPacket(type: .binaryEvent, payload: ["up", .binary(ByteBuffer(bytes: [1]))])
        let decoded = try decoder.decode(try SocketIOMsgPackPacketEncoder.encode(binary))
        XCTAssertEqual(decoded, .event("up", [.binary(ByteBuffer(bytes: [1]))]))
    }

    func testWhatPythonSocketIOSends() throws {
        // python-socketio's MsgPackPacket always writes `data`, nil when there is none, and `id` only with one.
        let decoder = SocketIOMsgPackPacketDecoder()
        let connect = MessagePackEncoder.encode(["type": 0, "data": ["token": "t"], "nsp": "/"])
        XCTAssertEqual(try decoder.decode(ByteBuffer(bytes: connect)), SocketIOPacket(type: .connect, payload: ["token": "t"]))
        let disconnect = MessagePackEncoder.encode(["type": 1, "data": nil, "nsp": "/admin"])
        XCTAssertEqual(try decoder.decode(ByteBuffer(bytes: disconnect)), SocketIOPacket(type: .disconnect, namespace: "/admin"))
        let event = MessagePackEncoder.encode(["type": 2, "data": ["e", .binary([1, 2])], "nsp": "/", "id": 3])
        XCTAssertEqual(try decoder.decode(ByteBuffer(bytes: event)), .event("e", [.binary(ByteBuffer(bytes: [1, 2]))], ackID: 3))
    }

    func testMembersAreReadAsJavaScriptReadsTheObject() throws {
        let decoder = SocketIOMsgPackPacketDecoder()
        // Unknown members are ignored, a repeated key keeps its last value, order does not matter.
        let bytes = MessagePackEncoder.encode(
            .map([
                .init(key: "nsp", value: "/"), .init(key: "extra", value: [1, 2]), .init(key: "type", value: 3),
                .init(key: "data", value: ["a"]), .init(key: "type", value: 2), .init(key: "id", value: .double(5)),
            ])
        )
        XCTAssertEqual(try decoder.decode(ByteBuffer(bytes: bytes)), .event("a", ackID: 5))
        // An integral float type is an integer to JavaScript.
        let floatType = MessagePackEncoder.encode(["type": .double(3), "data": [], "nsp": "/", "id": 1])
        XCTAssertEqual(try decoder.decode(ByteBuffer(bytes: floatType)), .ack(1, []))
        // A binary key reads as its text, as notepack.io makes property names.
        let binaryKey = MessagePackEncoder.encode(.map([.init(key: .binary(Array("type".utf8)), value: 0), .init(key: "nsp", value: "/")]))
        XCTAssertEqual(try decoder.decode(ByteBuffer(bytes: binaryKey)), SocketIOPacket(type: .connect))
    }

    func testEventPayloadsTheReferenceAccepts() throws {
        let decoder = SocketIOMsgPackPacketDecoder()
        // Any array is an EVENT payload to the reference decoder, empty or not named by a string.
        for data: MessagePackValue in [[], [1], [["a": 1]], [.nil, "x"]] {
            let bytes = MessagePackEncoder.encode(["type": 2, "data": data, "nsp": "/"])
            XCTAssertEqual(try decoder.decode(ByteBuffer(bytes: bytes)).payload, SocketIOValue(messagePack: data))
        }
    }

    func testReservedEventNamesFollowTheConfiguration() throws {
        let bytes = ByteBuffer(bytes: MessagePackEncoder.encode(["type": 2, "data": ["disconnect"], "nsp": "/"]))
        assertThrows(.reservedEventName("disconnect")) { () throws(SocketIOProtocolError) in
            try SocketIOMsgPackPacketDecoder().decode(bytes)
        }
        let lenient = SocketIOMsgPackPacketDecoder(configuration: .init(validation: .outgoing))
        XCTAssertEqual(try lenient.decode(bytes), .event("disconnect"))
    }
}
