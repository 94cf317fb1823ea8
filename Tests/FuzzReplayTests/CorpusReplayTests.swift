import Foundation
import SocketIOFuzzTargets
import Testing

/// Every committed fuzz input (`Fuzz/Corpus/<target>/`, seeds and findings alike) goes through its
/// target again, so no input that once trapped, hung or broke an invariant can come back unnoticed.
@Suite
struct CorpusReplayTests {
    static let corpusRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz/Corpus")

    static func inputs(of target: FuzzTarget) -> [URL] {
        let directory = Self.corpusRoot.appendingPathComponent(target.rawValue)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.sorted().map { directory.appendingPathComponent($0) }
    }

    @Test(arguments: FuzzTarget.allCases)
    func committedCorpusReplaysCleanly(target: FuzzTarget) throws {
        let inputs = Self.inputs(of: target)
        #expect(inputs.count >= 8, "Fuzz/Corpus/\(target.rawValue) holds \(inputs.count) inputs: the seeds are missing")
        for input in inputs {
            let bytes = try Data(contentsOf: input)
            target.run([UInt8](bytes))
        }
    }
}
