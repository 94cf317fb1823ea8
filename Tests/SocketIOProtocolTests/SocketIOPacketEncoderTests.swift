import NIOCore
import SocketIOProtocol
import XCTest

final class SocketIOPacketEncoderTests: XCTestCase {
    func testWireReferenceExamples() {
        XCTAssertEqual(encodeToString(SocketIOPacket(type: .connect)).text, "0")
        XCTAssertEqual(encodeToString(SocketIOPacket(type: .connect, payload: ["token": "abc"])).text, #"0{"token":"abc"}"#)
        XCTAssertEqual(
            encodeToString(SocketIOPacket(type: .connect, namespace: "/admin", payload: ["token": "abc"])).text,
            #"0/admin,{"token":"abc"}"#
        )
        XCTAssertEqual(encodeToString(.event("chat", ["hi"])).text, #"2["chat","hi"]"#)
        XCTAssertEqual(encodeToString(.event("chat", ["hi"], ackID: 13)).text, #"213["chat","hi"]"#)
        XCTAssertEqual(encodeToString(.event("chat", namespace: "/admin", ackID: 13)).text, #"2/admin,13["chat"]"#)
        XCTAssertEqual(encodeToString(.ack(13, ["ok"])).text, #"313["ok"]"#)
        XCTAssertEqual(
            encodeToString(SocketIOPacket(type: .connectError, payload: ["message": "Not authorized", "data": ["code": 7]])).text,
            #"4{"message":"Not authorized","data":{"code":7}}"#
        )
        XCTAssertEqual(
            encodeToString(SocketIOPacket(type: .connectError, namespace: "/admin", payload: ["message": "Invalid namespace"])).text,
            #"4/admin,{"message":"Invalid namespace"}"#
        )
        XCTAssertEqual(encodeToString(SocketIOPacket(type: .disconnect, namespace: "/admin")).text, "1/admin,")
        XCTAssertEqual(encodeToString(SocketIOPacket(type: .disconnect)).text, "1")
    }

    func testAppendsAfterEngineIOPrefix() throws {
        var out = ByteBuffer()
        out.writeString("4")
        let attachments = try SocketIOPacketEncoder.encode(.event("chat", ["hi"], ackID: 13), into: &out)
        XCTAssertEqual(String(buffer: out), #"4213["chat","hi"]"#)
        XCTAssertTrue(attachments.isEmpty)
    }

    func testBinaryEventBecomesBinaryWithPlaceholders() {
        let bytes = buffer(bytes: [1, 2, 3])
        let (text, attachments) = encodeToString(.event("up", [.binary(bytes)]))
        XCTAssertEqual(text, #"51-["up",{"_placeholder":true,"num":0}]"#)
        XCTAssertEqual(attachments, [bytes])
    }

    func testNestedBinaryPlaceholdersInOrderOfAppearance() {
        let a = buffer(bytes: [0xA])
        let b = buffer(bytes: [0xB])
        let c = buffer(bytes: [0xC])
        let d = buffer(bytes: [0xD])
        let payload: [SocketIOValue] = [
            ["first": .binary(a), "list": [1, .binary(b), ["deep": .binary(c)]]],
            .binary(d),
        ]
        let (text, attachments) = encodeToString(.ack(7, payload, namespace: "/files"))
        XCTAssertEqual(
            text,
            #"64-/files,7[{"first":{"_placeholder":true,"num":0},"list":[1,{"_placeholder":true,"num":1},"#
                + #"{"deep":{"_placeholder":true,"num":2}}]},{"_placeholder":true,"num":3}]"#
        )
        XCTAssertEqual(attachments, [a, b, c, d])
    }

    func testBinaryTypeWithoutBinaryIsWrittenPlain() {
        let packet = SocketIOPacket(type: .binaryEvent, payload: ["x"])
        XCTAssertEqual(encodeToString(packet).text, #"2["x"]"#)
        XCTAssertEqual(encodeToString(SocketIOPacket(type: .binaryAck, ackID: 1, payload: [])).text, "31[]")
    }

    func testNullPayloadIsOmittedLikeTheReference() {
        XCTAssertEqual(encodeToString(SocketIOPacket(type: .connect, payload: .null)).text, "0")
    }

    func testBinaryInConnectErrorUsesBufferForm() {
        let packet = SocketIOPacket(type: .connectError, payload: ["message": "x", "data": .binary(buffer(bytes: [9]))])
        let (text, attachments) = encodeToString(packet)
        XCTAssertEqual(text, #"4{"message":"x","data":{"type":"Buffer","data":[9]}}"#)
        XCTAssertTrue(attachments.isEmpty)
    }

    func testServerMayEncodeReservedEventNames() throws {
        XCTAssertEqual(encodeToString(.event("disconnect")).text, #"2["disconnect"]"#)
        var out = ByteBuffer()
        XCTAssertNoThrow(try SocketIOPacketEncoder.encode(.event("connect"), validating: .outgoing, into: &out))
        XCTAssertEqual(String(buffer: out), #"2["connect"]"#)
    }

    func testValidatingEncodeRefusesInvalidPackets() {
        var out = ByteBuffer()
        assertThrows(.reservedEventName("connect")) { () throws(SocketIOProtocolError) in
            try SocketIOPacketEncoder.encode(.event("connect"), validating: .incoming, into: &out)
        }
        assertThrows(.invalidPayload(.event)) { () throws(SocketIOProtocolError) in
            try SocketIOPacketEncoder.encode(SocketIOPacket(type: .event, payload: ["a": 1]), validating: .outgoing, into: &out)
        }
        assertThrows(.invalidNamespace("admin")) { () throws(SocketIOProtocolError) in
            try SocketIOPacketEncoder.encode(.event("x", namespace: "admin"), validating: .outgoing, into: &out)
        }
        assertThrows(.invalidNamespace("/a,b")) { () throws(SocketIOProtocolError) in
            try SocketIOPacketEncoder.encode(.event("x", namespace: "/a,b"), validating: .outgoing, into: &out)
        }
        assertThrows(.invalidAckID) { () throws(SocketIOProtocolError) in
            try SocketIOPacketEncoder.encode(.ack(-1), validating: .outgoing, into: &out)
        }
        XCTAssertEqual(out.readableBytes, 0, "nothing is written for a refused packet")
    }

    func testPlainEncodeRefusesWhatCannotBeParsedBackWithoutTrapping() {
        var out = ByteBuffer()
        assertThrows(.invalidNamespace("/a,b")) { () throws(SocketIOProtocolError) in
            try SocketIOPacketEncoder.encode(.event("x", namespace: "/a,b"), into: &out)
        }
        assertThrows(.invalidNamespace("admin")) { () throws(SocketIOProtocolError) in
            try SocketIOPacketEncoder.encode(.event("x", namespace: "admin"), into: &out)
        }
        assertThrows(.invalidAckID) { () throws(SocketIOProtocolError) in
            try SocketIOPacketEncoder.encode(.event("x", ackID: -1), into: &out)
        }
        XCTAssertEqual(out.readableBytes, 0, "nothing is written for a refused packet")
        XCTAssertFalse(SocketIOPacket.event("x", namespace: "/a,b").isEncodable)
        XCTAssertFalse(SocketIOPacket.event("x", ackID: -1).isEncodable)
        XCTAssertTrue(SocketIOPacket.event("x", namespace: "/a", ackID: 0).isEncodable)
    }
}
