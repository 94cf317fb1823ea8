import NIOCore
import SocketIOProtocol
import XCTest

/// Every malformed form is refused with its own error.
final class SocketIOPacketRejectionTests: XCTestCase {
    func testBadHeader() {
        assertThrows(.emptyPacket) { () throws(SocketIOProtocolError) in try decodeOne("") }
        assertThrows(.unknownPacketType(UInt8(ascii: "7"))) { () throws(SocketIOProtocolError) in try decodeOne("7") }
        assertThrows(.unknownPacketType(UInt8(ascii: "a"))) { () throws(SocketIOProtocolError) in try decodeOne(#"a["x"]"#) }
        assertThrows(.unknownPacketType(UInt8(ascii: " "))) { () throws(SocketIOProtocolError) in try decodeOne(" ") }
        assertThrows(.invalidAckID) { () throws(SocketIOProtocolError) in try decodeOne(#"299999999999999999999["x"]"#) }
    }

    func testBadAttachmentCount() {
        for text in [#"5["x"]"#, "5", "51", #"5-["x"]"#, #"5a-["x"]"#, #"51a-["x"]"#, #"5 1-["x"]"#, #"599999999999999999999-["x"]"#] {
            assertThrows(.invalidAttachmentCount) { () throws(SocketIOProtocolError) in try decodeOne(text) }
        }
        assertThrows(.invalidAttachmentCount) { () throws(SocketIOProtocolError) in try decodeOne("6/a,1[]") }
    }

    func testReservedEventNames() {
        for name in ["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"] {
            assertThrows(.reservedEventName(name)) { () throws(SocketIOProtocolError) in try decodeOne(#"2[""# + name + #""]"#) }
            assertThrows(.reservedEventName(name)) { () throws(SocketIOProtocolError) in
                try decodeOne(#"2/admin,3[""# + name + #"",1]"#)
            }
        }
        XCTAssertEqual(try decodeOne(#"2["Connect"]"#), .event("Connect"))
        var lenient = SocketIOPacketDecoder(configuration: .init(validation: .outgoing))
        XCTAssertEqual(try lenient.decode(text: #"2["disconnect"]"#), .event("disconnect"))
    }

    func testPayloadShapes() {
        let cases: [(String, SocketIOPacketType)] = [
            (#"2{"a":1}"#, .event), (#"2"chat""#, .event), ("2[]", .event), ("2[null]", .event), ("2[true]", .event),
            ("2[[1]]", .event), (#"2[{"a":1}]"#, .event), ("2null", .event), ("2-1", .event), ("2/a,1{}", .event),
            ("0[1]", .connect), (#"0"token""#, .connect), ("0null", .connect), ("0/admin,[]", .connect),
            ("1{}", .disconnect), ("1[]", .disconnect), ("1/admin,null", .disconnect), (#"1"x""#, .disconnect),
            ("4[]", .connectError), ("4true", .connectError), ("4null", .connectError),
            ("3{}", .ack), (#"3"ok""#, .ack), ("31null", .ack),
            (#"51-{"_placeholder":true,"num":0}"#, .binaryEvent), ("61-{}", .binaryAck),
        ]
        for (text, type) in cases {
            assertThrows(.invalidPayload(type)) { () throws(SocketIOProtocolError) in try decodeOne(text) }
        }
        assertThrows(.reservedEventName("connect")) { () throws(SocketIOProtocolError) in
            try decodeOne(#"51-["connect",{"_placeholder":true,"num":0}]"#)
        }
    }

    func testBadJSON() {
        for text in [#"2["chat""#, #"2["chat",]"#, "2[01]", #"2['x']"#, #"2["x"]x"#, #"0{"a":}"#, "2[\"a\nb\"]"] {
            XCTAssertThrowsError(try decodeOne(text), text) { error in
                guard case .invalidJSON = error as? SocketIOProtocolError else { return XCTFail("\(error) for \(text)") }
            }
        }
    }

    func testTooDeepJSON() {
        let deep = "2[\"x\"," + String(repeating: "[", count: 64) + String(repeating: "]", count: 64) + "]"
        assertThrows(.jsonNestingTooDeep(limit: 64)) { () throws(SocketIOProtocolError) in try decodeOne(deep) }
        var shallow = SocketIOPacketDecoder(configuration: .init(maxJSONDepth: 2))
        assertThrows(.jsonNestingTooDeep(limit: 2)) { () throws(SocketIOProtocolError) in try shallow.decode(text: #"2["x",[[1]]]"#) }
    }

    func testTooManyAttachments() throws {
        let placeholders = (0..<11).map { #"{"_placeholder":true,"num":\#($0)}"# }.joined(separator: ",")
        assertThrows(.tooManyAttachments(count: 11, limit: 10)) { () throws(SocketIOProtocolError) in
            try decodeOne(#"511-["x","# + placeholders + "]")
        }
        var decoder = SocketIOPacketDecoder(configuration: .init(maxAttachments: 2))
        assertThrows(.tooManyAttachments(count: 3, limit: 2)) { () throws(SocketIOProtocolError) in try decoder.decode(text: #"53-["x"]"#) }
        XCTAssertNil(try decoder.decode(text: #"52-["x",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#))
    }

    func testAttachmentsTooLarge() throws {
        var decoder = SocketIOPacketDecoder(configuration: .init(maxAttachmentBytes: 4))
        XCTAssertNil(try decoder.decode(text: #"52-["x",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#))
        XCTAssertNil(try decoder.decode(binary: buffer(bytes: [1, 2, 3])))
        assertThrows(.attachmentsTooLarge(limit: 4)) { () throws(SocketIOProtocolError) in try decoder.decode(binary: buffer(bytes: [4, 5])) }
        XCTAssertEqual(decoder.pendingAttachmentCount, 0, "the half-assembled packet is dropped")
    }

    func testUnexpectedBinary() throws {
        var decoder = SocketIOPacketDecoder()
        assertThrows(.unexpectedBinaryMessage) { () throws(SocketIOProtocolError) in try decoder.decode(binary: buffer(bytes: [1])) }
        XCTAssertEqual(try decoder.decode(text: #"2["x"]"#), .event("x"))
        assertThrows(.unexpectedBinaryMessage) { () throws(SocketIOProtocolError) in try decoder.decode(binary: buffer(bytes: [1])) }
    }

    func testTextWhileAttachmentsPending() throws {
        var decoder = SocketIOPacketDecoder()
        XCTAssertNil(try decoder.decode(text: #"52-["x",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#))
        XCTAssertNil(try decoder.decode(binary: buffer(bytes: [1])))
        assertThrows(.unexpectedTextMessage(pendingAttachments: 1)) { () throws(SocketIOProtocolError) in
            try decoder.decode(text: #"2["y"]"#)
        }
        // The decoder was reset: the same text now decodes, a late attachment is unexpected.
        XCTAssertEqual(try decoder.decode(text: #"2["y"]"#), .event("y"))
        assertThrows(.unexpectedBinaryMessage) { () throws(SocketIOProtocolError) in try decoder.decode(binary: buffer(bytes: [2])) }
    }

    func testBadPlaceholders() {
        assertThrows(.placeholderOutOfRange(num: 1, attachments: 1)) { () throws(SocketIOProtocolError) in
            try decodeOne(#"51-["x",{"_placeholder":true,"num":1}]"#)
        }
        assertThrows(.placeholderOutOfRange(num: -1, attachments: 1)) { () throws(SocketIOProtocolError) in
            try decodeOne(#"51-["x",{"_placeholder":true,"num":-1}]"#)
        }
        assertThrows(.invalidAttachmentCount) { () throws(SocketIOProtocolError) in
            try decodeOne(#"50-["x",{"_placeholder":true,"num":0}]"#)
        }
        assertThrows(.placeholderOutOfRange(num: 1, attachments: 1)) { () throws(SocketIOProtocolError) in
            try decodeOne(#"51-["x",{"_placeholder":true,"num":1.5}]"#)
        }
        for num in [#""0""#, "null", "[0]", "true"] {
            assertThrows(.invalidPlaceholder) { () throws(SocketIOProtocolError) in
                try decodeOne(#"51-["x",{"_placeholder":true,"num":"# + num + "}]")
            }
        }
        assertThrows(.invalidPlaceholder) { () throws(SocketIOProtocolError) in try decodeOne(#"51-["x",{"_placeholder":true}]"#) }
        XCTAssertNil(try decodeOne(#"51-["x",{"_placeholder":true,"num":0.0}]"#), "a whole double is a valid num")
    }

    func testValidateMirrorsIsPacketValid() {
        XCTAssertNoThrow(try SocketIOPacket(type: .connect).validate())
        XCTAssertNoThrow(try SocketIOPacket(type: .disconnect, namespace: "/admin").validate())
        XCTAssertNoThrow(try SocketIOPacket.event("x", [.binary(buffer(bytes: [1]))]).validate())
        assertThrows(.invalidPayload(.event)) { () throws(SocketIOProtocolError) in try SocketIOPacket(type: .event).validate() }
        assertThrows(.invalidPayload(.ack)) { () throws(SocketIOProtocolError) in try SocketIOPacket(type: .ack, ackID: 1).validate() }
        assertThrows(.invalidPayload(.connectError)) { () throws(SocketIOProtocolError) in
            try SocketIOPacket(type: .connectError, payload: .null).validate()
        }
        assertThrows(.invalidPayload(.disconnect)) { () throws(SocketIOProtocolError) in
            try SocketIOPacket(type: .disconnect, payload: [:]).validate()
        }
        assertThrows(.reservedEventName("newListener")) { () throws(SocketIOProtocolError) in try SocketIOPacket.event("newListener").validate() }
        XCTAssertNoThrow(try SocketIOPacket.event("newListener").validate(.outgoing))
    }
}
