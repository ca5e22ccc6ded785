import Foundation
import WeaveIR
import WeaveZ3

/// The state of one proof attempt (one Z3 context).
final class ProofSession: ObligationRecorder {
    let model: Model
    let options: ProverOptions
    let context = Z3Context()
    var obligations: [Obligation] = []
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
                               lemmas: lemmas.map(\.name), k: k, pathCount: 0, encodingSeconds: Date().timeIntervalSince(t0))
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
        let verdict: ProofVerdict
        if let c = firstCTI {
            verdict = .refuted(c)
        } else if let u = unknownReason {
            verdict = .unknown(u)
        } else {
            verdict = .proved
        }
        return ProofResult(verdict: verdict, obligations: obligations, targets: targetNames, lemmas: lemmas.map(\.name),
                           k: k, pathCount: ts.paths.count, encodingSeconds: encodingSeconds)
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
                        firstCTI = CounterexampleToInduction(obligation: name, property: inv.name,
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
                        firstCTI = try cti(ts, m, name: name, states: states, sels: sels, bad: bad)
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

    /// A counterexample from a model: chain states, the chain's steps, then the bad part.
    func cti(_ ts: TransitionSystem, _ m: Z3Model, name: String, states: [[Z3Expr]], sels: [Z3Expr], bad: [Bad]) throws -> CounterexampleToInduction? {
        var decoded = try states.map { try ts.canonical(QueryRunner.decode(m, $0)) }
        var steps: [TraceStep] = []
        for sel in sels {
            guard let j = try m.evalInt(sel), j >= 0, Int(j) < ts.okPaths.count else { return nil }
            steps.append(ts.paths[ts.okPaths[Int(j)]].step)
        }
        for b in bad where try m.evalBool(b.cond) == true {
            var failed = false
            if let p = b.path {
                let last = states[states.count - 1]
                let post = try p.post(ts.pre).map { try ts.at($0, last) }
                decoded.append(ts.canonical(try QueryRunner.decode(m, post)))
                steps.append(p.step)
                failed = true
            }
            return CounterexampleToInduction(obligation: name, property: b.property,
                                             trace: Trace(states: decoded, steps: steps), failedInsideStep: failed)
        }
        return nil
    }

    /// A part of the hypothesis: one conjunct of one invariant in the pre-state, and its slots.
    struct Part {
        let conjunct: Conjunct
        let term: Z3Expr
        let support: Set<Int>
    }

    /// A bad case of a query and the slots it involves.
    struct Case {
        let bad: Bad
        let slots: Set<Int>
        /// The hypothesis part (index into all parts) whose post-state version this case breaks.
        var part: Int? = nil
    }

    func consecution(_ ts: TransitionSystem, _ q: QueryRunner, _ invariants: [StateProperty], _ stepTargets: [String],
                     _ k: Int, _ label: (StateProperty) -> String) throws {
        let terms = ts.terms
        let sa = ts.supports
        // The chain s0 .. s_{k-1}; the last is the canonical pre-state the paths are built over.
        var chain: [[Z3Expr]] = []
        for i in 0..<(k - 1) { chain.append(try ts.stateVars("c\(i)")) }
        chain.append(ts.pre)
        var parts: [String: [Part]] = [:]
        for inv in invariants {
            parts[inv.name] = try ts.conjuncts(inv.expr).map {
                Part(conjunct: $0, term: try ts.holds($0, ts.pre), support: sa.support($0.expr, regs: $0.regs))
            }
        }
        let allParts = invariants.flatMap { parts[$0.name]! }
        var partsBySlot: [Int: [Int]] = [:]
        for (i, p) in allParts.enumerated() { for slot in p.support { partsBySlot[slot, default: []].append(i) } }
        var sels: [Z3Expr] = []
        // The full hypothesis, in the main solver.
        for s in chain {
            try q.solver.assert(ts.typeOK(s, canonical: false))
            for p in allParts { try q.solver.assert(s.elementsEqual(ts.pre, by: ==) ? p.term : ts.at(p.term, s)) }
        }
        for i in 0..<(k - 1) {
            let sel = try terms.ctx.constant("csel\(i)", terms.ctx.intSort)
            try q.solver.assert(ts.transition(chain[i], chain[i + 1], sel))
            sels.append(sel)
        }
        // For k = 1, the cases first run against their neighbourhood: the parts under the same
        // quantified values as the conjunct they break (for `forall t: P(t)`, the P(t) of every
        // invariant for that t) and the unquantified parts. Most steps preserve P(t) for reasons
        // about t alone; one small query covers every step for one t. Cases that the
        // neighbourhood does not refute go to the full hypothesis, one query per step path.
        let local: QueryRunner? = k == 1 ? QueryRunner(context, options: options, prefix: "local-") : nil
        let typeTerms = try (0..<ts.pre.count).map { try ts.slotConstraint(ts.pre[$0], $0) }
        var neighbours: [[Int: Int64]: [Int]] = [:]
        for (i, p) in allParts.enumerated() { neighbours[p.conjunct.regs, default: []].append(i) }
        // Parts that read a handful of slots (`(u in busy) == at(nfsd(u), fput)`) are cheap and
        // often what relates another instance's step to t: every neighbourhood has them.
        let small = allParts.indices.filter { !allParts[$0].conjunct.regs.isEmpty && allParts[$0].support.count <= 4 }
        let unquantified = (neighbours[[:]] ?? []) + small
        /// Whether the neighbourhood shared by `cases` (all breaking parts under the same values) refutes them all.
        func refutedLocally(_ cases: [Case], _ regs: [Int: Int64], _ local: QueryRunner, _ qname: String) throws -> (Bool, Double) {
            let chosen = regs.isEmpty ? unquantified : Array(Set(neighbours[regs] ?? []).union(unquantified)).sorted()
            let selected = chosen.map { allParts[$0] }
            var slots = Set<Int>()
            for c in cases { slots.formUnion(c.slots) }
            for p in selected { slots.formUnion(p.support) }
            let (r, ms) = try local.scoped { () throws -> (Z3Result, Double) in
                try local.solver.assert(terms.and(slots.sorted().map { typeTerms[$0] }))
                for p in selected { try local.solver.assert(p.term) }
                try local.solver.assert(terms.or(cases.map(\.bad.cond)))
                return try local.check(qname + " local")
            }
            return (r == .unsat, ms)
        }
        func check(_ name: String, _ groups: [[Case]], failedInside: Bool) throws {
            var total = 0.0
            var result: Z3Result = .unsat
            var remaining = groups
            if let local {
                // By neighbourhood: one query for all cases under the same values, then (if that
                // is not enough) one per step, before the full hypothesis.
                var byRegs: [[Int: Int64]: [Case]] = [:]
                var order: [[Int: Int64]] = []
                for c in groups.joined() {
                    guard let pi = c.part else { continue }
                    let regs = allParts[pi].conjunct.regs
                    if byRegs[regs] == nil { order.append(regs) }
                    byRegs[regs, default: []].append(c)
                }
                var refuted = Set<Z3Expr>()
                for regs in order {
                    let cases = byRegs[regs]!
                    let values = regs.sorted { $0.key < $1.key }.map { "\($0.value)" }.joined(separator: ",")
                    let (ok, ms) = try refutedLocally(cases, regs, local, "\(name) \(values)")
                    total += ms
                    if ok { for c in cases { refuted.insert(c.bad.cond) }; continue }
                    var byStep: [String: [Case]] = [:]
                    for c in cases { byStep[c.bad.path?.step.name ?? "", default: []].append(c) }
                    for (step, pcs) in byStep.sorted(by: { $0.key < $1.key }) where pcs.count < cases.count {
                        let (ok, ms) = try refutedLocally(pcs, regs, local, "\(name) \(values) [\(step)]")
                        total += ms
                        if ok { for c in pcs { refuted.insert(c.bad.cond) } }
                    }
                }
                remaining = groups.map { $0.filter { !refuted.contains($0.bad.cond) } }.filter { !$0.isEmpty }
            }
            for (gi, group) in remaining.enumerated() {
                let qname = "\(name) [\(group[0].bad.path?.step.name ?? "")] \(gi)"
                let bad = try terms.or(group.map(\.bad.cond))
                let (r, ms) = try q.scoped { () throws -> (Z3Result, Double) in
                    try q.solver.assert(bad)
                    let (r, ms) = try q.check(qname)
                    if r == .sat, firstCTI == nil {
                        firstCTI = try extract(q.solver.model(), group.map(\.bad), ts, chain, sels, name, failedInside)
                    }
                    return (r, ms)
                }
                total += ms
                if r == .sat { result = r; break }
                if case .unknown = r { result = r }
            }
            record(name, result, total)
        }

        var posts: [Int: [Z3Expr]] = [:]
        // For each path, the hypothesis parts (indices into allParts) that read a slot it writes.
        var touched: [Int: Set<Int>] = [:]
        for pi in ts.okPaths {
            var t = Set<Int>()
            for w in ts.paths[pi].writes.keys { t.formUnion(partsBySlot[w] ?? []) }
            touched[pi] = t
        }
        var firstPart = 0
        for inv in invariants {
            let name = "consecution: \(label(inv))"
            let mine = parts[inv.name]!
            let range = firstPart..<(firstPart + mine.count)
            firstPart += mine.count
            var groups: [[Case]] = []
            for pi in ts.okPaths {
                let p = ts.paths[pi]
                let hit = touched[pi]!.filter { range.contains($0) }.sorted()
                if hit.isEmpty { continue }
                let post: [Z3Expr]
                if let c = posts[pi] { post = c } else { post = p.post(ts.pre); posts[pi] = post }
                // A path that leaves a conjunct's term unchanged preserves it (it holds before).
                var cases: [Case] = []
                for partIndex in hit {
                    let part = allParts[partIndex]
                    let after = try ts.holds(part.conjunct, post)
                    if after == part.term { continue }
                    let cond = try terms.and(p.condition, terms.not(after))
                    if cond.boolValue == false { continue }
                    var involved = p.conditionDeps
                    for i in part.support { involved.formUnion(p.writeDeps[i] ?? [i]) }
                    cases.append(Case(bad: Bad(property: inv.name, cond: cond, path: p), slots: involved, part: partIndex))
                }
                if cases.isEmpty { continue }
                groups.append(cases)
            }
            try check(name, groups, failedInside: false)
        }
        for target in stepTargets {
            var groups: [[Case]] = []
            if target == Prover.runtimeErrors {
                for p in ts.paths where p.condition.boolValue != false {
                    guard case .error(let why) = p.outcome else { continue }
                    groups.append([Case(bad: Bad(property: "\(target): \(why)", cond: p.condition, path: p), slots: p.conditionDeps)])
                }
                try check("no step hits a run-time error", groups, failedInside: true)
                continue
            }
            let name = "no step fails \(Model.isOverflowProperty(target) ? target : "\"\(target)\"")"
            for p in ts.paths where p.outcome == .violation(target) && p.condition.boolValue != false {
                groups.append([Case(bad: Bad(property: target, cond: p.condition, path: p), slots: p.conditionDeps)])
            }
            try check(name, groups, failedInside: true)
        }
    }

    func extract(_ m: Z3Model, _ bad: [Bad], _ ts: TransitionSystem, _ chain: [[Z3Expr]], _ sels: [Z3Expr],
                 _ name: String, _ failedInside: Bool) throws -> CounterexampleToInduction? {
        var decoded = try chain.map { try ts.canonical(QueryRunner.decode(m, $0)) }
        var steps: [TraceStep] = []
        for sel in sels {
            guard let j = try m.evalInt(sel), j >= 0, Int(j) < ts.okPaths.count else { return nil }
            steps.append(ts.paths[ts.okPaths[Int(j)]].step)
        }
        for b in bad where try m.evalBool(b.cond) == true {
            guard let p = b.path else { continue }
            decoded.append(ts.canonical(try QueryRunner.decode(m, p.post(ts.pre))))
            steps.append(p.step)
            return CounterexampleToInduction(obligation: name, property: b.property,
                                             trace: Trace(states: decoded, steps: steps), failedInsideStep: failedInside)
        }
        return nil
    }
}
