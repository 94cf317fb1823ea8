import MessagePack
import NIOCore
import SocketIOProtocol
import XCTest

/// Every input the reference's msgpack decoder refuses (socket.io-msgpack-parser 3.0.x `checkPacket`)
/// is refused, each with its error, and malformed MessagePack never traps.
final class SocketIOMsgPackPacketRejectionTests: XCTestCase {
    private func decode(_ value: MessagePackValue, configuration: SocketIOPacketDecoder.Configuration = .init()) throws(SocketIOProtocolError) -> SocketIOPacket {
        try SocketIOMsgPackPacketDecoder(configuration: configuration).decode(ByteBuffer(bytes: MessagePackEncoder.encode(value)))
    }

    private func decode(bytes: [UInt8]) throws(SocketIOProtocolError) -> SocketIOPacket {
        try SocketIOMsgPackPacketDecoder().decode(ByteBuffer(bytes: bytes))
    }

    func testValuesThatAreNotMaps() {
        for value: MessagePackValue in [.nil, 2, "2", [2, "/"], .binary([0x82]), true, .double(2)] {
            assertThrows(.packetNotAMap) { () throws(SocketIOProtocolError) in try self.decode(value) }
        }
    }

    func testTypeTable() {
        // Missing, not an integer, out of range, and the binary types the msgpack parser never uses.
        let types: [MessagePackValue?] = [nil, .nil, "2", .double(2.5), -1, 5, 6, 7, 255, .uint(UInt64.max), true, [2], .binary([2])]
        for type in types {
            var entries: [MessagePackValue.MapEntry] = [.init(key: "nsp", value: "/"), .init(key: "data", value: ["x"])]
            if let type { entries.append(.init(key: "type", value: type)) }
            assertThrows(.invalidPacketTypeField) { () throws(SocketIOProtocolError) in try self.decode(.map(entries)) }
        }
    }

    func testNamespaceTable() {
        for nsp: MessagePackValue? in [nil, .nil, 1, .binary(Array("/".utf8)), ["/"], ["a": "/"]] {
            var entries: [MessagePackValue.MapEntry] = [.init(key: "type", value: 2), .init(key: "data", value: ["x"])]
            if let nsp { entries.append(.init(key: "nsp", value: nsp)) }
            assertThrows(.invalidNamespaceField) { () throws(SocketIOProtocolError) in try self.decode(.map(entries)) }
        }
    }

    func testAnyNamespaceStringIsAccepted() throws {
        // The reference only asks for a string; an unknown namespace is refused later with CONNECT_ERROR.
        for nsp in ["", "admin", "/a,b"] {
            XCTAssertEqual(try self.decode(["type": 0, "nsp": .string(nsp)]).namespace, nsp)
        }
    }

    func testDataTable() {
        let refused: [(SocketIOPacketType, MessagePackValue?)] = [
            (.connect, ["token"]), (.connect, "token"), (.connect, 1), (.connect, .binary([1])), (.connect, true),
            (.disconnect, ["a": 1]), (.disconnect, []), (.disconnect, ""), (.disconnect, 0),
            (.event, nil), (.event, .nil), (.event, ["a": 1]), (.event, "chat"), (.event, .binary([1])),
            (.ack, nil), (.ack, .nil), (.ack, ["a": 1]), (.ack, "ok"), (.ack, 1),
            (.connectError, nil), (.connectError, .nil), (.connectError, ["x"]), (.connectError, 4), (.connectError, false),
        ]
        for (type, data) in refused {
            var entries: [MessagePackValue.MapEntry] = [.init(key: "type", value: .int(Int64(type.rawValue))), .init(key: "nsp", value: "/")]
            if let data { entries.append(.init(key: "data", value: data)) }
            assertThrows(.invalidPayload(type)) { () throws(SocketIOProtocolError) in try self.decode(.map(entries)) }
        }
    }

    func testAckIDTable() {
        for id: MessagePackValue in ["1", .double(1.5), -1, .uint(UInt64.max), [1], true, .double(.infinity)] {
            assertThrows(.invalidAckID) { () throws(SocketIOProtocolError) in
                try self.decode(["type": 3, "data": [], "nsp": "/", "id": id])
            }
        }
    }

    func testMalformedMessagePack() {
        let inputs: [[UInt8]] = [
            [],  // nothing
            [0x83, 0xa4],  // truncated
            [0xc1],  // the unused format byte
            [0x80, 0x00],  // trailing bytes after an empty map
            [0xdf, 0xff, 0xff, 0xff, 0xff],  // a map declaring 4 billion entries
            [0xdd, 0x7f, 0xff, 0xff, 0xff, 0x00],  // an array declaring 2 billion elements
            [0xc6, 0xff, 0xff, 0xff, 0xff, 0x01],  // a bin declaring 4 GB
            [0x81, 0xa1, 0x78, 0xa2, 0xc3, 0x28],  // invalid UTF-8 in a string
        ]
        for bytes in inputs {
            XCTAssertThrowsError(try self.decode(bytes: bytes), "\(bytes)") { error in
                guard case .invalidMessagePack = error as? SocketIOProtocolError else { return XCTFail("\(error) for \(bytes)") }
            }
        }
    }

    func testNestingIsBoundedByTheDecoderConfiguration() throws {
        func packet(depth: Int) -> MessagePackValue {
            var value: MessagePackValue = []
            for _ in 1..<depth { value = [value] }
            return ["type": 2, "data": ["deep", value], "nsp": "/"]
        }
        // The payload array is one level, the nested value the others: like JSON depth with the default parser.
        let configuration = SocketIOPacketDecoder.Configuration(maxJSONDepth: 10)
        XCTAssertNoThrow(try self.decode(packet(depth: 9), configuration: configuration))
        XCTAssertThrowsError(try self.decode(packet(depth: 10), configuration: configuration)) { error in
            guard case .invalidMessagePack = error as? SocketIOProtocolError else { return XCTFail("\(error)") }
        }
        // The same limit in text: 10 levels pass, 11 are refused.
        var text = SocketIOPacketDecoder(configuration: configuration)
        XCTAssertNoThrow(try text.decode(text: "2[\"deep\"," + String(repeating: "[", count: 9) + String(repeating: "]", count: 9) + "]"))
        XCTAssertThrowsError(try text.decode(text: "2[\"deep\"," + String(repeating: "[", count: 10) + String(repeating: "]", count: 10) + "]"))
    }

    func testDefaultParserTextIsNotAMsgPackPacket() {
        // A default-parser packet sent as a binary message: `2` is a positive fixint, then trailing bytes.
        XCTAssertThrowsError(try self.decode(bytes: Array(#"2["chat"]"#.utf8)))
        assertThrows(.packetNotAMap) { () throws(SocketIOProtocolError) in try self.decode(bytes: [0x02]) }
    }
}
