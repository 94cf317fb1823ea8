import NIOCore
import XCTest

@testable import SocketIORedis

final class HiredisReplyReaderTests: XCTestCase {
    private let allocator = ByteBufferAllocator()

    private func decodeAll(_ chunks: [[UInt8]]) throws -> [RESPValue] {
        let reader = HiredisReplyReader()
        var values: [RESPValue] = []
        for chunk in chunks {
            try reader.feed(ByteBuffer(bytes: chunk))
            while let value = try reader.next(allocator: self.allocator) {
                values.append(value)
            }
        }
        return values
    }

    private func decode(_ text: String) throws -> [RESPValue] {
        try self.decodeAll([Array(text.utf8)])
    }

    private func bulk(_ text: String) -> RESPValue {
        .bulkString(ByteBuffer(string: text))
    }

    func testEveryReplyType() throws {
        XCTAssertEqual(try self.decode("+OK\r\n"), [.simpleString("OK")])
        XCTAssertEqual(try self.decode("-ERR unknown command 'NOPE'\r\n"), [.error("ERR unknown command 'NOPE'")])
        XCTAssertEqual(try self.decode(":42\r\n"), [.integer(42)])
        XCTAssertEqual(try self.decode(":-9223372036854775808\r\n"), [.integer(.min)])
        XCTAssertEqual(try self.decode("$5\r\nhello\r\n"), [self.bulk("hello")])
        XCTAssertEqual(try self.decode("$0\r\n\r\n"), [.bulkString(ByteBuffer())])
        XCTAssertEqual(try self.decode("$-1\r\n"), [.bulkString(nil)])
        XCTAssertEqual(try self.decode("*0\r\n"), [.array([])])
        XCTAssertEqual(
            try self.decode("*3\r\n$7\r\nmessage\r\n$4\r\nroom\r\n:7\r\n"),
            [.array([self.bulk("message"), self.bulk("room"), .integer(7)])]
        )
    }

    func testNullArrayIsReportedAsNullBulkStringByHiredis014() throws {
        // hiredis 0.14 gives `*-1` and `$-1` the same type, REDIS_REPLY_NIL.
        XCTAssertEqual(try self.decode("*-1\r\n"), [.bulkString(nil)])
    }

    func testNestedArraysAndNullElements() throws {
        XCTAssertEqual(
            try self.decode("*2\r\n*2\r\n:1\r\n$-1\r\n*1\r\n+x\r\n"),
            [.array([.array([.integer(1), .bulkString(nil)]), .array([.simpleString("x")])])]
        )
    }

    func testBinaryBulkStringIsUnchanged() throws {
        let payload: [UInt8] = Array(0...255) + [13, 10, 0, 13, 10]
        let bytes = Array("$\(payload.count)\r\n".utf8) + payload + [13, 10]
        XCTAssertEqual(try self.decodeAll([bytes]), [.bulkString(ByteBuffer(bytes: payload))])
    }

    func testReplySplitAcrossManyFeeds() throws {
        let text = "*4\r\n$8\r\npmessage\r\n$6\r\nroom.*\r\n$6\r\nroom.1\r\n$12\r\nhello\r\nworld\r\n"
        let oneByteChunks = text.utf8.map { [$0] }
        let values = try self.decodeAll(oneByteChunks)
        XCTAssertEqual(values, [.array([self.bulk("pmessage"), self.bulk("room.*"), self.bulk("room.1"), self.bulk("hello\r\nworld")])])

        // Nothing comes out before the last byte.
        let reader = HiredisReplyReader()
        for chunk in oneByteChunks.dropLast() {
            try reader.feed(ByteBuffer(bytes: chunk))
            XCTAssertNil(try reader.next(allocator: self.allocator))
        }
        try reader.feed(ByteBuffer(bytes: oneByteChunks.last!))
        XCTAssertNotNil(try reader.next(allocator: self.allocator))
    }

    func testSeveralRepliesInOneFeedAndOneSpanningFeeds() throws {
        let values = try self.decodeAll([
            Array("+OK\r\n:1\r\n$3\r\nab".utf8),
            Array("c\r\n*1\r\n-ERR x\r\n+PO".utf8),
            Array("NG\r\n".utf8),
        ])
        XCTAssertEqual(values, [.simpleString("OK"), .integer(1), self.bulk("abc"), .array([.error("ERR x")]), .simpleString("PONG")])
    }

    func testEmptyFeedIsHarmless() throws {
        let reader = HiredisReplyReader()
        try reader.feed(ByteBuffer())
        XCTAssertNil(try reader.next(allocator: self.allocator))
    }

    func testProtocolErrorIsReported() throws {
        let reader = HiredisReplyReader()
        try reader.feed(ByteBuffer(string: "!oops\r\n"))
        XCTAssertThrowsError(try reader.next(allocator: self.allocator)) { error in
            guard let error = error as? RedisProtocolError else { return XCTFail("\(error)") }
            XCTAssertTrue(error.message.contains("Protocol error"), error.message)
        }
        // The reader stays broken: further feeds fail too.
        XCTAssertThrowsError(try reader.feed(ByteBuffer(string: "+OK\r\n")))
    }

    func testDeepNestingBeyondHiredisLimitIsAProtocolError() throws {
        // hiredis 0.14 keeps a fixed stack of read tasks; deeper nesting is refused, not crashed on.
        let deep = String(repeating: "*1\r\n", count: 9) + ":1\r\n"
        XCTAssertThrowsError(try self.decode(deep))
        let allowed = String(repeating: "*1\r\n", count: 7) + ":1\r\n"
        XCTAssertEqual(try self.decode(allowed).count, 1)
    }

    func testArrayHeadersPastTheBoundAreAProtocolErrorNotAnAllocation() throws {
        // hiredis 0.14 allocates an array's element table from its header alone.
        for header in ["*1000000000\r\n", "*\(Int(HiredisReplyReader.maxArrayElements) + 1)\r\n", "*-5\r\n"] {
            XCTAssertThrowsError(try self.decode(header), header) { error in
                guard let error = error as? RedisProtocolError else { return XCTFail("\(error)") }
                XCTAssertTrue(error.message.contains("elements") || error.message.contains("out of range"), error.message)
            }
        }
        XCTAssertEqual(try self.decode("*2\r\n:1\r\n:2\r\n"), [.array([.integer(1), .integer(2)])])
        XCTAssertEqual(try self.decode("*-1\r\n"), [.bulkString(nil)])
    }

    func testAnUnfinishedReplyPastTheByteBoundIsAProtocolError() throws {
        let reader = HiredisReplyReader(maxPendingBytes: 4096)
        try reader.feed(ByteBuffer(string: "$999999999999\r\n"))
        XCTAssertNil(try reader.next(allocator: self.allocator))
        let chunk = ByteBuffer(repeating: 0x61, count: 1000)
        try reader.feed(chunk)
        XCTAssertNil(try reader.next(allocator: self.allocator))
        XCTAssertThrowsError(
            try { for _ in 0..<4 { try reader.feed(chunk) } }()
        ) { error in
            XCTAssertTrue((error as? RedisProtocolError)?.message.contains("bytes") == true, "\(error)")
        }
    }
}
