import Foundation

/// Prints the table and writes the JSON document where the options ask.
enum ReportWriter {
    /// Table to stdout (to stderr when the JSON goes to stdout), JSON to `jsonPath` (`-` = stdout).
    static func emit(_ report: BenchReport, jsonPath: String?, quiet: Bool) throws {
        let table = ReportTable.render(report)
        let jsonToStdout = jsonPath == "-"
        if !quiet {
            if jsonToStdout {
                FileHandle.standardError.write(Data(table.utf8))
            } else {
                print(table, terminator: "")
            }
        }
        guard let jsonPath else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(report)
        data.append(UInt8(ascii: "\n"))
        if jsonToStdout {
            FileHandle.standardOutput.write(data)
        } else {
            try data.write(to: URL(fileURLWithPath: jsonPath))
        }
    }

    /// A line of progress on stderr (never on stdout, which may carry the JSON).
    static func progress(_ text: String, quiet: Bool) {
        guard !quiet else { return }
        FileHandle.standardError.write(Data("· \(text)\n".utf8))
    }
}
