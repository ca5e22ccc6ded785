/// One model file's text, with a table of line starts for position lookups.
public final class SourceFile: Sendable {
    /// The path as the user named it (used in diagnostics).
    public let path: String
    /// The file's bytes as UTF-8 (a leading byte order mark removed).
    public let bytes: [UInt8]
    /// Byte offset of the start of each line.
    public let lineStarts: [Int]

    /// `text` may start with a UTF-8 byte order mark (U+FEFF), as some Windows editors
    /// write one; it is not part of the model, so it is dropped here and columns count
    /// from the first character after it.
    public init(path: String, text: String) {
        self.path = path
        var body = Substring(text)
        if body.unicodeScalars.first == "\u{FEFF}" { body.unicodeScalars.removeFirst() }
        self.bytes = Array(body.utf8)
        var starts = [0]
        for (i, b) in bytes.enumerated() where b == UInt8(ascii: "\n") { starts.append(i + 1) }
        self.lineStarts = starts
    }

    /// The 1-based line and column of a byte offset.
    /// - Complexity: O(log lines).
    public func lineColumn(_ offset: Int) -> (line: Int, column: Int) {
        var lo = 0, hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= offset { lo = mid } else { hi = mid - 1 }
        }
        return (lo + 1, offset - lineStarts[lo] + 1)
    }

    /// The byte range of a 1-based line, without its newline (or the CR before it).
    public func lineBounds(_ line: Int) -> Range<Int> {
        guard line >= 1, line <= lineStarts.count else { return bytes.count..<bytes.count }
        let start = lineStarts[line - 1]
        var end = line < lineStarts.count ? lineStarts[line] - 1 : bytes.count
        if end > start, end <= bytes.count, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        return start..<max(start, end)
    }

    /// The text of a 1-based line, without its newline.
    public func lineText(_ line: Int) -> String {
        String(decoding: bytes[lineBounds(line)], as: UTF8.self)
    }
}

/// A half-open byte range in one source file.
public struct SourceRange: Sendable, Hashable {
    public let file: SourceFile
    public let start: Int
    public let end: Int

    public init(file: SourceFile, start: Int, end: Int) {
        self.file = file
        self.start = start
        self.end = max(start, end)
    }

    /// The range from the start of `self` to the end of `other` (same file).
    public func to(_ other: SourceRange) -> SourceRange {
        SourceRange(file: file, start: start, end: max(end, other.end))
    }

    /// `path:line:col`, as diagnostics print it.
    public var description: String {
        let (l, c) = file.lineColumn(start)
        return "\(file.path):\(l):\(c)"
    }

    public static func == (a: SourceRange, b: SourceRange) -> Bool {
        a.file === b.file && a.start == b.start && a.end == b.end
    }
    public func hash(into h: inout Hasher) { h.combine(start); h.combine(end) }
}

/// One macro call that a statement was expanded from: the macro's name and where the
/// call stands. A statement of a macro body carries the chain of calls it came through,
/// innermost first, so a report can name the model's own line.
public struct ExpansionSite: Sendable, Hashable {
    public let macro: String
    public let call: SourceRange
    public init(macro: String, call: SourceRange) { self.macro = macro; self.call = call }
}

extension Array where Element == ExpansionSite {
    /// "in llist_add(), from Models/task_work_fput.weave:120:5": the chain, innermost first.
    public var chainText: String {
        map { "in \($0.macro)() called at \($0.call.description)" }.joined(separator: ", ")
    }
}
