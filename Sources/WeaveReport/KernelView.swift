import WeaveIR
import WeaveExplorer

/// The race diagram of kernel commit messages: one column per process that takes
/// part, time flowing down, each row the step's label and the source line it runs,
/// with what it changed under it, and the violated property at the bottom.
public enum KernelView {
    /// Widest a column's text is wrapped to (two columns fit a 75-character commit message line).
    public static let maxColumnWidth = 36

    public static func render(model: Model, trace t: Trace, violation v: Violation?) -> String {
        let notes = StepNotes(model: model, trace: t)
        let cols = max(1, notes.participants.count)
        // Each step's lines, wrapped to its column.
        var widths = [Int](repeating: 0, count: cols)
        for (i, p) in notes.participants.enumerated() { widths[i] = min(maxColumnWidth, p.count) }
        var blocks: [(column: Int, lines: [String])] = []
        for note in notes.notes {
            var lines = wrap(note.label + (note.text.isEmpty ? "" : ": " + note.text), maxColumnWidth, hang: "    ")
            for c in note.changes { lines += wrap("  " + c, maxColumnWidth, hang: "      ") }
            for l in lines { widths[note.column] = max(widths[note.column], min(maxColumnWidth, l.count)) }
            blocks.append((note.column, lines))
        }
        let gap = 4
        var offsets: [Int] = []
        var x = 2
        for w in widths { offsets.append(x); x += w + gap }
        func row(_ column: Int, _ text: String) -> String {
            let line = String(repeating: " ", count: offsets[column]) + text
            return trimTrailing(line)
        }
        var out = ""
        let params = model.settings.filter(\.isParam).map(\.description).joined(separator: ", ")
        out += "  \(model.name)" + (params.isEmpty ? "" : " (\(params))") + "\n\n"
        var header = ""
        for (i, p) in notes.participants.enumerated() {
            header += String(repeating: " ", count: max(0, offsets[i] - header.count)) + p
        }
        out += trimTrailing(header) + "\n"
        var rule = ""
        for (i, w) in widths.enumerated() {
            rule += String(repeating: " ", count: max(0, offsets[i] - rule.count)) + String(repeating: "-", count: w)
        }
        out += rule + "\n"
        let failsInside = v?.failedInsideStep == true
        for (i, b) in blocks.enumerated() {
            if let l = t.loopStart, l == i, l < t.states.count - 1 {
                out += "  ~~~~ the cycle starts here ~~~~\n"
            }
            for (k, line) in b.lines.enumerated() {
                var text = line
                if k == 0, i == blocks.count - 1, failsInside, let v {
                    text += "   <-- VIOLATED: \(v.property)"
                }
                out += row(b.column, text) + "\n"
            }
        }
        if let l = t.loopStart {
            out += l == t.states.count - 1
                ? "  ~~~~ stuck here forever: no fair process can take a step ~~~~\n"
                : "  ~~~~ back to the start of the cycle, forever ~~~~\n"
        }
        if let v {
            out += "\n  VIOLATED: \(v.message)" + (v.range.map { "\n    at \($0.description)" } ?? "") + "\n"
        }
        return out
    }

    /// Word-wraps `s` to `width`, continuation lines indented by `hang`.
    static func wrap(_ s: String, _ width: Int, hang: String) -> [String] {
        if s.count <= width { return [s] }
        var lines: [String] = []
        var cur = ""
        let lead = String(s.prefix { $0 == " " })
        for word in s.split(separator: " ", omittingEmptySubsequences: true) {
            let prefix = lines.isEmpty && cur.isEmpty ? lead : (cur.isEmpty ? hang : "")
            let candidate = cur.isEmpty ? prefix + word : cur + " " + word
            if candidate.count > width && !cur.isEmpty {
                lines.append(cur)
                cur = hang + word
            } else {
                cur = candidate
            }
        }
        if !cur.isEmpty { lines.append(cur) }
        return lines
    }

    static func trimTrailing(_ s: String) -> String {
        var t = Substring(s)
        while t.last == " " { t = t.dropLast() }
        return String(t)
    }
}
