import WeaveReport

extension CI {
    /// A SARIF finding for every expectation whose outcome differs, at its `expect` line.
    static func sarifFindings(_ rows: [Row]) -> [Sarif.Finding] {
        rows.filter { !$0.passed }.map { r in
            let (file, line, column) = splitLocation(r.location, fallback: r.file)
            var message = "expected \(r.expected) \(r.property) [\(r.settings)], got \(r.got)"
            if !r.detail.isEmpty { message += ": " + r.detail }
            return Sarif.Finding(file: file, line: line, column: column, message: message)
        }
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
