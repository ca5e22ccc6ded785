import WeaveIR
import WeaveZ3

/// One path through one step of an arbitrary instance of a process family (or of a
/// singleton), executed symbolically over a pre-state.
struct SPath {
    let process: Int
    let label: Int
    /// `nfsd(i).close`: i is the arbitrary instance.
    let name: String
    /// The instance constant (nil for a singleton).
    let instance: Z3Expr?
    /// The instance is in range, at the label, and the path's branches are taken.
    let condition: Z3Expr
    /// The post-state (for a failure: the state at the failure).
    let post: SState
    let outcome: StepOutcome
    let writes: Set<SVarKey>
}

/// Symbolic execution of a step, as `StepExecutor` does for one instance, but for an
/// arbitrary instance `i` (an Int constant with i in the family's index type).
final class SymbolicStepExecutor {
    let enc: SymbolicEncoder
    let model: SymbolicModel
    let terms: Terms
    /// Whether conditions are satisfiable (loop pruning).
    let feasible: ([Z3Expr]) throws -> Bool
    static let maxRevisits = 32
    static let maxForkDepth = 64

    init(encoder: SymbolicEncoder, feasible: @escaping ([Z3Expr]) throws -> Bool) {
        enc = encoder
        model = encoder.model
        terms = encoder.terms
        self.feasible = feasible
    }

    private struct Frame {
        var state: SState
        var conds: [Z3Expr]
        var regs: [Int: SEnc]
        var node: Int
        var first: Bool
        var forkDepth: Int
        var visits: [Int: Int]
        var writes: Set<SVarKey>
    }

    func paths(pre: SState, process pi: Int, instance: Z3Expr?, label l: Int) throws -> [SPath] {
        let p = model.processes[pi]
        let name = "\(p.name)\(instance == nil ? "" : "(i)").\(p.labels[l].name)"
        var start: [Z3Expr] = []
        if let it = p.indexType, let i = instance { start.append(try enc.inType(i, it)) }
        let pcTerm = try instance.map { try enc.ctx.select(pre.pcs[pi], $0) } ?? pre.pcs[pi]
        start.append(try terms.eq(pcTerm, terms.int(Int64(l))))
        var out: [SPath] = []
        var stack = [Frame(state: pre, conds: start, regs: [:], node: p.labels[l].entry, first: true,
                           forkDepth: 0, visits: [:], writes: [])]

        func setPC(_ f: inout Frame, _ label: Int) throws {
            if let i = instance {
                f.state.pcs[pi] = try enc.ctx.store(f.state.pcs[pi], i, terms.int(Int64(label)))
            } else {
                f.state.pcs[pi] = terms.int(Int64(label))
            }
            f.writes.insert(.pc(pi))
        }

        func emit(_ f: Frame, _ extra: Z3Expr?, _ outcome: StepOutcome) throws {
            var conds = f.conds
            if let extra { conds.append(extra) }
            let c = try terms.and(conds)
            if c.boolValue == false { return }
            out.append(SPath(process: pi, label: l, name: name, instance: instance, condition: c, post: f.state,
                             outcome: outcome, writes: f.writes))
        }

        /// Splits off a failure path; false if the path cannot continue.
        func fail(_ f: inout Frame, _ cond: Z3Expr, _ outcome: StepOutcome) throws -> Bool {
            if cond.boolValue == false { return true }
            try emit(f, cond, outcome)
            if cond.boolValue == true { return false }
            f.conds.append(try terms.not(cond))
            return true
        }

        func write(_ f: inout Frame, _ r: SResolved, _ v: SVal) throws {
            try enc.write(r, v, &f.state)
            f.writes.insert(r.key)
        }

        frames: while var f = stack.popLast() {
            while true {
                if !f.first, let lab = p.labelAt[f.node] {
                    try setPC(&f, lab.index)
                    try emit(f, nil, .ok)
                    continue frames
                }
                f.first = false
                f.visits[f.node, default: 0] += 1
                if f.visits[f.node]! > Self.maxRevisits {
                    throw SymbolicUnsupported(message: "step \(name) loops more than \(Self.maxRevisits) times without a label (an unlabelled loop the symbolic prover cannot bound)", range: p.nodes[f.node].range)
                }
                let env = SEnv(state: f.state, me: (pi, instance), regs: f.regs)
                let node = p.nodes[f.node]
                func err(_ m: String) -> StepOutcome { .error(node.range.map { "\(m) at \($0.description)" } ?? m) }
                switch node.kind {
                case .jump(let t):
                    f.node = t
                case .await(let c, let next):
                    let v = try enc.eval(c, env)
                    guard try fail(&f, v.error, err("run-time error in await")) else { continue frames }
                    if v.value.boolValue == false { continue frames }
                    f.conds.append(v.value)
                    f.node = next
                case .assert(let c, let message, let next):
                    let v = try enc.eval(c, env)
                    guard try fail(&f, v.error, err("run-time error in assert")) else { continue frames }
                    guard try fail(&f, terms.not(v.value), .violation(message)) else { continue frames }
                    f.node = next
                case .branch(let c, let a, let b):
                    let v = try enc.eval(c, env)
                    guard try fail(&f, v.error, err("run-time error in a condition")) else { continue frames }
                    if let cv = v.value.boolValue { f.node = cv ? a : b; continue }
                    let notV = try terms.not(v.value)
                    var takeThen = true, takeElse = true
                    if f.visits[f.node, default: 0] > 1 {
                        takeThen = try feasible(f.conds + [v.value])
                        takeElse = try feasible(f.conds + [notV])
                    }
                    if takeElse {
                        var g = f
                        g.conds.append(notV)
                        g.node = b
                        stack.append(g)
                    }
                    guard takeThen else { continue frames }
                    f.conds.append(v.value)
                    f.node = a
                case .either(let targets):
                    guard f.forkDepth < Self.maxForkDepth else {
                        try emit(f, nil, err("a step forks more than 64 levels deep"))
                        continue frames
                    }
                    for t in targets.reversed() {
                        var g = f
                        g.node = t
                        g.forkDepth += 1
                        stack.append(g)
                    }
                    continue frames
                case .choose(let r, let dom, let next):
                    // One path with a fresh constant for the chosen value (disabled if none fits).
                    let el = dom.elementType
                    let x = try enc.freshInt("choice")
                    var g = try enc.inType(x, el)
                    if case .set(let s, _) = dom {
                        let sv = try enc.eval(s, env)
                        guard try fail(&f, sv.error, err("run-time error in choose")) else { continue frames }
                        g = try terms.and(g, enc.ctx.select(sv.value, x))
                    }
                    f.conds.append(g)
                    let lit: Z3Expr
                    if case .bool = el { lit = try terms.not(terms.eq(x, terms.int(0))) } else { lit = x }
                    f.regs[r] = SEnc(value: lit, error: terms.f, lo: el.bounds.lo, hi: el.bounds.hi)
                    f.node = next
                case .done:
                    try setPC(&f, p.doneLabel)
                    try emit(f, nil, .ok)
                    continue frames
                case .assign(let pl, let e, let next):
                    let v = try enc.eval(e, env)
                    guard try fail(&f, v.error, err("run-time error evaluating an assignment")) else { continue frames }
                    let r = try enc.resolve(pl, env)
                    guard try fail(&f, r.error, err("index out of range")) else { continue frames }
                    guard try fail(&f, outside(v, e.type, pl.type), err("value out of range: the variable's type is \(pl.type.description(model.constName))")) else { continue frames }
                    try write(&f, r, SVal(main: try enc.coerce(v.value, to: pl.type), len: nil))
                    f.node = next
                case .copy(let to, let from, let next):
                    let rt = try enc.resolve(to, env)
                    guard try fail(&f, rt.error, err("index out of range")) else { continue frames }
                    let rf = try enc.resolve(from, env)
                    guard try fail(&f, rf.error, err("index out of range")) else { continue frames }
                    try write(&f, rt, try enc.read(rf, f.state))
                    f.node = next
                case .fill(let pl, let value, let next):
                    let r = try enc.resolve(pl, env)
                    guard try fail(&f, r.error, err("index out of range")) else { continue frames }
                    try write(&f, r, try enc.constant(pl.type, value))
                    f.node = next
                case .push(let pl, let e, let qname, let next):
                    guard case .queue(let et, let cap, _) = pl.type else { throw ProverError.internal("push on a non-queue") }
                    let v = try enc.eval(e, env)
                    guard try fail(&f, v.error, err("run-time error evaluating a pushed value")) else { continue frames }
                    let r = try enc.resolve(pl, env)
                    guard try fail(&f, r.error, err("index out of range")) else { continue frames }
                    let q = try enc.read(r, f.state)
                    guard let len = q.len else { throw ProverError.internal("a queue without a length") }
                    guard try fail(&f, terms.le(enc.lin(cap), len), .violation(qname)) else { continue frames }
                    guard try fail(&f, enc.outside(v, et), err("pushed value is outside the queue's element type")) else { continue frames }
                    let item = try enc.coerce(v.value, to: et)
                    try write(&f, r, SVal(main: try enc.ctx.store(q.main, len, item), len: try terms.add(len, terms.int(1))))
                    f.node = next
                case .pop(let pl, let into, let next):
                    guard case .queue(let et, let cap, let lifo) = pl.type else { throw ProverError.internal("pop on a non-queue") }
                    let r = try enc.resolve(pl, env)
                    guard try fail(&f, r.error, err("index out of range")) else { continue frames }
                    let q = try enc.read(r, f.state)
                    guard let len = q.len else { throw ProverError.internal("a queue without a length") }
                    guard try fail(&f, terms.eq(len, terms.int(0)), err("pop from an empty \(lifo ? "stack" : "queue")")) else { continue frames }
                    let raw0: Z3Expr
                    if case .bool = et { raw0 = terms.f } else { raw0 = try enc.lin(et.bounds.lo) }
                    let newLen = try terms.sub(len, terms.int(1))
                    let item: Z3Expr
                    let elems: Z3Expr
                    if lifo {
                        item = try enc.ctx.select(q.main, newLen)
                        elems = try enc.ctx.store(q.main, newLen, raw0)
                    } else {
                        item = try enc.ctx.select(q.main, terms.int(0))
                        if cap.isConstant {
                            // Shift by one: element j takes element j + 1 (the last used one becomes raw0).
                            var a = q.main
                            for j in 0..<max(0, cap.c) {
                                let jj = terms.int(j)
                                let next = j + 1 < cap.c ? try enc.ctx.select(q.main, terms.int(j + 1)) : raw0
                                a = try enc.ctx.store(a, jj, terms.ite(terms.lt(jj, newLen), next, raw0))
                            }
                            elems = a
                        } else {
                            // A fresh array defined on the used part.
                            let fresh = try enc.fresh("shifted", q.main.sort)
                            let j = try enc.freshInt("j")
                            let used = try terms.and(terms.le(terms.int(0), j), terms.lt(j, newLen))
                            f.conds.append(try enc.ctx.forall([j], terms.implies(used, terms.eq(enc.ctx.select(fresh, j),
                                                                                          enc.ctx.select(q.main, terms.add(j, terms.int(1)))))))
                            elems = fresh
                        }
                    }
                    try write(&f, r, SVal(main: elems, len: newLen))
                    if let into {
                        let env2 = SEnv(state: f.state, me: (pi, instance), regs: f.regs)
                        let ri = try enc.resolve(into, env2)
                        guard try fail(&f, ri.error, err("index out of range")) else { continue frames }
                        let v = SEnc(value: item, error: terms.f, lo: et.isScalar ? et.bounds.lo : nil, hi: et.isScalar ? et.bounds.hi : nil)
                        guard try fail(&f, enc.outside(v, into.type), err("popped value does not fit the target")) else { continue frames }
                        try write(&f, ri, SVal(main: try enc.coerce(item, to: into.type), len: nil))
                    }
                    f.node = next
                }
            }
        }
        return out
    }

    /// The condition that storing `v` (of type `vt`) in a place of type `t` fails.
    func outside(_ v: SEnc, _ vt: SType, _ t: SType) throws -> Z3Expr {
        if case .set(let target) = t, case .set(let source) = vt {
            let (tl, th) = target.bounds, (sl, sh) = source.bounds
            if tl.alwaysLE(sl) && sh.alwaysLE(th) { return terms.f }
            let x = try enc.freshInt("x")
            return try enc.ctx.exists([x], terms.and(enc.ctx.select(v.value, x), terms.not(enc.inType(x, target))))
        }
        return try enc.outside(v, t)
    }
}
