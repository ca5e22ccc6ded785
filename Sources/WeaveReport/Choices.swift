import WeaveIR
import WeaveSource

/// Which branch of each `either` a trace step took, named by the branch's first line:
/// `either: branch 2 of 2 (ticket[t] = true)`.
public struct StepChoices {
    let model: Model
    let branches: (any StepBranches)?

    /// `branches`: the steps' semantics (nil: no branch is named).
    public init(model: Model, branches: (any StepBranches)?) {
        self.model = model
        self.branches = branches
    }

    /// One line per `either` the step `i` of `t` went through, or none.
    public func lines(_ t: Trace, step i: Int) -> [String] {
        guard let branches, i < t.steps.count, i + 1 < t.states.count else { return [] }
        let step = t.steps[i]
        let p = model.processes[step.process.index]
        return branches.branches(from: t.states[i], step: step, to: t.states[i + 1]).compactMap { c in
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
