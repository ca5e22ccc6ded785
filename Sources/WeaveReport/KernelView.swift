import WeaveIR

/// The race diagram of kernel commit messages: one column per process that takes
/// part, time flowing down, each row the step's label and the source line it runs,
/// with what it changed under it, and the violated property at the bottom.
public enum KernelView {
    /// Widest a column's text is wrapped to (two columns fit a 75-character commit message line).
    public static let maxColumnWidth = 36
    /// Every line of the view fits this many columns (a commit message, a mail reply).
    public static let pageWidth = 80

    public static func render(model: Model, trace t: Trace, violation v: Violation?, branches: (any StepBranches)?) -> String {
        let notes = StepNotes(model: model, trace: t, branches: branches)
        let cols = max(1, notes.participants.count)
        // Columns share the page: with three or more processes each gets a narrower one.
        let gap = cols > 4 ? 2 : 4
        let columnWidth = max(10, min(maxColumnWidth, (pageWidth - 2 - gap * (cols - 1)) / cols))
        // Each step's lines, wrapped to its column.
        var widths = [Int](repeating: 0, count: cols)
        for (i, p) in notes.participants.enumerated() { widths[i] = min(columnWidth, p.count) }
        var blocks: [(column: Int, lines: [String])] = []
        for note in notes.notes {
            var lines = wrap(note.label + (note.text.isEmpty ? "" : ": " + note.text), columnWidth, hang: "    ")
            for c in note.changes { lines += wrap("  " + c, columnWidth, hang: "      ") }
            for l in lines { widths[note.column] = max(widths[note.column], min(columnWidth, l.count)) }
            blocks.append((note.column, lines))
        }
        var offsets: [Int] = []
        var x = 2
        for w in widths { offsets.append(x); x += w + gap }
        func row(_ column: Int, _ text: String) -> String {
            let line = String(repeating: " ", count: offsets[column]) + text
            return trimTrailing(line)
        }
        var out = ""
        let params = model.settings.filter(\.isParam).map(\.description).joined(separator: ", ")
        out += wrap("  \(model.name)" + (params.isEmpty ? "" : " (\(params))"), pageWidth, hang: "    ").joined(separator: "\n") + "\n\n"
        var header = ""
        for (i, p) in notes.participants.enumerated() {
            header += String(repeating: " ", count: max(0, offsets[i] - header.count)) + String(p.prefix(widths[i]))
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
                guard k == 0, i == blocks.count - 1, failsInside, let v else {
                    out += row(b.column, line) + "\n"
                    continue
                }
                // Beside the failing step when the line still fits the page, else under it
                // (in its column if it fits there, else from the margin).
                let mark = "<-- VIOLATED: \(v.property)"
                let beside = row(b.column, line + "   " + mark)
                if beside.count <= pageWidth {
                    out += beside + "\n"
                } else {
                    out += row(b.column, line) + "\n"
                    let at = offsets[b.column] + 2 + mark.count <= pageWidth ? offsets[b.column] + 2 : 2
                    out += wrap(String(repeating: " ", count: at) + mark, pageWidth, hang: String(repeating: " ", count: at + 4))
                        .joined(separator: "\n") + "\n"
                }
            }
        }
        if let l = t.loopStart {
            out += l == t.states.count - 1
                ? "  ~~~~ stuck here forever: no fair process can take a step ~~~~\n"
                : "  ~~~~ back to the start of the cycle, forever ~~~~\n"
        }
        if let v {
            out += "\n" + wrap("  VIOLATED: \(v.message)", pageWidth, hang: "    ").joined(separator: "\n")
                + (v.locationText.map { "\n" + wrap("    at \($0)", pageWidth, hang: "      ").joined(separator: "\n") } ?? "") + "\n"
            if v.kind == .deadlock {
                for l in DeadlockExplanation.lines(model: model, trace: t) {
                    out += wrap("  " + l, pageWidth, hang: "  " + String(repeating: " ", count: l.prefix { $0 == " " }.count + 4))
                        .joined(separator: "\n") + "\n"
                }
            }
        }
        return out
    }

    /// Word-wraps `s` to `width`, continuation lines indented by `hang`.
    static func wrap(_ s: String, _ width: Int, hang: String) -> [String] {
        if s.count <= width { return [s] }
        var lines: [String] = []
        var cur = ""
        let lead = String(s.prefix { $0 == " " })
        // A word longer than a line is cut into pieces that fit (a long value, a path).
        var words: [Substring] = []
        for w in s.split(separator: " ", omittingEmptySubsequences: true) {
            var rest = w
            let room = max(4, width - hang.count)
            while rest.count > room {
                // Cut after the last '(' ',' '/' or '=' that leaves a piece that fits, else at the width.
                let head = rest.prefix(room)
                let cut = head.lastIndex(where: { "(,/=".contains($0) }).map { head.index(after: $0) } ?? head.endIndex
                let piece = rest[rest.startIndex..<(cut == rest.startIndex ? head.endIndex : cut)]
                words.append(piece)
                rest = rest[piece.endIndex...]
            }
            words.append(rest)
        }
        for word in words {
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
