import XCTest
@testable import SocketIORedis
final class PlaceholderTests: XCTestCase { func testNothing() {} }
