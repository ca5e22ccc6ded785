import WeaveIR
import WeaveSource

/// What the diagram writers (kernel view, Mermaid, HTML) say about each step of a trace:
/// who ran it, the source line it runs, and what it changed, in a short form.
public struct StepNotes {
    /// One step, ready to print.
    public struct Note {
        /// Index into `participants`.
        public let column: Int
        /// `close`, `fput.cas`.
        public let label: String
        /// The label's source line: its comment, else its code (`filp_close(): the last reference goes`).
        public let text: String
        /// `delayed_fput_list = <0>`, `closed[1] = true`; the instance's own locals without its prefix.
        public let changes: [String]
    }

    public let model: Model
    let view: StateView
    /// Instance names of the processes that take part, in model order.
    public let participants: [String]
    public let notes: [Note]

    /// `branches`: the steps' semantics, to name the `either` branches taken (nil: not named).
    public init(model: Model, trace t: Trace, branches: (any StepBranches)?) {
        self.model = model
        view = StateView(model: model)
        var order: [(Int, Int, String)] = []
        for s in t.steps where !order.contains(where: { $0.0 == s.process.index && $0.1 == s.instance }) {
            order.append((s.process.index, s.instance, model.processes[s.process.index].instanceName(s.instance)))
        }
        order.sort { ($0.0, $0.1) < ($1.0, $1.1) }
        participants = order.map(\.2)
        var notes: [Note] = []
        let choices = StepChoices(model: model, branches: branches)
        for (i, s) in t.steps.enumerated() where i + 1 < t.states.count {
            let p = model.processes[s.process.index]
            let name = p.instanceName(s.instance)
            let column = participants.firstIndex(of: name) ?? 0
            let label = p.labelName(s.label)
            let text = s.label.index < p.labels.count ? StepNotes.caption(p, s.label) : ""
            var changes = StepNotes.shortChanges(view, from: t.states[i], to: t.states[i + 1], instance: name)
            if changes.isEmpty {
                // A step that only read: show what it read (it decided the step).
                changes = StepReads.reads(view, trace: t, step: i, local: name).map { "read " + $0 }
            }
            changes = choices.lines(t, step: i) + changes
            notes.append(Note(column: column, label: label, text: text, changes: changes))
        }
        self.notes = notes
    }

    /// What a step does, for a kernel reader: the comment on its label's line (with the
    /// comment lines that continue it, so a sentence is not cut); a step of a kernel-library
    /// macro is prefixed with the macro (`task_work_add(): try_cmpxchg`); a step without a
    /// comment is named after the first macro it calls (`llist_add()`) rather than by model
    /// code such as `if design == ... {`; only then the code itself.
    public static func caption(_ p: Process, _ label: LabelID) -> String {
        let l = p.labels[label.index]
        let entryMacro = firstNode(p, from: l.entry)?.expansion.first?.macro
        let comment = labelComment(l)
        if !comment.isEmpty {
            guard let m = entryMacro, isLibraryLabel(l), !comment.hasPrefix(m) else { return comment }
            return "\(m)(): \(comment)"
        }
        if let m = entryMacro, isLibraryLabel(l) {
            // A library step with no comment: the macro and the step's own name in it (`cas`).
            return "\(m)(): \(l.name.split(separator: ".").last.map(String.init) ?? l.name)"
        }
        let code = sourceText(l)
        // Model control code (`if design == ... {`) says nothing to a kernel reader: name the
        // kernel function the step calls instead, when it calls one.
        let control = ["if ", "await ", "either", "while ", "choose ", "goto ", "assert "]
        if control.contains(where: { code.hasPrefix($0) }), let m = firstMacroInStep(p, from: l.entry) { return "\(m)()" }
        return code
    }

    /// The outermost macro the first macro-expanded node of a step (in path order) came
    /// from: what the step calls, when its own line is model code.
    static func firstMacroInStep(_ p: Process, from entry: NodeID) -> String? {
        var queue = [entry]
        var seen = Set<NodeID>()
        var i = 0
        while i < queue.count {
            let n = queue[i]
            i += 1
            guard n < p.nodes.count, seen.insert(n).inserted else { continue }
            if let m = p.nodes[n].expansion.last?.macro { return m }
            for s in p.successors(n) where s < p.nodes.count {
                // A step that only leads into a macro's own first step calls that macro.
                if p.labelAt[s] != nil {
                    if let m = firstNode(p, from: s)?.expansion.last?.macro { return m }
                    continue
                }
                queue.append(s)
            }
        }
        return nil
    }

    /// The first node a step runs (past the label's own jump).
    static func firstNode(_ p: Process, from entry: NodeID) -> Node? {
        var n = entry
        var hops = 0
        while n < p.nodes.count, hops < 8 {
            if case .jump(let next) = p.nodes[n].kind { n = next; hops += 1; continue }
            return p.nodes[n]
        }
        return nil
    }

    /// A label declared inside a macro body (its name is `OUTER.INNER` in traces).
    static func isLibraryLabel(_ l: LabelInfo) -> Bool { l.name.contains(".") }

    /// The comment on the label's line and the comment-only lines right below it that
    /// continue it (up to three), joined.
    static func labelComment(_ l: LabelInfo) -> String {
        guard let (file, line, _, first) = labelLine(l) else { return "" }
        var comment = first
        guard !comment.isEmpty else { return "" }
        var n = line + 1
        while n <= file.lineStarts.count, n <= line + 3, !endsSentence(comment) {
            let (c, m) = split(file.lineText(n))
            guard c.isEmpty, !m.isEmpty else { break }
            comment += " " + m
            n += 1
        }
        return comment
    }

    /// The label's line after `NAME:`: its file, line number, code and comment.
    static func labelLine(_ l: LabelInfo) -> (SourceFile, Int, String, String)? {
        guard let r = l.range else { return nil }
        let (line, col) = r.file.lineColumn(r.end)
        var rest = Substring(r.file.lineText(line).dropFirst(max(0, col - 1)))
        if rest.hasPrefix(":") { rest = rest.dropFirst() }
        let (code, comment) = split(String(rest))
        return (r.file, line, code, comment)
    }

    static func endsSentence(_ s: String) -> Bool {
        guard let c = s.last else { return true }
        return ".;)!?".contains(c) || s.hasSuffix("\"")
    }

    /// The text a label's step runs, from the source: the comment on the label's line,
    /// else the code after the label; for a bare label line, the next non-empty line's code.
    public static func sourceText(_ l: LabelInfo) -> String {
        guard let (file, line, code, comment) = labelLine(l) else { return "" }
        if !comment.isEmpty { return comment }
        if !code.isEmpty { return code }
        var n = line + 1
        while n <= file.lineStarts.count && n <= line + 3 {
            let (c, m) = split(file.lineText(n))
            if !c.isEmpty { return c }
            if !m.isEmpty { return m }
            n += 1
        }
        return ""
    }

    /// Code and `//` comment of a line, both trimmed.
    static func split(_ s: String) -> (String, String) {
        if let r = s.firstRange(of: "//") {
            return (trim(String(s[..<r.lowerBound])), trim(String(s[r.upperBound...])))
        }
        return (trim(s), "")
    }

    static func trim(_ s: String) -> String {
        var t = Substring(s)
        while let c = t.first, c == " " || c == "\t" { t = t.dropFirst() }
        while let c = t.last, c == " " || c == "\t" { t = t.dropLast() }
        return String(t)
    }

    /// Changed variables without pcs (the next label says where a process went); an
    /// array with one or two changed elements as `a[i] = v`; `instance.` dropped from its own locals.
    public static func shortChanges(_ view: StateView, from a: [Int64], to b: [Int64], instance: String) -> [String] {
        var out: [String] = []
        // Ghost bookkeeping is not kernel state: the kernel view does not show it.
        for e in view.layout.entries where e.pcOf == nil && !e.isGhost {
            let n = e.type.slotCount
            guard e.offset + n <= a.count, e.offset + n <= b.count, a[e.offset..<(e.offset + n)] != b[e.offset..<(e.offset + n)] else { continue }
            var name = e.name
            if name.hasPrefix(instance + ".") { name = String(name.dropFirst(instance.count + 1)) }
            if case .array(let idx, let el) = e.type {
                let w = el.slotCount
                var parts: [String] = []
                for j in 0..<Int(idx.cardinality) {
                    let lo = e.offset + j * w
                    if a[lo..<(lo + w)] != b[lo..<(lo + w)] {
                        parts.append("\(name)[\(idx.format(idx.lowerBound + Int64(j)))] = \(el.format(slots: b[lo..<(lo + w)], names: e.valueNames))")
                    }
                }
                if parts.count <= 2 { out += parts; continue }
            }
            out.append("\(name) = \(view.format(e, b))")
        }
        return out
    }
}
