/// Prints a model's typed IR, so a user can see what the checker explores.
public enum IRPrinter {
    public static func text(_ m: Model) -> String {
        var out = "model \(m.name)\n"
        for s in m.settings { out += "  \(s.isParam ? "param" : "const") \(s.name) = \(s.type.format(s.value))\n" }
        let layout = Layout(m)
        out += "state: \(layout.slotCount) slots\n"
        for t in m.symmetricTypes { out += "symmetric \(t.description): \(t.cardinality) values\n" }
        for g in m.globals { out += "var \(g.name): \(g.type.description)\(initText(g))\n" }
        for p in m.processes {
            let idx = p.indexType.map { "(\($0.description))" } ?? ""
            out += "\(p.fairness == .unfair ? "" : p.fairness == .weak ? "fair " : "strong fair ")process \(p.name)\(idx): \(p.instanceCount) instance(s)\n"
            for v in p.locals { out += "  var \(v.name): \(v.type.description)\(initText(v))\n" }
            for (i, l) in p.labels.enumerated() {
                out += "  step \(i) \(l.isEnd ? "end " : "")\(l.name): entry node \(l.entry)\n"
            }
            out += "  \(p.nodes.count) nodes\n"
        }
        for i in m.invariants { out += "invariant \(i.name)\n" }
        for r in m.reachables { out += "reachable \(r.name)\n" }
        for l in m.liveness { out += "liveness \(l.name)\n" }
        for a in m.assertNames { out += "assert \"\(a)\"\n" }
        for o in m.overflowNames { out += "bound \(o)\n" }
        return out
    }

    static func initText(_ v: Variable) -> String {
        if v.initial.allSatisfy({ $0.count == 1 }) {
            let flat = v.initial.map { $0[0] }
            return " = " + v.type.format(slots: flat[...])
        }
        return " (\(v.initial.reduce(1) { $0 * $1.count }) initial values)"
    }
}
