import NIOCore
import SocketIO
import SocketIOProtocol
import XCTest

/// A namespace whose name cannot be written in a packet (it holds `,`) is a misuse of the API that
/// must not trap: nothing can be connected to it, so what is emitted on it reaches no one.
final class UnencodableNamespaceTests: XCTestCase {
    func testEmittingOnANamespaceWithACommaSendsNothingAndDoesNotTrap() async throws {
        let io = SocketIOServer()
        let namespace = io.of("/a,b")
        XCTAssertEqual(namespace.name, "/a,b")
        namespace.emit("x", "y")
        namespace.to("room").emit("x")
        namespace.except("room").emit("x", .binary(ByteBuffer(bytes: [1])))
        await io.shutdown(timeout: .seconds(1))
    }

    func testANameWithoutTheLeadingSlashGetsOne() async {
        let io = SocketIOServer()
        XCTAssertEqual(io.of("chat").name, "/chat")
        await io.shutdown(timeout: .seconds(1))
    }
}
