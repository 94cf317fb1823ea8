import XCTest

@testable import SocketIO

/// The adapter's small string set behaves as a `Set<String>` through every size change.
final class RoomMemberSetTests: XCTestCase {
    func testGrowsAndShrinksLikeASet() {
        var members = RoomMemberSet("a")
        var reference: Set<String> = ["a"]
        let steps: [(insert: Bool, element: String)] = [
            (true, "a"), (true, "b"), (true, "c"), (false, "b"), (false, "x"), (false, "a"), (false, "c"),
            (false, "c"), (true, "d"), (true, "d"), (true, "e"), (false, "d"), (false, "e"),
        ]
        for step in steps {
            if step.insert {
                XCTAssertEqual(members.insert(step.element), reference.insert(step.element).inserted, "insert \(step.element)")
            } else {
                XCTAssertEqual(members.remove(step.element), reference.remove(step.element) != nil, "remove \(step.element)")
            }
            XCTAssertEqual(members.count, reference.count)
            XCTAssertEqual(members.isEmpty, reference.isEmpty)
            XCTAssertEqual(members.asSet, reference)
            XCTAssertEqual(Set(members), reference, "iteration after \(step)")
            for probe in ["a", "b", "c", "d", "e", "x"] {
                XCTAssertEqual(members.contains(probe), reference.contains(probe))
            }
        }
    }

    func testBuiltFromSetsOfEverySize() {
        for elements in [Set<String>(), ["one"], ["one", "two"], Set((0..<50).map(String.init))] {
            let members = RoomMemberSet(elements)
            XCTAssertEqual(members.asSet, elements)
            XCTAssertEqual(Array(members).count, elements.count)
        }
    }

    /// A copy keeps its own elements when the original changes (value semantics).
    func testCopiesAreIndependent() {
        var original = RoomMemberSet(["a", "b", "c"])
        let copy = original
        original.insert("d")
        original.remove("a")
        XCTAssertEqual(copy.asSet, ["a", "b", "c"])
        XCTAssertEqual(original.asSet, ["b", "c", "d"])
    }
}
