import NIOCore
import SocketIO
import SocketIOProtocol
import XCTest

@testable import SocketIORedis

final class RedisStreamCodecTests: XCTestCase {
    private func bulk(_ text: String) -> RESPValue { .bulkString(ByteBuffer(string: text)) }

    private func entryReply(_ id: String, _ fields: [String]) -> RESPValue {
        .array([bulk(id), .array(fields.map(bulk))])
    }

    func testEntryIDsAreDigitsDashDigits() {
        for id in ["0-0", "1700000000000-0", "1-18446744073709551615"] {
            XCTAssertTrue(RedisStreamCodec.isEntryID(id), id)
        }
        for id in ["", "-", "1-", "-1", "1-2-3", "a-1", "1-b", " 1-1", "1 -1", "$", "+", "1-1\n", String(repeating: "1", count: 21) + "-1", "5-18476404747309551615", "18446744073709551616-0"] {
            XCTAssertFalse(RedisStreamCodec.isEntryID(id), id)
        }
    }

    func testNextIDIncrementsTheSequenceAndRefusesOverflow() {
        XCTAssertEqual(RedisStreamCodec.nextID(after: "1700000000000-0"), "1700000000000-1")
        XCTAssertEqual(RedisStreamCodec.nextID(after: "5-41"), "5-42")
        XCTAssertNil(RedisStreamCodec.nextID(after: "5-18446744073709551615"))
        XCTAssertNil(RedisStreamCodec.nextID(after: "garbage"))
    }

    func testReadRepliesYieldEntriesAndCountWhatIsMalformed() {
        let reply: RESPValue = .array([
            .array([
                bulk("socket.io"),
                .array([
                    entryReply("1-0", ["uid", "a", "nsp", "/", "type", "3"]),
                    .array([bulk("not-an-id"), .array([])]),
                    .array([bulk("2-0"), .array([bulk("odd")])]),
                    .integer(5),
                    entryReply("3-0", ["uid", "b", "nsp", "/", "type", "4", "uid", "c"]),
                ]),
            ]),
            .array([bulk("another-stream"), .array([])]),
        ])
        var malformed = 0
        let entries = RedisStreamCodec.readEntries(reply, stream: "socket.io", malformed: &malformed)
        XCTAssertEqual(entries.map(\.id), ["1-0", "3-0"])
        XCTAssertEqual(entries[1].fields["uid"], "c", "a repeated field keeps its last value")
        XCTAssertEqual(malformed, 4)

        var none = 0
        XCTAssertEqual(RedisStreamCodec.readEntries(.bulkString(nil), stream: "socket.io", malformed: &none), [])
        XCTAssertEqual(RedisStreamCodec.readEntries(.array(nil), stream: "socket.io", malformed: &none), [])
        XCTAssertEqual(none, 0, "a block that timed out is not malformed")
        XCTAssertEqual(RedisStreamCodec.readEntries(.simpleString("OK"), stream: "socket.io", malformed: &none), [])
        XCTAssertEqual(none, 1)
    }

    func testMessagesRoundTripAsJSONOrBase64MessagePack() throws {
        let plain: SocketIOValue = ["packet": ["type": 2, "data": ["news", 1], "nsp": "/"], "opts": ["rooms": ["r"], "except": [], "flags": [:]]]
        let fields = RedisStreamCodec.fields(uid: "abc", namespace: "/", type: .broadcast, data: plain)
        XCTAssertEqual(Array(fields.prefix(6)), ["uid", "abc", "nsp", "/", "type", "3"])
        XCTAssertEqual(fields[7].first, "{", "JSON without binary")
        let entry = RedisStreamEntry(id: "1-1", fields: Dictionary(uniqueKeysWithValues: stride(from: 0, to: fields.count, by: 2).map { (fields[$0], fields[$0 + 1]) }))
        let envelope = try RedisStreamCodec.envelope(of: entry)
        XCTAssertEqual(envelope["type"], .int(3))
        XCTAssertEqual(envelope["data"]?["packet"]?["data"], ["news", 1])

        let binary: SocketIOValue = ["packet": ["type": 2, "data": ["blob", .binary(ByteBuffer(bytes: [0, 1, 255]))], "nsp": "/"]]
        let encoded = RedisStreamCodec.encodeData(binary)
        XCTAssertNotEqual(encoded.first, "{", "binary goes as base64 MessagePack")
        XCTAssertEqual(try RedisStreamCodec.decodeData(encoded)["packet"]?["data"]?[1], .binary(ByteBuffer(bytes: [0, 1, 255])))
    }

    func testMalformedEntriesThrowTheirDropReason() {
        let cases: [([String: String], RedisInboundDropReason)] = [
            (["nsp": "/", "type": "3"], .malformedEnvelope),
            (["uid": "a", "nsp": "/", "type": "three"], .malformedEnvelope),
            (["uid": "a", "nsp": "/", "type": "99999999999999999999"], .malformedEnvelope),
            (["uid": "a", "nsp": "/", "type": "-3"], .malformedEnvelope),
            (["uid": "a", "nsp": "/", "type": "3", "data": "{not json"], .undecodable),
            (["uid": "a", "nsp": "/", "type": "3", "data": "%%%"], .undecodable),
            (["uid": "a", "nsp": "/", "type": "3", "data": "2g=="], .undecodable),  // 0xDA: a str 16 without its length
        ]
        for (fields, reason) in cases {
            XCTAssertThrowsError(try RedisStreamCodec.envelope(of: RedisStreamEntry(id: "1-0", fields: fields)), "\(fields)") { error in
                XCTAssertEqual((error as? RedisInboundDrop)?.reason, reason, "\(fields)")
            }
        }
    }

    func testSessionsRoundTripAndRefuseAnythingElse() {
        let session = SocketIOSessionSnapshot(sid: "sid1", pid: "pid1", rooms: ["sid1", "room"], data: ["k": 1])
        let text = RedisStreamCodec.encodeSession(session)
        XCTAssertEqual(RedisStreamCodec.decodeSession(text, pid: "pid1"), session)
        XCTAssertNil(RedisStreamCodec.decodeSession(text, pid: "someone-else"), "a session under another pid's key")
        XCTAssertNil(RedisStreamCodec.decodeSession("not base64!", pid: "pid1"))
        XCTAssertNil(RedisStreamCodec.decodeSession("", pid: "pid1"))
        let noRooms = RedisStreamCodec.encodeSession(SocketIOSessionSnapshot(sid: "", pid: "pid1", rooms: [], data: .null))
        XCTAssertNil(RedisStreamCodec.decodeSession(noRooms, pid: "pid1"), "an empty sid")
    }

    func testABroadcastReachesASessionAsTheReferenceDecides() {
        let rooms = ["sid1", "a"]
        XCTAssertTrue(RedisStreamCodec.reaches(SocketIOBroadcastOptions(), sessionRooms: rooms))
        XCTAssertTrue(RedisStreamCodec.reaches(SocketIOBroadcastOptions(rooms: ["a", "b"]), sessionRooms: rooms))
        XCTAssertFalse(RedisStreamCodec.reaches(SocketIOBroadcastOptions(rooms: ["b"]), sessionRooms: rooms))
        XCTAssertFalse(RedisStreamCodec.reaches(SocketIOBroadcastOptions(rooms: ["a"], except: ["sid1"]), sessionRooms: rooms))
    }
}
