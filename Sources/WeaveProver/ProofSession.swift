import Foundation
import WeaveIR
import WeaveZ3

/// The state of one proof attempt (one Z3 context).
final class ProofSession: ObligationRecorder {
    let model: Model
    let options: ProverOptions
    let context = Z3Context()
    var obligations: [ObligationOutcome] = []
    var firstCTI: CounterexampleToInduction?
    var unknownReason: String?
    /// Step paths that can hit a run-time error (condition not trivially false), once encoded.
    var errorPaths = 0

    init(model: Model, options: ProverOptions) {
        self.model = model
        self.options = options
    }

    func run(invTargets: [StateProperty], stepTargets: [String], lemmas: [StateProperty], targetNames: [String]) -> ProofResult {
        let k = max(1, options.k)
        let t0 = Date()
        let ts: TransitionSystem
        do {
            ts = try TransitionSystem(model: model, context: context, maxNodes: options.maxPathNodes)
        } catch {
            return ProofResult(verdict: .unknown("cannot encode the model: \(error)"), obligations: [], targets: targetNames,
                               lemmas: lemmas.map(\.name), k: k, pathCount: 0, encodingSeconds: Date().timeIntervalSince(t0),
                               model: model)
        }
        let encodingSeconds = Date().timeIntervalSince(t0)
        errorPaths = ts.paths.filter { p in
            if case .error = p.outcome { return p.condition.boolValue != false }
            return false
        }.count
        let invariants = invTargets + lemmas
        let isLemma = Set(lemmas.map(\.name))
        func label(_ i: StateProperty) -> String { isLemma.contains(i.name) ? "\(i.name) (lemma)" : i.name }
        do {
            let q = QueryRunner(context, options: options)
            if k == 1 {
                try initiation(ts, q, invariants, label)
            } else {
                try base(ts, q, invariants, stepTargets, k)
            }
            try consecution(ts, q, invariants, stepTargets, k, label)
        } catch {
            if unknownReason == nil { unknownReason = "\(error)" }
        }
        return ProofResult(verdict: verdict(), obligations: obligations, targets: targetNames, lemmas: lemmas.map(\.name),
                           k: k, pathCount: ts.paths.count, encodingSeconds: encodingSeconds, model: model)
    }

    func initiation(_ ts: TransitionSystem, _ q: QueryRunner, _ invariants: [StateProperty], _ label: (StateProperty) -> String) throws {
        let s = ts.pre
        try q.scoped {
            try q.solver.assert(ts.initial(s))
            for inv in invariants {
                let name = "initiation: \(label(inv))"
                try q.scoped {
                    try q.solver.assert(ts.terms.not(ts.holds(inv.expr, s)))
                    let (r, ms) = try q.check(name)
                    record(name, r, ms)
                    if r == .sat, firstCTI == nil {
                        let state = try QueryRunner.decode(q.solver.model(), s)
                        firstCTI = CounterexampleToInduction(obligation: name, property: inv.name, model: model,
                                                             trace: Trace(states: [state], steps: []), failedInsideStep: false)
                    }
                }
            }
        }
    }

    /// k > 1: no state reachable in fewer than k steps is bad (a bounded check from Init).
    func base(_ ts: TransitionSystem, _ q: QueryRunner, _ invariants: [StateProperty], _ stepTargets: [String], _ k: Int) throws {
        let name = "base: no violation in the first \(k - 1) steps"
        var total = 0.0
        var states = [try ts.stateVars("b0")]
        var sels: [Z3Expr] = []
        var result: Z3Result = .unsat
        try q.scoped {
            try q.solver.assert(ts.initial(states[0]))
            try q.solver.assert(ts.typeOK(states[0]))
            for d in 0..<k {
                let s = states[d]
                let bad = try badConditions(ts, s, invariants, stepTargets)
                let (r, ms) = try q.scoped { () throws -> (Z3Result, Double) in
                    try q.solver.assert(ts.terms.or(bad.map(\.cond)))
                    let (r, ms) = try q.check("\(name) (depth \(d))")
                    if r == .sat, firstCTI == nil {
                        let m = try q.solver.model()
                        firstCTI = try cti(ts, m, name: name, states: states, sels: sels, bad: bad, failedInside: true)
                    }
                    return (r, ms)
                }
                total += ms
                if r != .unsat { result = r; break }
                if d == k - 1 { break }
                let next = try ts.stateVars("b\(d + 1)")
                let sel = try ts.terms.ctx.constant("bsel\(d)", ts.terms.ctx.intSort)
                try q.solver.assert(ts.transition(s, next, sel))
                states.append(next)
                sels.append(sel)
            }
        }
        record(name, result, total)
    }

    /// What can be bad in state `s`: an invariant false, or a step path failing a target.
    struct Bad {
        let property: String
        let cond: Z3Expr
        /// The failing path (for step targets), or nil for an invariant.
        let path: StepPath?
    }

    func badConditions(_ ts: TransitionSystem, _ s: [Z3Expr], _ invariants: [StateProperty], _ stepTargets: [String]) throws -> [Bad] {
        var out: [Bad] = []
        for inv in invariants { out.append(Bad(property: inv.name, cond: try ts.terms.not(ts.holds(inv.expr, s)), path: nil)) }
        for p in ts.paths {
            if case .violation(let n) = p.outcome, stepTargets.contains(n) {
                out.append(Bad(property: n, cond: try ts.at(p.condition, s), path: p))
            }
            if case .error(let why) = p.outcome, stepTargets.contains(Prover.runtimeErrors) {
                out.append(Bad(property: "\(Prover.runtimeErrors): \(why)", cond: try ts.at(p.condition, s), path: p))
            }
        }
        return out
    }

    /// A counterexample from a model: the chain's states and steps, then the first bad case
    /// that holds (for a step path: its post-state, after the last chain state). The last
    /// step fails inside when `failedInside` and the case has a path.
    func cti(_ ts: TransitionSystem, _ m: Z3Model, name: String, states: [[Z3Expr]], sels: [Z3Expr], bad: [Bad],
             failedInside: Bool) throws -> CounterexampleToInduction? {
        var decoded = try states.map { try ts.canonical(QueryRunner.decode(m, $0)) }
        var steps: [TraceStep] = []
        for sel in sels {
            guard let j = try m.evalInt(sel), j >= 0, Int(j) < ts.okPaths.count else { return nil }
            steps.append(ts.paths[ts.okPaths[Int(j)]].step)
        }
        for b in bad where try m.evalBool(b.cond) == true {
            if let p = b.path {
                let last = states[states.count - 1]
                let post = try p.post(ts.pre).map { try ts.at($0, last) }
                decoded.append(ts.canonical(try QueryRunner.decode(m, post)))
                steps.append(p.step)
            }
            return CounterexampleToInduction(obligation: name, property: b.property, model: model,
                                             trace: Trace(states: decoded, steps: steps),
                                             failedInsideStep: failedInside && b.path != nil)
        }
        return nil
    }

    /// Consecution: the full hypothesis over the chain, then each invariant and step target
    /// through the query planner (`ConsecutionPlanner`).
    func consecution(_ ts: TransitionSystem, _ q: QueryRunner, _ invariants: [StateProperty], _ stepTargets: [String],
                     _ k: Int, _ label: (StateProperty) -> String) throws {
        let planner = try ConsecutionPlanner(self, ts, q, invariants, k)
        for inv in invariants {
            try planner.check("consecution: \(label(inv))", try planner.cases(inv), failedInside: false)
        }
        for target in stepTargets {
            let name = target == Prover.runtimeErrors ? "no step hits a run-time error"
                : "no step fails \(Model.isOverflowProperty(target) ? target : "\"\(target)\"")"
            try planner.check(name, planner.cases(target), failedInside: true)
        }
    }
}
