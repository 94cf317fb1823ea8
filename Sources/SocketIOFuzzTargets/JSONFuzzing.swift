import NIOCore
import SocketIOProtocol

/// The JSON parser on arbitrary bytes, at the default depth limit and at a small one. What parses is
/// serialized, parsed again and serialized again: the two serializations must be the same bytes.
enum JSONFuzzing {
    private static let parser = JSONParser()
    private static let shallowParser = JSONParser(maxDepth: 4)

    static func run(_ input: UnsafeRawBufferPointer) {
        _ = try? Self.shallowParser.parse(input)
        guard let value = try? Self.parser.parse(input) else { return }
        let first = JSONSerializer.string(from: value)
        guard let again = try? Self.parser.parse(first) else {
            fuzzFinding("the serializer wrote JSON its parser refuses: \(first.prefix(200))")
        }
        guard JSONSerializer.string(from: again) == first else {
            fuzzFinding("serialize → parse → serialize changed the text: \(first.prefix(200))")
        }
    }
}
