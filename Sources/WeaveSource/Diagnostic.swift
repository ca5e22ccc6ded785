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
    /// The catalogued kind this diagnostic was reported as (nil for free text); see `DiagnosticKind`.
    public let kind: (any DiagnosticKind)?

    public init(_ severity: Severity, _ message: String, at range: SourceRange?, notes: [String] = [],
                kind: (any DiagnosticKind)? = nil) {
        self.severity = severity
        self.message = message
        self.range = range
        self.notes = notes
        self.kind = kind
    }

    /// The most columns of a source line an excerpt shows; a longer line is cut around the
    /// caret, with "..." on each side that was cut.
    public static let excerptColumns = 120

    /// `file:line:col: error: message`, the source line with a gutter, a caret line, and notes.
    /// Characters that a terminal would not show (control and format characters, a NUL, a byte
    /// order mark) are written as `<U+XXXX>`, in the message as in the excerpt.
    public func rendered() -> String {
        guard let r = range else {
            return (["\(severity.rawValue): \(Diagnostic.visible(message))"] + notes.map { "  note: \(Diagnostic.visible($0))" })
                .joined(separator: "\n")
        }
        let (line, col) = r.file.lineColumn(r.start)
        let gutter = String(line)
        let excerpt = Excerpt(file: r.file, line: line, start: r.start, end: r.end, columns: Diagnostic.excerptColumns)
        var out = "\(r.file.path):\(line):\(col): \(severity.rawValue): \(Diagnostic.visible(message))\n"
        out += " \(gutter) | \(excerpt.text)\n"
        out += " \(String(repeating: " ", count: gutter.count)) | \(excerpt.pad)\(excerpt.marker)"
        for n in notes { out += "\n  note: \(Diagnostic.visible(n))" }
        return out
    }

    /// Whether a terminal would show nothing, or do something else, for this scalar
    /// (control and format characters, separators, private use, unassigned). A tab is visible.
    public static func isInvisible(_ s: Unicode.Scalar) -> Bool {
        if s == "\t" || s == "\n" { return false }
        switch s.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .privateUse, .unassigned:
            return true
        default:
            return false
        }
    }

    /// `U+FEFF`.
    public static func codePoint(_ s: Unicode.Scalar) -> String {
        let hex = String(s.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    /// `text` with every invisible scalar written as `<U+XXXX>`.
    public static func visible(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isInvisible) else { return text }
        var out = ""
        for s in text.unicodeScalars {
            if isInvisible(s) { out += "<\(codePoint(s))>" } else { out.unicodeScalars.append(s) }
        }
        return out
    }

    /// How many diagnostics `listing` shows before it only counts the rest.
    public static let listingLimit = 20

    /// The first `limit` diagnostics rendered, one after another, then a line counting those
    /// not shown ("... and 981 more errors not shown") and a total ("1001 errors").
    /// Each line ends with a newline; an empty list gives "".
    public static func listing(_ ds: [Diagnostic], limit: Int = listingLimit) -> String {
        var out = ""
        var hidden: [Severity: Int] = [:]
        for (i, d) in ds.enumerated() {
            if i < limit { out += d.rendered() + "\n" } else { hidden[d.severity, default: 0] += 1 }
        }
        let parts = [Severity.error, .warning, .note].compactMap { s -> String? in
            guard let n = hidden[s], n > 0 else { return nil }
            return "\(n) more \(s.rawValue)\(n == 1 ? "" : "s")"
        }
        if !parts.isEmpty { out += "... and \(parts.joined(separator: " and ")) not shown\n" }
        let n = ds.filter { $0.severity == .error }.count
        if n > 0 { out += "\(n) error\(n == 1 ? "" : "s")\n" }
        return out
    }
}

/// The part of a source line a diagnostic shows, and the caret line under it.
struct Excerpt {
    /// The line (or a window of it, with "..." where cut), invisible characters as `<U+XXXX>`.
    let text: String
    /// Blanks (tabs where the line has tabs) up to the caret.
    let pad: String
    /// `^~~~` under the range (on this line and in the window).
    let marker: String

    /// One shown character: its text, its width in columns and its byte offset in the file.
    private struct Cell {
        let shown: String
        let width: Int
        let offset: Int
        let isTab: Bool
    }

    init(file: SourceFile, line: Int, start: Int, end: Int, columns: Int) {
        let bytes = file.bytes
        let bounds = file.lineBounds(line)
        func isContinuation(_ i: Int) -> Bool { i < bytes.count && bytes[i] & 0xC0 == 0x80 }
        var caret = min(max(start, bounds.lowerBound), bounds.upperBound)
        while caret > bounds.lowerBound && isContinuation(caret) { caret -= 1 }
        // Decode only a stretch around the caret: a line can be megabytes long, and every
        // diagnostic on it would otherwise cost time in its length.
        let reach = columns * 4
        var lo = max(bounds.lowerBound, caret - reach)
        while lo < caret && isContinuation(lo) { lo += 1 }
        var hi = min(bounds.upperBound, caret + reach)
        while hi > caret && hi < bounds.upperBound && isContinuation(hi) { hi -= 1 }
        var cells: [Cell] = []
        var offset = lo
        for s in String(decoding: bytes[lo..<hi], as: UTF8.self).unicodeScalars {
            if Diagnostic.isInvisible(s) {
                let shown = "<\(Diagnostic.codePoint(s))>"
                cells.append(Cell(shown: shown, width: shown.count, offset: offset, isTab: false))
            } else {
                cells.append(Cell(shown: String(s), width: 1, offset: offset, isTab: s == "\t"))
            }
            offset += UTF8.width(s)
        }
        let caretCell = cells.firstIndex { $0.offset >= caret } ?? cells.count
        // The range's end on this line (a range running onto later lines is marked at its start only).
        let nextLine = line < file.lineStarts.count ? file.lineStarts[line] : bytes.count + 1
        let endOffset = max(start, end - 1) < nextLine ? min(end, bounds.upperBound) : caret
        let endCell = max(caretCell, cells.firstIndex { $0.offset >= endOffset } ?? cells.count)

        // The window of cells shown: all of them if they fit, else about a third before the caret.
        var a = caretCell, b = caretCell
        let total = cells.reduce(0) { $0 + $1.width }
        if lo == bounds.lowerBound && hi == bounds.upperBound && total <= columns {
            a = 0; b = cells.count
        } else {
            let budget = max(10, columns - 6)   // room for the two "..."
            var used = 0
            while a > 0 && used + cells[a - 1].width <= budget / 3 { a -= 1; used += cells[a].width }
            while b < cells.count && used + cells[b].width <= budget { used += cells[b].width; b += 1 }
            while a > 0 && used + cells[a - 1].width <= budget { a -= 1; used += cells[a].width }
            if b == caretCell && b < cells.count { b += 1 }   // the caret's own character, however wide
        }
        let cutLeft = a > 0 || lo > bounds.lowerBound
        let cutRight = b < cells.count || hi < bounds.upperBound
        var text = cutLeft ? "..." : ""
        var pad = cutLeft ? "   " : ""
        for i in a..<b { text += cells[i].shown }
        for i in a..<caretCell { pad += cells[i].isTab ? "\t" : String(repeating: " ", count: cells[i].width) }
        if cutRight { text += "..." }
        let width = cells[caretCell..<min(max(endCell, caretCell), b)].reduce(0) { $0 + $1.width }
        self.text = text
        self.pad = pad
        self.marker = "^" + String(repeating: "~", count: max(0, width - 1))
    }
}

/// Collects diagnostics during one run of the front end.
public struct DiagnosticBag: Sendable {
    public private(set) var items: [Diagnostic] = []
    /// The number of errors among `items`.
    public private(set) var errorCount = 0
    public init() {}
    public var hasErrors: Bool { errorCount > 0 }
    public mutating func error(_ message: String, at range: SourceRange?, notes: [String] = []) {
        append(Diagnostic(.error, message, at: range, notes: notes))
    }
    public mutating func warning(_ message: String, at range: SourceRange?, notes: [String] = []) {
        append(Diagnostic(.warning, message, at: range, notes: notes))
    }
    public mutating func append(_ d: Diagnostic) {
        items.append(d)
        if d.severity == .error { errorCount += 1 }
    }
    public mutating func append(contentsOf other: DiagnosticBag) {
        items += other.items
        errorCount += other.errorCount
    }
}

/// Thrown when the front end stops with errors; carries every diagnostic gathered.
public struct DiagnosticsError: Error, Sendable {
    public let diagnostics: [Diagnostic]
    public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }
}
