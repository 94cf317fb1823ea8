#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Counts Swift heap allocations (`swift_allocObject`) made while a closure runs.
///
/// How: the Swift runtime routes `swift_allocObject` through the function pointer `_swift_allocObject`
/// once the flag `_swift_enableSwizzlingOfAllocationAndRefCountingFunctions_forInstrumentsOnly` is set
/// (the hook Instruments uses). We swap in a counting function for the duration of the measurement, on one
/// thread, and restore both afterwards. That counts every class instance, closure context, box, and the
/// storage of arrays, strings, dictionaries and ByteBuffers. Not counted: the raw byte storage NIO's
/// ByteBuffer mallocs beside its storage object (exactly one per new or grown ByteBuffer storage), and
/// malloc calls made directly by C code. glibc offers no per-call malloc counter (mallinfo2() reports
/// arena bytes, not calls), so this is the closest honest count without an LD_PRELOAD shim.
enum AllocationCounter {
    typealias AllocateFunction = @convention(c) (UnsafeRawPointer?, Int, Int) -> UnsafeMutableRawPointer?

    nonisolated(unsafe) private static var count = 0
    nonisolated(unsafe) private static var bytes = 0
    nonisolated(unsafe) private static var original: AllocateFunction?

    private static let slot: UnsafeMutablePointer<AllocateFunction?>? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "_swift_allocObject") else { return nil }
        return symbol.assumingMemoryBound(to: AllocateFunction?.self)
    }()

    private static let enableFlag: UnsafeMutablePointer<UInt8>? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "_swift_enableSwizzlingOfAllocationAndRefCountingFunctions_forInstrumentsOnly")
        else { return nil }
        return symbol.assumingMemoryBound(to: UInt8.self)
    }()

    /// True when the runtime exposes the hook (a dynamically linked Swift runtime).
    static var isAvailable: Bool { Self.slot != nil && Self.enableFlag != nil }

    /// Runs `body` and returns the allocations and allocated object bytes it made, or nil when counting
    /// is unavailable. Single-threaded use only: other threads' allocations would be counted too.
    static func measure(_ body: () -> Void) -> (allocations: Int, bytes: Int)? {
        guard let slot = Self.slot, let flag = Self.enableFlag, let current = slot.pointee else { return nil }
        Self.original = current
        Self.count = 0
        Self.bytes = 0
        slot.pointee = { metadata, size, alignmentMask in
            AllocationCounter.count &+= 1
            AllocationCounter.bytes &+= size
            return AllocationCounter.original!(metadata, size, alignmentMask)
        }
        let previousFlag = flag.pointee
        flag.pointee = 1
        body()
        flag.pointee = previousFlag
        slot.pointee = current
        return (Self.count, Self.bytes)
    }
}
