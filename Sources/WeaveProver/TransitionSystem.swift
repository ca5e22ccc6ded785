import WeaveIR
import WeaveZ3

/// A model as a symbolic transition system over one Z3 constant per state slot.
///
/// Built once per model: every path of every step of every process instance,
/// executed symbolically over the canonical pre-state `pre`; states at other
/// positions of an unrolling get their own constants, and formulas move between
/// states by substitution.
final class TransitionSystem {
    let model: Model
    let layout: Layout
    let shape: StateShape
    let terms: Terms
    let encoder: ExprEncoder
    /// The canonical pre-state constants.
    let pre: [Z3Expr]
    /// Every path of every step (ok, violation and error outcomes).
    let paths: [StepPath]
    /// Indices into `paths` of the paths that complete normally.
    let okPaths: [Int]
    /// For each pc slot, the values it can take (`Process.pcValues`).
    let pcValues: [Int: [Int64]]

    init(model: Model, context: Z3Context, maxNodes: Int = 100_000) throws {
        self.model = model
        let layout = Layout(model)
        self.layout = layout
        let shape = StateShape(model: model, layout: layout)
        self.shape = shape
        terms = Terms(context)
        encoder = ExprEncoder(model: model, layout: layout, terms: terms)
        var pre: [Z3Expr] = []
        for i in 0..<layout.slotCount {
            pre.append(try context.constant(shape.names[i], ValueCodec.sort(shape.types[i], terms)))
        }
        self.pre = pre
        var pcValues: [Int: [Int64]] = [:]
        for e in layout.entries {
            guard let pid = e.pcOf else { continue }
            let values = model.processes[pid.index].pcValues
            for k in 0..<model.processes[pid.index].instanceCount { pcValues[layout.instanceBase[pid.index][k]] = values }
        }
        self.pcValues = pcValues
        for (i, c) in model.initialSlotChoices().enumerated() where c.contains(where: { !ValueCodec.fits($0, shape.types[i]) }) {
            throw ProverError.unsupported("an initial value of \(shape.names[i]) is outside its type \(shape.types[i].description) (the explorer stops there too)")
        }
        // Loop pruning only needs the pre-state to be well typed.
        let solver = Z3Solver(context)
        solver.setTimeout(milliseconds: 10_000)
        var typeOK: [Z3Expr] = []
        for i in shape.types.indices { typeOK.append(try Self.slotConstraint(pre[i], i, shape, pcValues, terms)) }
        try solver.assert(terms.and(typeOK))
        let exec = StepExecutor(encoder: encoder, feasible: feasibility(on: solver, terms), maxNodes: maxNodes)
        var paths: [StepPath] = []
        for (pi, p) in model.processes.enumerated() {
            for k in 0..<p.instanceCount {
                for l in 0..<p.labels.count {
                    paths += try exec.paths(pre: pre, process: pi, instance: k, label: l)
                }
            }
        }
        self.paths = paths
        okPaths = paths.indices.filter { paths[$0].outcome == .ok }
    }

    // MARK: states

    /// Fresh constants for a state, named `tag.slot`.
    func stateVars(_ tag: String) throws -> [Z3Expr] {
        try (0..<pre.count).map { try terms.ctx.constant("\(tag).\(shape.names[$0])", ValueCodec.sort(shape.types[$0], terms)) }
    }

    /// Every slot within its type, and (if `canonical`) queues canonical: unused elements
    /// hold the lowest value. Nothing reads unused elements, so induction leaves them
    /// free and canonicalises the states of a counterexample instead.
    func typeOK(_ s: [Z3Expr], canonical: Bool = true) throws -> Z3Expr {
        var cs: [Z3Expr] = []
        for i in shape.types.indices { cs.append(try slotConstraint(s[i], i)) }
        for q in shape.queues where canonical && q.capacity > 0 {
            let raw0 = try ValueCodec.literal(q.element.lowerBound, q.element, terms)
            for j in 1...q.capacity {
                cs.append(try terms.implies(terms.lt(s[q.base], terms.int(Int64(j))), terms.eq(s[q.base + j], raw0)))
            }
        }
        return try terms.and(cs)
    }

    /// Slot `i` holds a value of its type; a pc slot, one of its process's `pcValues`.
    func slotConstraint(_ x: Z3Expr, _ i: Int) throws -> Z3Expr {
        try Self.slotConstraint(x, i, shape, pcValues, terms)
    }

    static func slotConstraint(_ x: Z3Expr, _ i: Int, _ shape: StateShape, _ pcValues: [Int: [Int64]], _ terms: Terms) throws -> Z3Expr {
        if let values = pcValues[i] { return try terms.oneOf(x, values) }
        return try ValueCodec.typeConstraint(x, shape.types[i], terms)
    }

    /// The initial-state predicate (the explorer's `initialStates`).
    func initial(_ s: [Z3Expr]) throws -> Z3Expr {
        var cs: [Z3Expr] = []
        for (i, c) in model.initialSlotChoices().enumerated() {
            let t = shape.types[i]
            cs.append(try terms.or(c.map { try terms.eq(s[i], ValueCodec.literal($0, t, terms)) }))
        }
        return try terms.and(cs)
    }

    /// A state predicate holds: its value is true and evaluating it does not fail.
    func holds(_ e: Expr, _ s: [Z3Expr]) throws -> Z3Expr {
        let v = try encoder.eval(e, EvalEnv(slots: s, me: nil))
        return try terms.and(v.value, terms.not(v.error))
    }

    /// A state with the unused elements of its queues set to the element type's lowest value.
    func canonical(_ state: [Int64]) -> [Int64] {
        var s = state
        for q in shape.queues {
            let len = Int(s[q.base])
            guard len >= 0 && len <= q.capacity else { continue }
            for j in (len + 1)..<(q.capacity + 1) { s[q.base + j] = q.element.lowerBound }
        }
        return s
    }

    /// A state predicate split at top-level `&&` and `forall x: T` (one part per value):
    /// it holds (true, without a run-time error) exactly when every part holds.
    func conjuncts(_ e: Expr, _ regs: [Int: Int64] = [:]) throws -> [Conjunct] {
        switch e.op {
        case .binary(.and, let a, let b):
            return try conjuncts(a, regs) + conjuncts(b, regs)
        case .quantifier(.forall, let r, .type(let t), let body):
            var out: [Conjunct] = []
            for k in 0..<t.cardinality {
                var inner = regs
                inner[r] = t.lowerBound + k
                out += try conjuncts(body, inner)
            }
            return out
        default:
            return [Conjunct(expr: e, regs: regs)]
        }
    }

    /// A conjunct holds in `s`.
    func holds(_ c: Conjunct, _ s: [Z3Expr]) throws -> Z3Expr {
        let v = try encoder.eval(c.expr, EvalEnv(slots: s, me: nil, regs: c.regs))
        return try terms.and(v.value, terms.not(v.error))
    }

    /// `e` with the canonical pre-state replaced by `s`.
    func at(_ e: Z3Expr, _ s: [Z3Expr]) throws -> Z3Expr {
        if s.elementsEqual(pre, by: ==) { return e }
        return try terms.ctx.substitute(e, from: pre, to: s)
    }

    /// Static slot supports of expressions and steps.
    var supports: SupportAnalysis { SupportAnalysis(model: model, layout: layout) }

    /// The ok-step relation from `s` to `t`, with `sel` naming the path taken
    /// (an index into `okPaths`): the path's condition holds and every slot of `t`
    /// is that path's post-state value (untouched slots keep their value).
    func transition(_ s: [Z3Expr], _ t: [Z3Expr], _ sel: Z3Expr) throws -> Z3Expr {
        // Built over the canonical pre-state and fresh next-state constants, then both
        // replaced at once (t may itself be the canonical pre-state).
        let next = try nextVars()
        var cs: [Z3Expr] = [try terms.within(sel, 0, Int64(okPaths.count) - 1)]
        var byslot: [Int: [(Int, Z3Expr)]] = [:]
        for (j, pi) in okPaths.enumerated() {
            let p = paths[pi]
            cs.append(try terms.implies(terms.eq(sel, terms.int(Int64(j))), p.condition))
            for (i, v) in p.writes { byslot[i, default: []].append((j, v)) }
        }
        for i in 0..<pre.count {
            var v = pre[i]
            for (j, w) in (byslot[i] ?? []).reversed() { v = try terms.ite(terms.eq(sel, terms.int(Int64(j))), w, v) }
            cs.append(try terms.eq(next[i], v))
        }
        return try terms.ctx.substitute(terms.and(cs), from: pre + next, to: s + t)
    }

    private var nextCache: [Z3Expr]?

    /// Canonical next-state constants (only ever substituted away).
    private func nextVars() throws -> [Z3Expr] {
        if let n = nextCache { return n }
        let n = try stateVars("next")
        nextCache = n
        return n
    }
}
