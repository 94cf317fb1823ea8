import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Cryptographically random bytes for identifiers, read from the kernel 4 KiB at a time.
///
/// `SystemRandomNumberGenerator` asks the kernel for 8 bytes per call, so an id drawn one character at a
/// time cost one `getrandom` per character (36 per WebSocket handshake, for the engine's sid and the
/// socket's id). The pool reads `/dev/urandom` once per 4 KiB, as the reference's `base64id` buffers
/// `crypto.randomBytes`, hands each byte out once, and wipes what it handed out. Without a readable
/// `/dev/urandom` it fills itself from `SystemRandomNumberGenerator`.
final class RandomBytePool: @unchecked Sendable {
    /// The pool every session and socket id is drawn from.
    static let shared = RandomBytePool()

    private static let capacity = 4096
    private let lock = NIOLock()
    /// Guarded by `lock`.
    private let storage: UnsafeMutableRawBufferPointer
    /// The first byte not handed out yet; guarded by `lock`.
    private var next: Int

    private init() {
        self.storage = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.capacity, alignment: 8)
        self.next = Self.capacity
    }

    deinit {
        self.storage.deallocate()
    }

    /// Fills `target` with random bytes.
    func fill(_ target: UnsafeMutableRawBufferPointer) {
        guard var destination = target.baseAddress else { return }
        var remaining = target.count
        self.lock.withLockVoid {
            while remaining > 0 {
                if self.next == Self.capacity { self.refill() }
                let count = min(remaining, Self.capacity - self.next)
                let source = self.storage.baseAddress! + self.next
                destination.copyMemory(from: source, byteCount: count)
                source.initializeMemory(as: UInt8.self, repeating: 0, count: count)
                self.next += count
                destination += count
                remaining -= count
            }
        }
    }

    /// Reads a full pool from the kernel; called with `lock` held.
    private func refill() {
        var filled = 0
        let descriptor = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
        if descriptor >= 0 {
            while filled < Self.capacity {
                let count = read(descriptor, self.storage.baseAddress! + filled, Self.capacity - filled)
                if count > 0 {
                    filled += count
                } else if count < 0 && errno == EINTR {
                    continue
                } else {
                    break
                }
            }
            close(descriptor)
        }
        if filled < Self.capacity {
            var generator = SystemRandomNumberGenerator()
            while filled < Self.capacity {
                var word = generator.next() as UInt64
                let count = min(8, Self.capacity - filled)
                withUnsafeBytes(of: &word) { bytes in
                    (self.storage.baseAddress! + filled).copyMemory(from: bytes.baseAddress!, byteCount: count)
                }
                filled += count
            }
        }
        self.next = 0
    }
}
