import XCTest
@testable import SocketIO
final class PlaceholderTests: XCTestCase { func testNothing() {} }
