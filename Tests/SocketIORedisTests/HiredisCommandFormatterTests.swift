import NIOCore
import XCTest

@testable import SocketIORedis

final class HiredisCommandFormatterTests: XCTestCase {
    private func format(_ command: RedisCommand) -> [UInt8] {
        var buffer = ByteBuffer()
        HiredisCommandFormatter.format(command, into: &buffer)
        return Array(buffer.readableBytesView)
    }

    func testTextCommand() {
        XCTAssertEqual(self.format(.ping), Array("*1\r\n$4\r\nPING\r\n".utf8))
        XCTAssertEqual(
            self.format(.subscriberCount(of: "ch", sharded: true)),
            Array("*3\r\n$6\r\nPUBSUB\r\n$11\r\nSHARDNUMSUB\r\n$2\r\nch\r\n".utf8)
        )
    }

    func testBinaryPayloadIsLengthPrefixedAndUnchanged() {
        let payload: [UInt8] = [0, 13, 10, 36, 42, 255, 0]
        let bytes = self.format(.publish(ByteBuffer(bytes: payload), to: "socket.io#/#", sharded: false))
        XCTAssertEqual(bytes, Array("*3\r\n$7\r\nPUBLISH\r\n$12\r\nsocket.io#/#\r\n$7\r\n".utf8) + payload + [13, 10])
    }

    func testShardedPublishAndUnicodeChannel() {
        let bytes = self.format(.publish(ByteBuffer(string: "x"), to: "räum", sharded: true))
        XCTAssertEqual(bytes, Array("*3\r\n$8\r\nSPUBLISH\r\n$5\r\nräum\r\n$1\r\nx\r\n".utf8))
    }

    func testEmptyArgumentsAndPartiallyReadBuffer() {
        var payload = ByteBuffer(string: "skipme-payload")
        payload.moveReaderIndex(forwardBy: 7)
        XCTAssertEqual(
            self.format(RedisCommand(arguments: [.string("SET"), .string(""), .bytes(ByteBuffer()), .bytes(payload)])),
            Array("*4\r\n$3\r\nSET\r\n$0\r\n\r\n$0\r\n\r\n$7\r\npayload\r\n".utf8)
        )
    }

    func testAuthAndSelect() {
        XCTAssertEqual(self.format(.auth(username: nil, password: "p w")), Array("*2\r\n$4\r\nAUTH\r\n$3\r\np w\r\n".utf8))
        XCTAssertEqual(self.format(.auth(username: "u", password: "p")), Array("*3\r\n$4\r\nAUTH\r\n$1\r\nu\r\n$1\r\np\r\n".utf8))
        XCTAssertEqual(self.format(.select(12)), Array("*2\r\n$6\r\nSELECT\r\n$2\r\n12\r\n".utf8))
    }

    func testFormattedCommandRoundTripsThroughTheReader() throws {
        // A RESP command is itself an array of bulk strings, so the reader can check the formatter.
        var buffer = ByteBuffer()
        let payload = ByteBuffer(bytes: (0..<5000).map { UInt8(truncatingIfNeeded: $0 * 7) })
        HiredisCommandFormatter.format(.publish(payload, to: "c", sharded: false), into: &buffer)
        let reader = HiredisReplyReader()
        try reader.feed(buffer)
        XCTAssertEqual(
            try reader.next(allocator: ByteBufferAllocator()),
            .array([.bulkString(ByteBuffer(string: "PUBLISH")), .bulkString(ByteBuffer(string: "c")), .bulkString(payload)])
        )
    }
}
