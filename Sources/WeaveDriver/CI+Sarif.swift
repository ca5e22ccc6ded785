import Foundation
import WeaveReport
import WeaveSource

extension CI {
    /// The SARIF results of a run: every expectation whose outcome differs, at its `expect`
    /// line; every error of a model that does not load, at its position; every expectation
    /// not run, at its `expect` line (a warning when interrupted, an error when the run did
    /// not finish); a model with no expectation, as a warning at its first line.
    static func sarifFindings(_ rows: [Row]) -> [Sarif.Finding] {
        var out: [Sarif.Finding] = []
        for r in rows {
            switch r.status {
            case .passed:
                continue
            case .failed:
                let (file, line, column) = splitLocation(r.location, fallback: r.file)
                var message = "expected \(r.expected) \(r.property) [\(r.settings)], got \(r.got)"
                if !r.detail.isEmpty { message += ": " + r.detail }
                out.append(Sarif.Finding(file: file, line: line, column: column, message: message))
            case .error where r.diagnostics.isEmpty:
                let (file, line, column) = splitLocation(r.location, fallback: r.file)
                let what = r.expected.isEmpty ? "" : "\(r.expected) \(r.property) [\(r.settings)]: "
                out.append(Sarif.Finding(file: file, line: line, column: column, message: what + r.detail,
                                         rule: r.got == "not run" ? .notRun : .modelError, level: "error"))
            case .error:
                let shown = r.diagnostics.prefix(Diagnostic.listingLimit)
                for (i, d) in shown.enumerated() {
                    var message = Diagnostic.visible(d.message)
                    for n in d.notes { message += "\nnote: " + Diagnostic.visible(n) }
                    if i == shown.count - 1 && r.diagnostics.count > shown.count {
                        message += "\n(and \(r.diagnostics.count - shown.count) more errors in \(r.file))"
                    }
                    let (file, line, column) = position(d, fallback: r.file)
                    out.append(Sarif.Finding(file: file, line: line, column: column, message: message, rule: .modelError))
                }
            case .notRun:
                let (file, line, column) = splitLocation(r.location, fallback: r.file)
                let what = r.expected.isEmpty ? "" : "expected \(r.expected) \(r.property) [\(r.settings)]: "
                out.append(Sarif.Finding(file: file, line: line, column: column, message: what + r.detail, rule: .notRun))
            }
        }
        return out
    }

    /// A diagnostic's file, line and column in Unicode code points (SARIF's `columnKind`).
    static func position(_ d: Diagnostic, fallback: String) -> (String, Int, Int) {
        guard let r = d.range else { return (fallback, 1, 1) }
        let (line, _) = r.file.lineColumn(r.start)
        let start = r.file.lineStarts[line - 1]
        let end = min(max(start, r.start), r.file.bytes.count)
        let column = String(decoding: r.file.bytes[start..<end], as: UTF8.self).unicodeScalars.count + 1
        return (relative(r.file.path), line, column)
    }

    /// An imported file's path (absolute, as the loader resolves it) relative to the working
    /// directory when it lies under it, as SARIF's `%SRCROOT%` base expects.
    static func relative(_ path: String) -> String {
        let cwd = FileManager.default.currentDirectoryPath
        guard path.hasPrefix("/"), path.hasPrefix(cwd + "/") else { return path }
        return String(path.dropFirst(cwd.count + 1))
    }

    /// `path:line:col` (as `SourceRange.description` prints it) into its parts.
    static func splitLocation(_ s: String, fallback: String) -> (String, Int, Int) {
        let parts = s.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 3, let line = Int(parts[parts.count - 2]), let col = Int(parts[parts.count - 1]) else {
            return (fallback, 1, 1)
        }
        return (parts.dropLast(2).joined(separator: ":"), line, col)
    }
}
