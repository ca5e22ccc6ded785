import WeaveIR
import WeaveZ3

/// A part of the hypothesis: one conjunct of one invariant in the pre-state, and its slots.
struct HypothesisPart {
    let conjunct: Conjunct
    let term: Z3Expr
    let support: Set<Int>
}

/// A bad case of a consecution query and the slots it involves.
struct ConsecutionCase {
    let bad: ProofSession.Bad
    let slots: Set<Int>
    /// The hypothesis part (index into all parts) whose post-state version this case breaks.
    var part: Int? = nil
}

/// The consecution queries of a per-size proof and the order they are asked in.
///
/// The full hypothesis (every invariant's conjuncts over the chain s0 .. s_{k-1}, with the
/// chain's transitions) sits in the main solver. For k = 1, the cases first run against
/// their neighbourhood: the parts under the same quantified values as the conjunct they
/// break (for `forall t: P(t)`, the P(t) of every invariant for that t) and the
/// unquantified parts. Most steps preserve P(t) for reasons about t alone; one small query
/// covers every step for one t. Cases that the neighbourhood does not refute go to the
/// full hypothesis, one query per step path.
final class ConsecutionPlanner {
    typealias Case = ConsecutionCase
    let session: ProofSession
    let ts: TransitionSystem
    let terms: Terms
    let q: QueryRunner
    /// The chain s0 .. s_{k-1}; the last is the canonical pre-state the paths are built over.
    private(set) var chain: [[Z3Expr]] = []
    private(set) var sels: [Z3Expr] = []
    /// Each invariant's parts, and all of them in order.
    private(set) var parts: [String: [HypothesisPart]] = [:]
    let allParts: [HypothesisPart]
    /// The index range in `allParts` of each invariant's parts.
    private var partRange: [String: Range<Int>] = [:]
    /// For each ok path, the hypothesis parts (indices into allParts) that read a slot it writes.
    private var touched: [Int: Set<Int>] = [:]
    private var posts: [Int: [Z3Expr]] = [:]
    /// k = 1: the solver for the neighbourhood queries.
    let local: QueryRunner?
    private var typeTerms: [Z3Expr] = []
    private var neighbours: [[Int: Int64]: [Int]] = [:]
    private var unquantified: [Int] = []

    init(_ session: ProofSession, _ ts: TransitionSystem, _ q: QueryRunner, _ invariants: [StateProperty], _ k: Int) throws {
        self.session = session
        self.ts = ts
        self.q = q
        terms = ts.terms
        let sa = ts.supports
        for i in 0..<(k - 1) { chain.append(try ts.stateVars("c\(i)")) }
        chain.append(ts.pre)
        for inv in invariants {
            parts[inv.name] = try ts.conjuncts(inv.expr).map {
                HypothesisPart(conjunct: $0, term: try ts.holds($0, ts.pre), support: sa.support($0.expr, regs: $0.regs))
            }
        }
        var all: [HypothesisPart] = []
        for inv in invariants {
            partRange[inv.name] = all.count..<(all.count + parts[inv.name]!.count)
            all += parts[inv.name]!
        }
        allParts = all
        local = k == 1 ? QueryRunner(session.context, options: session.options, prefix: "local-") : nil
        try assertHypothesis(k)
        try planNeighbourhoods()
    }

    /// The full hypothesis, in the main solver.
    private func assertHypothesis(_ k: Int) throws {
        var partsBySlot: [Int: [Int]] = [:]
        for (i, p) in allParts.enumerated() { for slot in p.support { partsBySlot[slot, default: []].append(i) } }
        for s in chain {
            try q.solver.assert(ts.typeOK(s, canonical: false))
            for p in allParts { try q.solver.assert(s.elementsEqual(ts.pre, by: ==) ? p.term : ts.at(p.term, s)) }
        }
        for i in 0..<(k - 1) {
            let sel = try terms.ctx.constant("csel\(i)", terms.ctx.intSort)
            try q.solver.assert(ts.transition(chain[i], chain[i + 1], sel))
            sels.append(sel)
        }
        for pi in ts.okPaths {
            var t = Set<Int>()
            for w in ts.paths[pi].writes.keys { t.formUnion(partsBySlot[w] ?? []) }
            touched[pi] = t
        }
    }

    private func planNeighbourhoods() throws {
        typeTerms = try (0..<ts.pre.count).map { try ts.slotConstraint(ts.pre[$0], $0) }
        for (i, p) in allParts.enumerated() { neighbours[p.conjunct.regs, default: []].append(i) }
        // Parts that read a handful of slots (`(u in busy) == at(nfsd(u), fput)`) are cheap and
        // often what relates another instance's step to t: every neighbourhood has them.
        let small = allParts.indices.filter { !allParts[$0].conjunct.regs.isEmpty && allParts[$0].support.count <= 4 }
        unquantified = (neighbours[[:]] ?? []) + small
    }

    /// The cases of invariant `inv`: per ok path that writes a slot one of its parts reads,
    /// each part the path may break.
    func cases(_ inv: StateProperty) throws -> [[Case]] {
        let range = partRange[inv.name]!
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
                cases.append(Case(bad: .init(property: inv.name, cond: cond, path: p), slots: involved, part: partIndex))
            }
            if cases.isEmpty { continue }
            groups.append(cases)
        }
        return groups
    }

    /// The cases of a step target: each path that fails it (or, for `runtime error`, hits one).
    func cases(_ target: String) -> [[Case]] {
        var groups: [[Case]] = []
        for p in ts.paths where p.condition.boolValue != false {
            if target == Prover.runtimeErrors {
                guard case .error(let why) = p.outcome else { continue }
                groups.append([Case(bad: .init(property: "\(target): \(why)", cond: p.condition, path: p), slots: p.conditionDeps)])
            } else if p.outcome == .violation(target) {
                groups.append([Case(bad: .init(property: target, cond: p.condition, path: p), slots: p.conditionDeps)])
            }
        }
        return groups
    }

    /// Whether the neighbourhood shared by `cases` (all breaking parts under the same values) refutes them all.
    private func refutedLocally(_ cases: [Case], _ regs: [Int: Int64], _ local: QueryRunner, _ qname: String) throws -> (Bool, Double) {
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

    /// By neighbourhood: one query for all cases under the same values, then (if that is not
    /// enough) one per step. The cases refuted so, and the Z3 time.
    private func refuteLocally(_ name: String, _ groups: [[Case]], _ local: QueryRunner) throws -> (Set<Z3Expr>, Double) {
        var total = 0.0
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
        return (refuted, total)
    }

    /// One obligation: its cases (the neighbourhood first, for k = 1), then what remains
    /// against the full hypothesis, one query per group.
    func check(_ name: String, _ groups: [[Case]], failedInside: Bool) throws {
        var total = 0.0
        var result: Z3Result = .unsat
        var remaining = groups
        if let local {
            let (refuted, ms) = try refuteLocally(name, groups, local)
            total += ms
            remaining = groups.map { $0.filter { !refuted.contains($0.bad.cond) } }.filter { !$0.isEmpty }
        }
        for (gi, group) in remaining.enumerated() {
            let qname = "\(name) [\(group[0].bad.path?.step.name ?? "")] \(gi)"
            let bad = try terms.or(group.map(\.bad.cond))
            let (r, ms) = try q.scoped { () throws -> (Z3Result, Double) in
                try q.solver.assert(bad)
                let (r, ms) = try q.check(qname)
                if r == .sat, session.firstCTI == nil {
                    session.firstCTI = try session.cti(ts, q.solver.model(), name: name, states: chain, sels: sels, bad: group.map(\.bad),
                                                       failedInside: failedInside)
                }
                return (r, ms)
            }
            total += ms
            if r == .sat { result = r; break }
            if case .unknown = r { result = r }
        }
        session.record(name, result, total)
    }
}
