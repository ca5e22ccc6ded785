import WeaveExplorer
import WeaveIR
import WeaveSource

/// Which branch of each `either` a trace step took, named by the branch's first line:
/// `either: branch 2 of 2 (ticket[t] = true)`.
public struct StepChoices {
    let model: Model
    let space: StateSpace?

    public init(model: Model) {
        self.model = model
        space = try? StateSpace(model: model)
    }

    /// One line per `either` the step `i` of `t` went through, or none.
    public func lines(_ t: Trace, step i: Int) -> [String] {
        guard let space, i < t.steps.count, i + 1 < t.states.count,
              let succ = space.successors(of: t.states[i]) else { return [] }
        let step = t.steps[i]
        // The outcome of this step that the trace shows (its state, or the failure).
        guard let s = succ.first(where: { $0.step.name == step.name && $0.state == t.states[i + 1] }) else { return [] }
        let p = model.processes[step.process.index]
        return s.choices.compactMap { c in
            guard c.node < p.nodes.count, case .either(let targets) = p.nodes[c.node].kind, c.branch < targets.count else { return nil }
            var what = ""
            if let r = firstRange(p, targets[c.branch]) {
                let (line, _) = r.file.lineColumn(r.start)
                let code = StepNotes.split(r.file.lineText(line)).0
                if !code.isEmpty { what = " (\(code))" }
            }
            return "either: branch \(c.branch + 1) of \(targets.count)\(what)"
        }
    }

    /// The source range of the first node of a branch that has one.
    func firstRange(_ p: Process, _ start: NodeID) -> SourceRange? {
        var n = start
        for _ in 0..<8 {
            guard n < p.nodes.count else { return nil }
            if let r = p.nodes[n].range { return r }
            if case .jump(let next) = p.nodes[n].kind { n = next } else { return nil }
        }
        return nil
    }
}
