import Foundation
import WeaveIR
import WeaveZ3

/// Proves invariants and step properties for every value N >= 1 of one const, by
/// induction with quantified invariants (see `SymbolicModel` and `SymbolicEncoder`).
///
/// H(s) = TypeOK(s) ∧ every invariant, each a formula over N (`forall t: Thread` a Z3
/// quantifier guarded by 0 <= t < N). Obligations: Init(s) ⇒ I(s) for each invariant;
/// for each invariant and each step of each process family (an arbitrary instance i,
/// 0 <= i < N, along each path of the step): H(s) ∧ path(s, s') ⇒ I(s'), skipped when
/// the step writes nothing I reads; for each assert/overflow target and `runtime error`:
/// H(s) ⇒ no path of any step fails it.
public enum SymbolicProver {
    /// Z3 time per query when the options set none: a quantified query Z3 cannot decide
    /// may otherwise run for ever.
    public static let defaultTimeoutMs: UInt32 = 120_000
    /// When Z3 cannot decide a symbolic query, the per-size prover looks for a
    /// counterexample at these sizes (one refutes "for every N").
    public static let fallbackSizes: [Int64] = [1, 2, 3]

    /// `elaborate(n)`: the model with the const at n, and the folds its elaboration did
    /// (`Sema.elaborate(_:overrides:foldLog:)`), from which the dependence on N is recovered.
    public static func prove(constName: String, properties: [String], options: ProverOptions = ProverOptions(),
                             elaborate: @escaping (Int64) throws -> SymbolicElaboration) -> ProofResult {
        let t0 = Date()
        func fail(_ v: ProofVerdict, _ model: Model? = nil) -> ProofResult {
            ProofResult(verdict: v, obligations: [], targets: properties, lemmas: [], k: 1, pathCount: 0,
                        encodingSeconds: Date().timeIntervalSince(t0), model: model, constName: constName)
        }
        let sm: SymbolicModel
        do { sm = try SymbolicModel(constName: constName, elaborate: elaborate) } catch {
            return fail(.unsupported("\(error)"))
        }
        let base = sm.base
        if options.k != 1 { return fail(.unsupported("--symbolic proves by plain induction (k = 1) only"), base) }
        let steps = sm.assertNames + sm.overflowNames
        let names = properties.isEmpty ? ProofTargets<SProperty>.defaults(invariants: sm.invariants.map(\.name), steps: steps)
                                       : properties
        let targets: ProofTargets<SProperty>
        do {
            targets = try ProofTargets(names, invariants: sm.invariants, name: \.name, steps: steps, properties: base.propertyNames)
        } catch {
            return fail(.unknown(error.reason), base)
        }
        var o = options
        if o.timeoutMs == nil { o.timeoutMs = defaultTimeoutMs }
        let session = SymbolicSession(model: sm, options: o, elaborate: { try elaborate($0).model })
        var r = session.run(invTargets: targets.invariants, stepTargets: targets.steps, lemmas: targets.lemmas, targetNames: names, t0: t0)
        r.settings = sm.settingsText
        r.elaborationLimit = sm.elaborationLimit
        if properties.isEmpty, names == [Prover.runtimeErrors], case .proved = r.verdict, session.errorPaths == 0 {
            r.nothingToProve = true
        }
        return r
    }
}

/// One symbolic proof attempt (one Z3 context).
final class SymbolicSession: ObligationRecorder {
    let model: SymbolicModel
    let options: ProverOptions
    let elaborate: (Int64) throws -> Model
    let context = Z3Context()
    var obligations: [ObligationOutcome] = []
    var firstCTI: CounterexampleToInduction?
    var unknownReason: String?
    /// The consecution hypothesis (type constraints and every invariant in the pre-state).
    var hypothesis: [Z3Expr] = []
    /// Step paths that can hit a run-time error (condition not trivially false), once encoded.
    var errorPaths = 0
    /// Processes that cannot terminate are not at `done`: part of the hypothesis, asserted
    /// only when a query is satisfiable without it (see `SymbolicEncoder.terminationConstraints`).
    var termination: [Z3Expr] = []
    private var queryCount = 0

    init(model: SymbolicModel, options: ProverOptions, elaborate: @escaping (Int64) throws -> Model) {
        self.model = model
        self.options = options
        self.elaborate = elaborate
    }

    /// The transition system: the encoder, the pre-state and every step path.
    struct System {
        let enc: SymbolicEncoder
        let pre: SState
        let paths: [SPath]
    }

    static func system(_ model: SymbolicModel, _ context: Z3Context) throws -> System {
        let enc = try SymbolicEncoder(model: model, context: context)
        let pre = try enc.stateVars("")
        let solver = Z3Solver(context)
        solver.setTimeout(milliseconds: 10_000)
        try solver.assert(enc.terms.le(enc.terms.int(1), enc.n))
        let exec = SymbolicStepExecutor(encoder: enc, feasible: feasibility(on: solver, enc.terms))
        var paths: [SPath] = []
        for (pi, p) in model.processes.enumerated() {
            let instance = p.indexType == nil ? nil : try context.constant("\(p.name).i", context.intSort)
            for l in p.labels.indices {
                paths += try exec.paths(pre: pre, process: pi, instance: instance, label: l)
            }
        }
        return System(enc: enc, pre: pre, paths: paths)
    }

    func run(invTargets: [SProperty], stepTargets: [String], lemmas: [SProperty], targetNames: [String], t0: Date) -> ProofResult {
        let invariants = invTargets + lemmas
        let isLemma = Set(lemmas.map(\.name))
        func label(_ i: SProperty) -> String { isLemma.contains(i.name) ? "\(i.name) (lemma)" : i.name }
        var pathCount = 0
        var encodingSeconds = 0.0
        var unsupported: String?
        do {
            let sys = try Self.system(model, context)
            pathCount = sys.paths.count
            errorPaths = sys.paths.filter { p in
                if case .error = p.outcome { return p.condition.boolValue != false }
                return false
            }.count
            let enc = sys.enc
            let env = SEnv(state: sys.pre, me: nil)
            // Encode every invariant once (this is where unsupported constructs are found).
            var pre: [String: Z3Expr] = [:]
            for inv in invariants { pre[inv.name] = try enc.holds(inv.expr, env) }
            encodingSeconds = Date().timeIntervalSince(t0)
            let q = QueryRunner(context, options: options)
            // Initiation. Init must have a model (else every initiation query holds vacuously).
            try q.scoped {
                try q.solver.assert(enc.initial(sys.pre))
                let (ri, _) = try q.check("initial states exist")
                if ri != .sat {
                    throw SymbolicVacuous(reason: ri == .unsat ? "the initial-state predicate is unsatisfiable (an encoding bug?)"
                                                               : "Z3 cannot decide whether an initial state exists")
                }
                // Init => TypeOK, so with initiation an initial state satisfies the whole hypothesis:
                // the hypothesis is consistent, and the consecution queries are not vacuous.
                let typeName = "initiation: type constraints"
                try q.scoped {
                    try q.solver.assert(enc.terms.not(enc.terms.and(enc.typeOK(sys.pre))))
                    let (r, ms) = try q.check(typeName)
                    record(typeName, r, ms)
                    if r == .sat, firstCTI == nil {
                        firstCTI = try cti(q, sys, name: typeName, property: "type constraints", path: nil, failedInside: false)
                    }
                }
                for inv in invariants {
                    let name = "initiation: \(label(inv))"
                    try q.scoped {
                        try q.solver.assert(enc.terms.not(pre[inv.name]!))
                        let (r, ms) = try q.check(name)
                        record(name, r, ms)
                        if r == .sat, firstCTI == nil {
                            firstCTI = try cti(q, sys, name: name, property: inv.name, path: nil, failedInside: false)
                        }
                    }
                }
            }
            // Consecution: each query in a fresh solver with the whole hypothesis (Z3's
            // incremental mode handles these quantified queries far worse than a fresh check).
            hypothesis = try enc.typeOK(sys.pre) + invariants.map { pre[$0.name]! }
            termination = try enc.terminationConstraints(sys.pre)
            for inv in invariants {
                let reads = enc.reads(inv.expr)
                var byStep: [(String, [SPath])] = []
                for p in sys.paths where p.outcome == .ok && !p.writes.isDisjoint(with: reads) {
                    if let k = byStep.firstIndex(where: { $0.0 == p.name }) { byStep[k].1.append(p) } else { byStep.append((p.name, [p])) }
                }
                for (step, ps) in byStep {
                    let name = "consecution: \(label(inv)), step \(step)"
                    try check(q, sys, name: name, property: inv.name, ps) { p in
                        try enc.terms.and(p.condition, enc.terms.not(enc.holds(inv.expr, SEnv(state: p.post, me: nil))))
                    }
                }
            }
            for target in stepTargets {
                let ps: [SPath]
                let name: String
                if target == Prover.runtimeErrors {
                    ps = sys.paths.filter { if case .error = $0.outcome { return true }; return false }
                    name = "no step hits a run-time error"
                } else {
                    ps = sys.paths.filter { $0.outcome == .violation(target) }
                    name = "no step fails \(Model.isOverflowProperty(target) ? target : "\"\(target)\"")"
                }
                try check(q, sys, name: name, property: target, ps, failedInside: true) { $0.condition }
            }
        } catch let u as SymbolicUnsupported {
            unsupported = u.description
        } catch {
            if unknownReason == nil { unknownReason = "\(error)" }
        }
        if unsupported == nil, firstCTI == nil, unknownReason != nil {
            firstCTI = finiteCounterexample(targetNames)
        }
        return ProofResult(verdict: unsupported.map { .unsupported($0) } ?? verdict(), obligations: obligations,
                           targets: targetNames, lemmas: lemmas.map(\.name), k: 1, pathCount: pathCount,
                           encodingSeconds: encodingSeconds, model: model.base, constName: model.constName)
    }

    /// One obligation over several paths: one query per path, the times summed.
    func check(_ q: QueryRunner, _ sys: System, name: String, property: String, _ ps: [SPath], failedInside: Bool = false,
               bad: (SPath) throws -> Z3Expr) throws {
        var total = 0.0
        var result: Z3Result = .unsat
        for (k, p) in ps.enumerated() {
            let b = try bad(p)
            if b.boolValue == false { continue }
            queryCount += 1
            let fresh = QueryRunner(context, options: options, prefix: String(format: "%04d-", queryCount))
            // Membership in a stack nests an existential inside the invariants' foralls;
            // without pulling it out, Z3's MBQI loops on such queries.
            try fresh.solver.setParameter("smt.pull_nested_quantifiers", true)
            fresh.preamble = "(set-option :smt.pull_nested_quantifiers true)\n"
            for h in hypothesis { try fresh.solver.assert(h) }
            try fresh.solver.assert(b)
            var (r, ms) = try fresh.check("\(name) path \(k)")
            if r == .sat, !termination.isEmpty, try !satisfied(termination, fresh.solver.model()) {
                // The whole hypothesis: a counterexample with a process at done that cannot get there is no counterexample.
                for t in termination { try fresh.solver.assert(t) }
                let (r2, ms2) = try fresh.check("\(name) path \(k) (pcs)")
                r = r2
                ms += ms2
            }
            if r == .sat, firstCTI == nil {
                let prop: String
                if case .error(let why) = p.outcome { prop = "\(Prover.runtimeErrors): \(why)" } else { prop = property }
                firstCTI = try cti(fresh, sys, name: name, property: prop, path: p, failedInside: failedInside)
            }
            total += ms
            if r == .sat { result = r; break }
            if case .unknown = r { result = r }
        }
        record(name, result, total)
    }

    /// Whether a model satisfies every formula (false when it cannot tell).
    func satisfied(_ fs: [Z3Expr], _ m: Z3Model) throws -> Bool {
        for f in fs where try m.evalBool(f) != true { return false }
        return true
    }

    // MARK: counterexamples

    /// A counterexample to induction found by the per-size prover at a small N (each of its
    /// obligations is the symbolic one with N fixed): refutes the claim for every N when
    /// Z3 cannot decide a quantified query.
    func finiteCounterexample(_ targets: [String]) -> CounterexampleToInduction? {
        for k in SymbolicProver.fallbackSizes {
            guard let m = try? elaborate(k) else { continue }
            var o = ProverOptions()
            o.timeoutMs = options.timeoutMs
            let r = Prover.prove(m, properties: targets, options: o)
            guard case .refuted(let c) = r.verdict else { continue }
            return CounterexampleToInduction(
                obligation: "\(c.obligation) (per-size prover at \(model.constName) = \(k); Z3 could not decide the symbolic query)",
                property: c.property, model: m, trace: c.trace, failedInsideStep: c.failedInsideStep, isInitiation: c.isInitiation,
                stepName: c.stepName, n: k)
        }
        return nil
    }

    /// The CTI of the last satisfiable query: the smallest N (up to 8) that still has one.
    func cti(_ q: QueryRunner, _ sys: System, name: String, property: String, path: SPath?, failedInside: Bool) throws -> CounterexampleToInduction {
        let enc = sys.enc
        var m = try q.solver.model()
        for k in 1...8 {
            let small = try enc.terms.eq(enc.n, enc.terms.int(Int64(k)))
            if try q.solver.check(assumptions: [small]) == .sat { m = try q.solver.model(); break }
        }
        let n = try m.evalInt(enc.n)
        var stepName = path?.name ?? ""
        var instance: Int64? = nil
        if let p = path, let i = p.instance {
            instance = try m.evalInt(i)
            if let v = instance { stepName = stepName.replacingOccurrences(of: "(i).", with: "(\(v)).") }
        }
        var concrete: Model? = nil
        var trace: Trace? = nil
        if let n, n >= 1, n <= 12, let cm = try? elaborate(n) {
            concrete = cm
            let pre = try SymbolicConcrete(enc: enc, concrete: cm).decode(m, sys.pre)
            if let p = path {
                let post = try SymbolicConcrete(enc: enc, concrete: cm).decode(m, p.post)
                let proc = cm.processes[p.process]
                let k = Int((instance ?? 0) - (proc.indexType?.lowerBound ?? 0))
                let step = TraceStep(process: ProcessID(p.process), instance: k, label: LabelID(p.label),
                                     name: "\(proc.instanceName(k)).\(proc.labels[p.label].name)")
                trace = Trace(states: [pre, post], steps: [step])
            } else {
                trace = Trace(states: [pre], steps: [])
            }
        }
        return CounterexampleToInduction(obligation: name, property: property, model: concrete, trace: trace,
                                         failedInsideStep: failedInside, isInitiation: path == nil, stepName: stepName, n: n)
    }
}

/// A proof that would hold vacuously.
struct SymbolicVacuous: Error, CustomStringConvertible {
    let reason: String
    var description: String { reason }
}

/// Maps a symbolic state to the slots of the model elaborated at one N (and back):
/// to print counterexamples as concrete states and to cross-check with the explorer.
struct SymbolicConcrete {
    let enc: SymbolicEncoder
    let concrete: Model
    let layout: Layout

    init(enc: SymbolicEncoder, concrete: Model) {
        self.enc = enc
        self.concrete = concrete
        layout = Layout(concrete)
    }

    /// A slot's term: a scalar, or one Bool per bit of a set, or a queue element (with its queue's length slot).
    enum Item {
        case scalar(Z3Expr)
        case set([Z3Expr])
        case element(Z3Expr, lenSlot: Int, index: Int, raw0: Int64)
    }

    func items(_ s: SState) throws -> [(Int, Item)] {
        var out: [(Int, Item)] = []
        let ctx = enc.ctx
        func walk(_ v: SVal, _ t: IRType, _ at: Int) throws {
            switch t {
            case .bool, .range, .enumeration:
                out.append((at, .scalar(v.main)))
            case .set(let e):
                let bits = try (0..<Int(min(64, e.cardinality))).map { k in try ctx.select(v.main, enc.terms.int(e.lowerBound + Int64(k))) }
                out.append((at, .set(bits)))
            case .array(let i, let e):
                for k in 0..<Int(i.cardinality) {
                    try walk(enc.select(v, enc.terms.int(i.lowerBound + Int64(k))), e, at + k * e.slotCount)
                }
            case .queue(let e, let cap, _):
                guard let len = v.len else { throw ProverError.internal("a queue without a length") }
                out.append((at, .scalar(len)))
                for j in 0..<cap {
                    out.append((at + 1 + j, .element(try ctx.select(v.main, enc.terms.int(Int64(j))), lenSlot: at, index: j, raw0: e.lowerBound)))
                }
            }
        }
        for (gi, g) in concrete.globals.enumerated() { try walk(s.globals[gi], g.type, layout.globalOffsets[gi]) }
        for (pi, p) in concrete.processes.enumerated() {
            for k in 0..<p.instanceCount {
                let base = layout.instanceBase[pi][k]
                let idx = p.indexType.map { enc.terms.int($0.lowerBound + Int64(k)) }
                let pc = try idx.map { try ctx.select(s.pcs[pi], $0) } ?? s.pcs[pi]
                out.append((base, .scalar(pc)))
                for (vi, v) in p.locals.enumerated() {
                    var val = s.locals[pi][vi]
                    if let idx { val = try enc.select(val, idx) }
                    try walk(val, v.type, base + layout.localOffsets[pi][vi])
                }
            }
        }
        return out
    }

    /// The state's slots in a Z3 model (unused queue elements canonical).
    func decode(_ m: Z3Model, _ s: SState) throws -> [Int64] {
        var out = [Int64](repeating: 0, count: layout.slotCount)
        let all = try items(s)
        func value(_ z: Z3Expr) throws -> Int64 { ValueCodec.decode(try m.eval(z)) ?? 0 }
        for (slot, item) in all {
            switch item {
            case .scalar(let z): out[slot] = try value(z)
            case .set(let bits):
                var mask: UInt64 = 0
                for (k, b) in bits.enumerated() where try m.evalBool(b) == true { mask |= 1 << UInt64(k) }
                out[slot] = Int64(bitPattern: mask)
            case .element: break
            }
        }
        for (slot, item) in all {
            guard case .element(let z, let lenSlot, let j, let raw0) = item else { continue }
            out[slot] = j < out[lenSlot] ? try value(z) : raw0
        }
        return out
    }

    /// The constraints that the symbolic state is the concrete state `slots` (with N fixed).
    func equals(_ s: SState, _ slots: [Int64]) throws -> [Z3Expr] {
        let terms = enc.terms
        var out = [try terms.eq(enc.n, terms.int(Int64(concreteN)))]
        for (slot, item) in try items(s) {
            switch item {
            case .scalar(let z):
                out.append(z.sort.isBool ? (slots[slot] != 0 ? z : try terms.not(z)) : try terms.eq(z, terms.int(slots[slot])))
            case .set(let bits):
                for (k, b) in bits.enumerated() {
                    out.append((UInt64(bitPattern: slots[slot]) >> UInt64(k)) & 1 == 1 ? b : try terms.not(b))
                }
            case .element(let z, let lenSlot, let j, _):
                guard j < slots[lenSlot] else { continue }
                out.append(z.sort.isBool ? (slots[slot] != 0 ? z : try terms.not(z)) : try terms.eq(z, terms.int(slots[slot])))
            }
        }
        return out
    }

    /// The constraints that the symbolic state is exactly the concrete state `slots`, whole
    /// arrays included (elements outside the index types hold the type's first value), with N fixed:
    /// a ground state, on which the quantified encodings can be evaluated.
    func ground(_ s: SState, _ slots: [Int64]) throws -> [Z3Expr] {
        let terms = enc.terms, ctx = enc.ctx
        func term(_ t: IRType, _ at: Int) throws -> SVal {
            switch t {
            case .bool: return SVal(main: terms.bool(slots[at] != 0), len: nil)
            case .range, .enumeration: return SVal(main: terms.int(slots[at]), len: nil)
            case .set(let e):
                var a = try enc.emptySet()
                for k in 0..<Int(min(64, e.cardinality)) where (UInt64(bitPattern: slots[at]) >> UInt64(k)) & 1 == 1 {
                    a = try ctx.store(a, terms.int(e.lowerBound + Int64(k)), terms.t)
                }
                return SVal(main: a, len: nil)
            case .array(let i, let e):
                return try array(i, (0..<Int(i.cardinality)).map { try term(e, at + $0 * e.slotCount) })
            case .queue(let e, let cap, _):
                let raw0 = try ValueCodec.literal(e.lowerBound, e, terms)
                var a = try ctx.constArray(domain: ctx.intSort, value: raw0)
                for j in 0..<cap { a = try ctx.store(a, terms.int(Int64(j)), ValueCodec.literal(slots[at + 1 + j], e, terms)) }
                return SVal(main: a, len: terms.int(slots[at]))
            }
        }
        func array(_ i: IRType, _ items: [SVal]) throws -> SVal {
            guard let first = items.first else { throw ProverError.internal("an empty array") }
            var a = SVal(main: try ctx.constArray(domain: ctx.intSort, value: first.main),
                         len: try first.len.map { try ctx.constArray(domain: ctx.intSort, value: $0) })
            for (k, x) in items.enumerated().dropFirst() { a = try enc.store(a, terms.int(i.lowerBound + Int64(k)), x) }
            return a
        }
        func same(_ v: SVal, _ x: SVal) throws -> [Z3Expr] {
            var out = [try terms.eq(v.main, x.main)]
            if let l = v.len, let xl = x.len { out.append(try terms.eq(l, xl)) }
            return out
        }
        var out = [try terms.eq(enc.n, terms.int(concreteN))]
        for (gi, g) in concrete.globals.enumerated() { out += try same(s.globals[gi], term(g.type, layout.globalOffsets[gi])) }
        for (pi, p) in concrete.processes.enumerated() {
            let bases = layout.instanceBase[pi]
            let pcs = bases.map { SVal(main: terms.int(slots[$0]), len: nil) }
            if let it = p.indexType {
                out += try same(SVal(main: s.pcs[pi], len: nil), array(it, pcs))
            } else {
                out += try same(SVal(main: s.pcs[pi], len: nil), pcs[0])
            }
            for (vi, v) in p.locals.enumerated() {
                let values = try bases.map { try term(v.type, $0 + layout.localOffsets[pi][vi]) }
                out += try same(s.locals[pi][vi], p.indexType.map { try array($0, values) } ?? values[0])
            }
        }
        return out
    }

    /// The value of the symbolic const in the concrete model.
    var concreteN: Int64 {
        concrete.settings.first { $0.name == enc.model.constName }?.value ?? 0
    }
}
