import MessagePack

/// The MessagePack decoder on arbitrary bytes (the Redis adapters' broadcasts arrive in it), whole and
/// as a prefix. What decodes is encoded, decoded and encoded again: the two encodings must be equal.
enum MessagePackFuzzing {
    private static let decoder = MessagePackDecoder()

    static func run(_ input: UnsafeRawBufferPointer) {
        _ = try? Self.decoder.decodePrefix(input)
        guard let value = try? Self.decoder.decode(input) else { return }
        let first = MessagePackEncoder.encode(value)
        guard let again = try? Self.decoder.decode(first) else {
            fuzzFinding("the encoder wrote MessagePack its decoder refuses")
        }
        guard MessagePackEncoder.encode(again) == first else {
            fuzzFinding("encode → decode → encode changed the bytes")
        }
    }
}
