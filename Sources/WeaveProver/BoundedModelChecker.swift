import Foundation
import WeaveIR
import WeaveZ3

/// Bounded model checking: unrolls the transition relation from the initial states
/// and asks Z3 for a run of at most `depth` steps that violates an invariant, fails
/// an assert, overflows a queue or hits a run-time error (deadlock is not checked).
/// A step that fails partway counts as one of the `depth` steps.
/// Depths are tried in increasing order, so a trace found is a shortest one.
public enum BoundedModelChecker {
    /// `properties` selects what to look for by name (empty: everything; `runtime error`
    /// selects run-time errors).
    /// `timeBudget` (seconds) bounds the whole search: past it the answer is `unknown`.
    public static func check(_ model: Model, depth: Int, properties: [String] = [],
                             options: ProverOptions = ProverOptions(), timeBudget: Double? = nil) -> BMCResult {
        let start = Date()
        let all = properties.isEmpty
        let wanted = Set(properties)
        let context = Z3Context()
        do {
            let ts = try TransitionSystem(model: model, context: context, maxNodes: options.maxPathNodes)
            let terms = ts.terms
            let invariants = model.invariants.filter { all || wanted.contains($0.name) }
            let failing = ts.paths.filter { p in
                switch p.outcome {
                case .ok: return false
                case .violation(let n): return all || wanted.contains(n)
                case .error: return all || wanted.contains(Model.runtimeErrorProperty)
                }
            }
            let q = QueryRunner(context, options: options)
            var states = [try ts.stateVars("s0")]
            var sels: [Z3Expr] = []
            try q.solver.assert(ts.initial(states[0]))
            try q.solver.assert(ts.typeOK(states[0]))
            for d in 0...max(0, depth) {
                let s = states[d]
                var bad: [(String, Z3Expr, StepPath?)] = []
                for inv in invariants { bad.append((inv.name, try terms.not(ts.holds(inv.expr, s)), nil)) }
                // A failing step counts as a step: it may start from s_0 ... s_{depth-1}.
                if d < depth { for p in failing { bad.append(("", try ts.at(p.condition, s), p)) } }
                if let budget = timeBudget {
                    let left = budget - Date().timeIntervalSince(start)
                    if left <= 0 { return .unknown("no answer within \(Int(budget)) s (runs up to \(d - 1) steps have none)") }
                    let ms = UInt32(min(left * 1000, Double(options.timeoutMs ?? UInt32.max)).rounded(.up))
                    q.solver.setTimeout(milliseconds: max(1, ms))
                }
                let found: BMCResult? = try q.scoped {
                    try q.solver.assert(terms.or(bad.map(\.1)))
                    let (r, _) = try q.check("bmc depth \(d)")
                    switch r {
                    case .unsat: return nil
                    case .unknown(let why): return .unknown("Z3 says unknown at depth \(d): \(why)")
                    case .sat: break
                    }
                    let m = try q.solver.model()
                    var trace = Trace(states: try states.map { try QueryRunner.decode(m, $0) }, steps: [])
                    for sel in sels {
                        guard let j = try m.evalInt(sel) else { return .unknown("no step in the model") }
                        trace.steps.append(ts.paths[ts.okPaths[Int(j)]].step)
                    }
                    for (name, cond, path) in bad where try m.evalBool(cond) == true {
                        guard let p = path else {
                            return .violation(property: name, message: "invariant \(name) is violated", trace: trace, failedInsideStep: false)
                        }
                        let post = try p.post(ts.pre).map { try ts.at($0, s) }
                        trace.states.append(try QueryRunner.decode(m, post))
                        trace.steps.append(p.step)
                        let inst = model.processes[p.step.process.index].instanceName(p.step.instance)
                        switch p.outcome {
                        case .violation(let n) where Model.isOverflowProperty(n):
                            return .violation(property: n, message: "\(n): \(inst) pushes onto a full \(n.dropFirst(9).dropLast())",
                                              trace: trace, failedInsideStep: true)
                        case .violation(let n):
                            return .violation(property: n, message: "assertion \"\(n)\" fails in \(inst)", trace: trace, failedInsideStep: true)
                        case .error(let msg):
                            return .violation(property: Model.runtimeErrorProperty, message: "run-time error: \(msg)", trace: trace, failedInsideStep: true)
                        case .ok: break
                        }
                    }
                    return .unknown("the model Z3 found matches no violation (an encoder bug)")
                }
                if let found { return found }
                if d == depth { break }
                let next = try ts.stateVars("s\(d + 1)")
                let sel = try terms.ctx.constant("sel\(d)", terms.ctx.intSort)
                try q.solver.assert(ts.transition(s, next, sel))
                states.append(next)
                sels.append(sel)
            }
            return .noViolation(depth: depth)
        } catch {
            return .unknown("\(error)")
        }
    }
}
