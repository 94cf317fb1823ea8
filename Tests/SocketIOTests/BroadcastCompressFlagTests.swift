import EngineIO
import NIOCore
import SocketIOProtocol
import XCTest

@testable import SocketIO

/// A broadcast's `compress(false)` reaches the Engine.IO frames (so a WebSocket with
/// permessage-deflate sends them plain), attachments and per-loop copies included.
final class BroadcastCompressFlagTests: XCTestCase {
    func testCompressFalseMarksEveryFrame() {
        let packet = SocketIOPacket.event("e", [.string(String(repeating: "x", count: 2000)), .binary(ByteBuffer(bytes: [1, 2, 3]))])
        let plain = SocketIOFrames.encode(packet, parser: .default, compress: false)
        XCTAssertEqual(plain.count, 2)
        XCTAssertEqual(plain.map(\.compress), [false, false])
        XCTAssertEqual(plain.map { $0.preparedForBroadcast().compress }, [false, false], "kept by the per-loop copy")
        XCTAssertEqual(SocketIOFrames.encode(packet, parser: .default).map(\.compress), [true, true])
    }

    func testBroadcastOperatorCarriesTheFlag() async {
        let io = SocketIOServer()
        XCTAssertFalse(io.of("/").to("room").compress(false).options.flags.compress)
        XCTAssertTrue(io.of("/").to("room").options.flags.compress)
        await io.shutdown(timeout: .seconds(1))
    }
}
