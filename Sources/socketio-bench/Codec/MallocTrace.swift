#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation

/// Counts malloc calls per operation with glibc's own tracer, `mtrace()`.
///
/// Since glibc 2.34 the tracer lives in `libc_malloc_debug.so`, which must be preloaded, and preloading it
/// would slow every allocation of the timing runs. So the timing runs in the normal process, and the
/// counting in a child (`socketio-bench codec --count-allocations`) started with
/// `LD_PRELOAD=libc_malloc_debug.so.0 MALLOC_TRACE=<file>`: for each case it warms up, calls `mtrace()`,
/// performs 1,000 operations, calls `muntrace()`, and counts the `+` (malloc, calloc, memalign) and `>`
/// (realloc) lines of the trace. Every Swift object, array, string and ByteBuffer storage is a malloc
/// underneath, so this is the full count, C code included.
enum MallocTrace {
    /// Operations per counted batch.
    static let operations = 1000

    /// The preloadable tracer, if this glibc has one.
    static var library: String? {
        ["/usr/lib/x86_64-linux-gnu/libc_malloc_debug.so.0", "/usr/lib/aarch64-linux-gnu/libc_malloc_debug.so.0",
         "/lib64/libc_malloc_debug.so.0", "/usr/lib64/libc_malloc_debug.so.0", "/usr/lib/libc_malloc_debug.so.0"]
            .first { FileManager.default.fileExists(atPath: $0) }
    }

    /// Allocations of one case.
    struct Counts: Codable, Sendable {
        /// malloc/calloc/memalign/realloc calls per operation.
        var allocationsPerOperation: Double
        /// Bytes requested per operation.
        var bytesPerOperation: Double
    }

    /// Child side: counts every case named in `cases`, writes `{name: Counts}` as JSON to stdout.
    static func countInThisProcess(_ cases: [CodecCase]) throws {
        typealias TraceFunction = @convention(c) () -> Void
        // Take the tracer from the preloaded library itself, by version: libc exports do-nothing stubs of
        // the same names as the default version, and dlsym would find those.
        guard let path = ProcessInfo.processInfo.environment["MALLOC_TRACE"],
            let library = Self.library, let handle = dlopen(library, RTLD_NOW | RTLD_NOLOAD),
            let start = Self.versionedSymbol(handle, "mtrace"), let stop = Self.versionedSymbol(handle, "muntrace")
        else { throw BenchError.scenario("mtrace is not available (run through the codec command)") }
        let mtrace = unsafeBitCast(start, to: TraceFunction.self)
        let muntrace = unsafeBitCast(stop, to: TraceFunction.self)
        var results: [String: Counts] = [:]
        for codecCase in cases {
            let operation = codecCase.prepare()
            for _ in 0..<100 { operation() }
            mtrace()
            for _ in 0..<Self.operations { operation() }
            muntrace()
            let trace = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            var calls = 0
            var bytes = 0
            for line in trace.split(separator: "\n") {
                let fields = line.split(separator: " ")
                guard fields.count >= 5, fields[2] == "+" || fields[2] == ">" else { continue }
                calls += 1
                bytes += Int(fields[4].dropFirst(2), radix: 16) ?? 0
            }
            results[codecCase.name] = Counts(
                allocationsPerOperation: Double(calls) / Double(Self.operations),
                bytesPerOperation: Double(bytes) / Double(Self.operations)
            )
        }
        let data = try JSONEncoder().encode(results)
        FileHandle.standardOutput.write(data)
    }

    /// `dlvsym(handle, name, "GLIBC_2.2.5")`; Swift's Glibc module does not import `dlvsym` itself.
    private static func versionedSymbol(_ handle: UnsafeMutableRawPointer, _ name: String) -> UnsafeMutableRawPointer? {
        typealias DLVSym = @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<CChar>, UnsafePointer<CChar>) -> UnsafeMutableRawPointer?
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "dlvsym") else { return nil }
        return unsafeBitCast(symbol, to: DLVSym.self)(handle, name, "GLIBC_2.2.5")
    }

    /// Parent side: runs the child for `filter` and returns its counts, or why it could not.
    static func countInChild(filter: String?) -> Result<[String: Counts], BenchError> {
        guard let library = Self.library else { return .failure(.scenario("libc_malloc_debug.so.0 not found")) }
        let tracePath = FileManager.default.temporaryDirectory.appendingPathComponent("socketio-bench-mtrace-\(getpid()).txt").path
        defer { try? FileManager.default.removeItem(atPath: tracePath) }
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        child.arguments = ["codec", "--count-allocations"] + (filter.map { ["--filter", $0] } ?? [])
        var environment = ProcessInfo.processInfo.environment
        environment["LD_PRELOAD"] = library
        environment["MALLOC_TRACE"] = tracePath
        child.environment = environment
        let output = Pipe()
        child.standardOutput = output
        do {
            try child.run()
        } catch {
            return .failure(.scenario("cannot start the counting child: \(error)"))
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        child.waitUntilExit()
        guard child.terminationStatus == 0 else {
            return .failure(.scenario("counting child exited with status \(child.terminationStatus)"))
        }
        do {
            return .success(try JSONDecoder().decode([String: Counts].self, from: data))
        } catch {
            return .failure(.scenario("counting child wrote no valid JSON: \(error)"))
        }
    }
}
