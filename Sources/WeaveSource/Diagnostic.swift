/// How serious a diagnostic is.
public enum Severity: String, Sendable {
    case error, warning, note
}

/// A message about the user's model, anchored at a source range.
public struct Diagnostic: Sendable, Error {
    public let severity: Severity
    public let message: String
    public let range: SourceRange?
    /// Extra lines printed after the source excerpt ("did you mean ...").
    public let notes: [String]

    public init(_ severity: Severity, _ message: String, at range: SourceRange?, notes: [String] = []) {
        self.severity = severity
        self.message = message
        self.range = range
        self.notes = notes
    }

    /// `file:line:col: error: message`, the source line with a gutter, a caret line, and notes.
    public func rendered() -> String {
        guard let r = range else {
            return (["\(severity.rawValue): \(message)"] + notes.map { "  note: \($0)" }).joined(separator: "\n")
        }
        let (line, col) = r.file.lineColumn(r.start)
        let text = r.file.lineText(line)
        let gutter = String(line)
        // Tabs in the excerpt are kept so the caret lines up under them.
        let prefix = text.utf8.prefix(max(0, col - 1))
        var pad = ""
        for b in prefix { pad += b == UInt8(ascii: "\t") ? "\t" : " " }
        let endLC = r.file.lineColumn(max(r.start, r.end - 1))
        let width = endLC.line == line ? max(1, endLC.column - col + 1) : 1
        let marker = "^" + String(repeating: "~", count: min(max(0, width - 1), 200))
        var out = "\(r.file.path):\(line):\(col): \(severity.rawValue): \(message)\n"
        out += " \(gutter) | \(text)\n"
        out += " \(String(repeating: " ", count: gutter.count)) | \(pad)\(marker)"
        for n in notes { out += "\n  note: \(n)" }
        return out
    }
}

/// Collects diagnostics during one run of the front end.
public struct DiagnosticBag: Sendable {
    public private(set) var items: [Diagnostic] = []
    public init() {}
    public var hasErrors: Bool { items.contains { $0.severity == .error } }
    public var errorCount: Int { items.filter { $0.severity == .error }.count }
    public mutating func error(_ message: String, at range: SourceRange?, notes: [String] = []) {
        items.append(Diagnostic(.error, message, at: range, notes: notes))
    }
    public mutating func warning(_ message: String, at range: SourceRange?, notes: [String] = []) {
        items.append(Diagnostic(.warning, message, at: range, notes: notes))
    }
    public mutating func append(_ d: Diagnostic) { items.append(d) }
    public mutating func append(contentsOf other: DiagnosticBag) { items += other.items }
}

/// Thrown when the front end stops with errors; carries every diagnostic gathered.
public struct DiagnosticsError: Error, Sendable {
    public let diagnostics: [Diagnostic]
    public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }
}
