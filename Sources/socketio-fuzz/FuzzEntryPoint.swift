import Foundation
import SocketIOFuzzTargets

#if SOCKETIO_LIBFUZZER
// Built by `make fuzz` (scripts/fuzz.sh) with `-sanitize=fuzzer,address`. SwiftPM links an executable's
// `main` to this module's entry point, so that entry point hands the command line to libFuzzer's driver;
// `SOCKETIO_FUZZ_TARGET` names the target to run.

private let selectedTarget: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["SOCKETIO_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
        fatalError("set SOCKETIO_FUZZ_TARGET to one of: \(names)")
    }
    return target
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    selectedTarget.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

/// libFuzzer's driver (compiler-rt): parses the flags, runs the inputs through `callback`.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

@_cdecl("socketio_fuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    _ = selectedTarget
    var count = argc
    var arguments = argv
    return runFuzzerDriver(&count, &arguments) { data, size in fuzzOneInput(data, size) }
}
#else
/// Without libFuzzer: replays inputs through a target, for reproducing a finding in a normal build.
/// `socketio-fuzz <target> <file>...`
@main
struct FuzzReplay {
    static func main() {
        let arguments = CommandLine.arguments.dropFirst()
        guard let name = arguments.first, let target = FuzzTarget(rawValue: name) else {
            let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: " | ")
            FileHandle.standardError.write(Data(("usage: socketio-fuzz <\(names)> <input file>...\n").utf8))
            exit(2)
        }
        for path in arguments.dropFirst() {
            guard let bytes = FileManager.default.contents(atPath: path) else {
                FileHandle.standardError.write(Data(("socketio-fuzz: cannot read \(path)\n").utf8))
                exit(1)
            }
            target.run([UInt8](bytes))
            print("\(path): ok")
        }
    }
}
#endif
