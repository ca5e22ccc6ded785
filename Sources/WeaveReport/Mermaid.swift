import WeaveIR

/// A Mermaid sequence diagram of a trace (GitHub renders ```mermaid blocks): one
/// participant per process that takes part plus `shared` for the global variables;
/// a step that writes globals is a message to `shared`, any other step a note.
public enum Mermaid {
    public static func render(model: Model, trace t: Trace, violation v: Violation?, branches: (any StepBranches)?) -> String {
        let notes = StepNotes(model: model, trace: t, branches: branches)
        let globals = Set(model.globals.map(\.name))
        var out = "sequenceDiagram\n"
        let ids = notes.participants.indices.map { "p\($0)" }
        for (i, p) in notes.participants.enumerated() { out += "    participant \(ids[i]) as \(escape(p))\n" }
        out += "    participant shared as shared variables\n"
        for (i, n) in notes.notes.enumerated() {
            if let l = t.loopStart, l == i, l < t.states.count - 1 {
                out += "    loop forever\n"
            }
            let head = "\(i + 1). \(n.label)" + (n.text.isEmpty ? "" : ": " + n.text)
            let shared = n.changes.filter { c in globals.contains(baseName(c)) }
            let own = n.changes.filter { c in !globals.contains(baseName(c)) }
            let who = ids[n.column]
            if !shared.isEmpty {
                out += "    \(who)->>shared: \(escape(head))\n"
                out += "    Note right of shared: \(shared.map(escape).joined(separator: "<br/>"))\n"
            } else {
                out += "    Note over \(who): \(escape(head))\n"
            }
            if !own.isEmpty { out += "    Note left of \(who): \(own.map(escape).joined(separator: "<br/>"))\n" }
            if i == notes.notes.count - 1, v?.failedInsideStep == true, let v {
                out += "    Note over \(who): VIOLATED: \(escape(v.message))\n"
            }
        }
        if let l = t.loopStart {
            if l < t.states.count - 1 { out += "    end\n" } else { out += "    Note over shared: stuck here forever\n" }
        }
        if let v, v.failedInsideStep == false {
            let span = ids.isEmpty ? "shared" : (ids.count == 1 ? ids[0] : "\(ids[0]),\(ids[ids.count - 1])")
            out += "    Note over \(span): VIOLATED: \(escape(v.message))\n"
        }
        return out
    }

    /// `closed[1] = true` -> `closed`.
    static func baseName(_ change: String) -> String {
        String(change.prefix { $0 != " " && $0 != "[" })
    }

    /// Mermaid entity codes for the characters its sequence syntax gives meaning to.
    static let escapes: [Unicode.Scalar: String] = ["#": "#35;", ";": "#59;", "<": "#lt;", ">": "#gt;", "\n": "<br/>"]
    static func escape(_ s: String) -> String { s.escaped(escapes) }
}
