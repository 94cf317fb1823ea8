import NIOCore
import SocketIOProtocol
import XCTest

final class SocketIOPacketDecoderTests: XCTestCase {
    func testWireReferenceExamples() throws {
        XCTAssertEqual(try decodeOne("0"), SocketIOPacket(type: .connect))
        XCTAssertEqual(try decodeOne(#"0{"token":"abc"}"#), SocketIOPacket(type: .connect, payload: ["token": "abc"]))
        XCTAssertEqual(
            try decodeOne(#"0/admin,{"token":"abc"}"#),
            SocketIOPacket(type: .connect, namespace: "/admin", payload: ["token": "abc"])
        )
        XCTAssertEqual(try decodeOne(#"2["chat","hi"]"#), .event("chat", ["hi"]))
        XCTAssertEqual(try decodeOne(#"213["chat","hi"]"#), .event("chat", ["hi"], ackID: 13))
        XCTAssertEqual(try decodeOne(#"2/admin,13["chat"]"#), .event("chat", namespace: "/admin", ackID: 13))
        XCTAssertEqual(try decodeOne(#"313["ok"]"#), .ack(13, ["ok"]))
        XCTAssertEqual(
            try decodeOne(#"4{"message":"Not authorized","data":{"code":7}}"#),
            SocketIOPacket(type: .connectError, payload: ["message": "Not authorized", "data": ["code": 7]])
        )
        XCTAssertEqual(
            try decodeOne(#"4/admin,{"message":"Invalid namespace"}"#),
            SocketIOPacket(type: .connectError, namespace: "/admin", payload: ["message": "Invalid namespace"])
        )
        XCTAssertEqual(try decodeOne(#"4"old style""#), SocketIOPacket(type: .connectError, payload: "old style"))
        XCTAssertEqual(try decodeOne("1/admin,"), SocketIOPacket(type: .disconnect, namespace: "/admin"))
        XCTAssertEqual(try decodeOne("1"), SocketIOPacket(type: .disconnect))
    }

    func testByteBufferAndStringInputsAgree() throws {
        var decoder = SocketIOPacketDecoder()
        XCTAssertEqual(try decoder.decode(text: buffer(#"2/a,5[1,"x"]"#)), try decodeOne(#"2/a,5[1,"x"]"#))
        XCTAssertEqual(try decoder.decode(text: buffer(#"2/a,5[1,"x"]"#))?.payload, [1, "x"])
    }

    func testReferenceQuirksKept() throws {
        // Namespace without a trailing comma runs to the end of the text.
        XCTAssertEqual(try decodeOne("0/admin"), SocketIOPacket(type: .connect, namespace: "/admin"))
        XCTAssertEqual(try decodeOne(#"2/admin["x"]"#), SocketIOPacket(type: .event, namespace: #"/admin["x"]"#))
        // No payload is accepted for every type (the reference validates only payloads that are present).
        XCTAssertEqual(try decodeOne("2"), SocketIOPacket(type: .event))
        XCTAssertEqual(try decodeOne("312"), SocketIOPacket(type: .ack, ackID: 12))
        XCTAssertEqual(try decodeOne("22"), SocketIOPacket(type: .event, ackID: 2))
        XCTAssertEqual(try decodeOne("4"), SocketIOPacket(type: .connectError))
        // A number is a valid event name.
        XCTAssertEqual(try decodeOne(#"2[1,"x"]"#)?.payload, [1, "x"])
        XCTAssertEqual(try decodeOne(#"2[1.5]"#)?.payload, [1.5])
        // Whitespace around the JSON payload is JSON whitespace.
        XCTAssertEqual(try decodeOne("2 [\"x\"] "), .event("x"))
        // Placeholders in a non-binary packet are plain objects.
        XCTAssertEqual(
            try decodeOne(#"2["x",{"_placeholder":true,"num":0}]"#)?.payload,
            ["x", ["_placeholder": true, "num": 0]]
        )
    }

    func testBinaryEventReassembly() throws {
        var decoder = SocketIOPacketDecoder()
        XCTAssertNil(try decoder.decode(text: #"51-["up",{"_placeholder":true,"num":0}]"#))
        XCTAssertEqual(decoder.pendingAttachmentCount, 1)
        let bytes = buffer(bytes: [1, 2, 3])
        let packet = try decoder.decode(binary: bytes)
        XCTAssertEqual(packet, SocketIOPacket(type: .event, payload: ["up", .binary(bytes)]))
        XCTAssertEqual(decoder.pendingAttachmentCount, 0)
        // The decoder is idle again.
        XCTAssertEqual(try decoder.decode(text: #"2["next"]"#), .event("next"))
    }

    func testNestedPlaceholdersAnyOrder() throws {
        var decoder = SocketIOPacketDecoder()
        let text = #"63-/files,9[{"b":{"_placeholder":true,"num":2},"l":[{"_placeholder":true,"num":0}]},"#
            + #"{"_placeholder":true,"num":1},{"_placeholder":false,"num":0}]"#
        XCTAssertNil(try decoder.decode(text: text))
        let a = buffer(bytes: [0xA])
        let b = buffer(bytes: [0xB, 0xB])
        let c = buffer(bytes: [])
        XCTAssertNil(try decoder.decode(binary: a))
        XCTAssertNil(try decoder.decode(binary: b))
        let packet = try decoder.decode(binary: c)
        XCTAssertEqual(packet?.type, .ack)
        XCTAssertEqual(packet?.namespace, "/files")
        XCTAssertEqual(packet?.ackID, 9)
        XCTAssertEqual(
            packet?.payload,
            [["b": .binary(c), "l": [.binary(a)]], .binary(b), ["_placeholder": false, "num": 0]]
        )
    }

    func testPlaceholdersAreCheckedOnlyForARangeAsSocketIOParserDoes() throws {
        // socket.io-parser only checks that `num` is a number within the attachments: an attachment
        // may be named twice or not at all, and a fractional `num` finds nothing (`undefined`: null).
        var decoder = SocketIOPacketDecoder()
        let one = buffer(bytes: [1])
        let two = buffer(bytes: [2])
        let text = #"52-["x",{"_placeholder":true,"num":0},{"_placeholder":true,"num":0},{"_placeholder":true,"num":0.5}]"#
        XCTAssertNil(try decoder.decode(text: text))
        XCTAssertNil(try decoder.decode(binary: one))
        let packet = try decoder.decode(binary: two)
        XCTAssertEqual(packet?.payload, ["x", .binary(one), .binary(one), .null])
        XCTAssertNil(try decoder.decode(text: "51-"))
        XCTAssertEqual(try decoder.decode(binary: one), SocketIOPacket(type: .event, payload: nil), "an unnamed attachment is dropped")
    }

    func testResetDropsPendingPacket() throws {
        var decoder = SocketIOPacketDecoder()
        XCTAssertNil(try decoder.decode(text: #"51-["up",{"_placeholder":true,"num":0}]"#))
        decoder.reset()
        XCTAssertEqual(decoder.pendingAttachmentCount, 0)
        XCTAssertEqual(try decoder.decode(text: #"2["x"]"#), .event("x"))
    }

    func testBinaryPacketWithZeroAttachmentsIsRejected() {
        // The reference refuses a binary packet without attachments ("Illegal attachments").
        XCTAssertThrowsError(try decodeOne(#"50-["x"]"#))
        XCTAssertThrowsError(try decodeOne(#"60-["x"]"#))
    }

    func testEncodedBinaryPacketsDecodeBack() throws {
        let original = SocketIOPacket.event(
            "files", [["name": "a", "data": .binary(buffer(bytes: [1]))], [.binary(buffer(bytes: [2, 3]))]],
            namespace: "/up", ackID: 4
        )
        let encoded = try SocketIOPacketEncoder.encode(original)
        var decoder = SocketIOPacketDecoder()
        XCTAssertNil(try decoder.decode(text: encoded.text))
        XCTAssertNil(try decoder.decode(binary: encoded.attachments[0]))
        XCTAssertEqual(try decoder.decode(binary: encoded.attachments[1]), original)
    }
}
