import CHiredis
import NIOCore

/// Formats commands into RESP bytes with hiredis' `redisFormatCommandArgv`: every argument goes in with
/// its length, so binary payloads (NUL, CR LF, anything) pass unchanged.
///
/// hiredis 0.14 allocates the formatted command with `malloc` and offers `redisFreeCommand` to release
/// it; we copy it into a `ByteBuffer` and free it at once.
enum HiredisCommandFormatter {
    /// Appends the RESP encoding of `command` to `buffer`.
    static func format(_ command: RedisCommand, into buffer: inout ByteBuffer) {
        precondition(!command.arguments.isEmpty, "a Redis command needs a name")
        var pointers: [UnsafePointer<CChar>?] = []
        var lengths: [Int] = []
        pointers.reserveCapacity(command.arguments.count)
        lengths.reserveCapacity(command.arguments.count)
        Self.withArgumentPointers(command.arguments[...], pointers: &pointers, lengths: &lengths) { pointers, lengths in
            var target: UnsafeMutablePointer<CChar>?
            let length = pointers.withUnsafeMutableBufferPointer { argv in
                lengths.withUnsafeBufferPointer { argvlen in
                    redisFormatCommandArgv(&target, Int32(argv.count), argv.baseAddress, argvlen.baseAddress)
                }
            }
            guard length >= 0, let target else {
                fatalError("redisFormatCommandArgv failed: out of memory")
            }
            defer { redisFreeCommand(target) }
            buffer.writeBytes(UnsafeRawBufferPointer(start: target, count: Int(length)))
        }
    }

    /// Pins every argument's bytes for the duration of `body` (one nested scope per argument, so no
    /// argument is copied before hiredis copies it).
    private static func withArgumentPointers(
        _ arguments: ArraySlice<RedisCommandArgument>,
        pointers: inout [UnsafePointer<CChar>?],
        lengths: inout [Int],
        _ body: (inout [UnsafePointer<CChar>?], [Int]) -> Void
    ) {
        guard let first = arguments.first else {
            body(&pointers, lengths)
            return
        }
        let rest = arguments.dropFirst()
        func recurse(_ raw: UnsafeRawBufferPointer, pointers: inout [UnsafePointer<CChar>?], lengths: inout [Int]) {
            // hiredis memcpy's `length` bytes; an empty argument still needs a valid pointer.
            let base = raw.baseAddress ?? UnsafeRawPointer(Self.emptyArgument.utf8Start)
            pointers.append(base.assumingMemoryBound(to: CChar.self))
            lengths.append(raw.count)
            Self.withArgumentPointers(rest, pointers: &pointers, lengths: &lengths, body)
        }
        switch first {
        case .string(var text):
            text.withUTF8 { utf8 in
                recurse(UnsafeRawBufferPointer(utf8), pointers: &pointers, lengths: &lengths)
            }
        case .bytes(let bytes):
            bytes.withUnsafeReadableBytes { raw in
                recurse(raw, pointers: &pointers, lengths: &lengths)
            }
        }
    }

    /// A valid pointer for empty arguments (hiredis copies zero bytes from it).
    private static let emptyArgument: StaticString = ""
}
