import WeaveIR

/// Graphviz DOT of a small model's reachable state graph (`weave graph`): a node per
/// state, labelled with each process's pc and the variables that differ from the first
/// initial state; an edge per step. Initial states are double circles; deadlocks,
/// invariant violations and failing steps are red.
public enum Dot {
    public static func render(model: Model, graph g: StateGraph) -> String {
        let view = StateView(model: model)
        let base = g.states.first ?? []
        var out = "digraph \"\(esc(model.name))\" {\n"
        out += "  rankdir=TB;\n  node [shape=box, fontname=\"monospace\", fontsize=10];\n  edge [fontname=\"monospace\", fontsize=9];\n"
        for (i, s) in g.states.enumerated() {
            var lines: [String] = []
            let pcs = view.layout.entries.filter { $0.pcOf != nil }.map { e -> String in
                "\(e.name.dropLast(3))@\(view.format(e, s))"
            }
            lines.append(pcs.joined(separator: " "))
            if i != 0 {
                for (n, v) in view.changes(from: base, to: s) where !n.hasSuffix(".pc") { lines.append("\(n) = \(v)") }
            }
            var attrs = ["label=\"s\(i)\\n\(lines.map(esc).joined(separator: "\\n"))\""]
            attrs.append("tooltip=\"\(view.variables(s).map { esc("\($0.0) = \($0.1)") }.joined(separator: "\\n"))\"")
            if g.initial.contains(i) { attrs.append("peripheries=2") }
            if g.deadlocks.contains(i) {
                attrs.append("color=red"); attrs.append("xlabel=\"deadlock\"")
            } else if let bad = g.invariantViolations[i] {
                attrs.append("color=red"); attrs.append("xlabel=\"\(esc("violates " + bad.joined(separator: ", ")))\"")
            }
            out += "  s\(i) [\(attrs.joined(separator: ", "))];\n"
        }
        var failures = 0
        for e in g.edges {
            if let to = e.to {
                out += "  s\(e.from) -> s\(to) [label=\"\(esc(e.step.name))\"];\n"
            } else {
                let f = "f\(failures)"
                failures += 1
                out += "  \(f) [shape=octagon, color=red, label=\"\(esc(e.failure ?? "fails"))\"];\n"
                out += "  s\(e.from) -> \(f) [label=\"\(esc(e.step.name))\", color=red];\n"
            }
        }
        return out + "}\n"
    }

    /// DOT's quoted strings: quote, backslash and newline.
    static let escapes: [Unicode.Scalar: String] = ["\"": "\\\"", "\\": "\\\\", "\n": "\\n"]
    static func esc(_ s: String) -> String { s.escaped(escapes) }
}
