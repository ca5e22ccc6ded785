import WeaveIR
import WeaveZ3
import WeaveSource

/// One path through one step of an arbitrary instance of a process family (or of a
/// singleton), executed symbolically over a pre-state.
struct SPath {
    /// The step (process, label, instance) the path belongs to.
    let step: SymbolicStep
    /// The instance is in range, at the label, and the path's branches are taken.
    let condition: Z3Expr
    /// The post-state (for a failure: the state at the failure).
    let post: SState
    let outcome: StepOutcome
    let writes: Set<SVarKey>

    var process: Int { step.pi }
    var label: Int { step.label }
    /// `nfsd(i).close`: i is the arbitrary instance.
    var name: String { step.name }
    /// The instance constant (nil for a singleton).
    var instance: Z3Expr? { step.instance }
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

    init(encoder: SymbolicEncoder, feasible: @escaping ([Z3Expr]) throws -> Bool) {
        enc = encoder
        model = encoder.model
        terms = encoder.terms
        self.feasible = feasible
    }

    func paths(pre: SState, process pi: Int, instance: Z3Expr?, label l: Int) throws -> [SPath] {
        let step = SymbolicStep(self, process: pi, instance: instance, label: l)
        return try StepWalk(step, feasible: feasible).run(try step.start(pre))
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

extension SEnc: EncodedValue {}
extension SResolved: HasRunTimeError {}

/// One step of an arbitrary instance over the every-N encoding: a place is an array
/// element, and `choose` binds a fresh constant instead of forking.
final class SymbolicStep: StepEncoding {
    /// A bound register: the fresh constant of a `choose`, or a quantifier's value.
    typealias Register = SEnc

    struct State {
        var state: SState
        var writes: Set<SVarKey>
    }

    let exec: SymbolicStepExecutor
    let enc: SymbolicEncoder
    let terms: Terms
    let pi: Int
    let process: SProcess
    let instance: Z3Expr?
    let label: Int
    /// `nfsd(i).close`: i is the arbitrary instance.
    let name: String

    init(_ exec: SymbolicStepExecutor, process pi: Int, instance: Z3Expr?, label l: Int) {
        self.exec = exec
        enc = exec.enc
        terms = exec.terms
        self.pi = pi
        process = exec.model.processes[pi]
        self.instance = instance
        label = l
        name = "\(process.name)\(instance == nil ? "" : "(i)").\(process.labels[l].name)"
    }

    /// The instance in range and at the label.
    func start(_ pre: SState) throws -> Frame {
        var conds: [Z3Expr] = []
        if let it = process.indexType, let i = instance { conds.append(try enc.inType(i, it)) }
        let pcTerm = try instance.map { try enc.ctx.select(pre.pcs[pi], $0) } ?? pre.pcs[pi]
        conds.append(try terms.eq(pcTerm, terms.int(Int64(label))))
        return Frame(state: State(state: pre, writes: []), conds: conds, node: process.labels[label].entry)
    }

    var doneLabel: Int { process.doneLabel }
    func node(_ n: NodeID) -> (kind: SNode.Kind, range: SourceRange?) { (process.nodes[n].kind, process.nodes[n].range) }
    func label(at n: NodeID) -> Int? { process.labelAt[n]?.index }
    func beginNode() {}
    func noteConditionReads(_ f: inout Frame) {}

    func checkBound(_ f: Frame) throws {
        if f.visits[f.node, default: 0] > SymbolicStepExecutor.maxRevisits {
            throw SymbolicUnsupported(message: "step \(name) loops more than \(SymbolicStepExecutor.maxRevisits) times without a label (an unlabelled loop the symbolic prover cannot bound)", range: process.nodes[f.node].range)
        }
    }

    func setPC(_ f: inout Frame, _ label: Int) throws {
        if let i = instance {
            f.state.state.pcs[pi] = try enc.ctx.store(f.state.state.pcs[pi], i, terms.int(Int64(label)))
        } else {
            f.state.state.pcs[pi] = terms.int(Int64(label))
        }
        f.state.writes.insert(.pc(pi))
    }

    func path(_ f: Frame, condition c: Z3Expr, _ outcome: StepOutcome) -> SPath {
        SPath(step: self, condition: c, post: f.state.state, outcome: outcome, writes: f.state.writes)
    }

    private func env(_ f: Frame) -> SEnv { SEnv(state: f.state.state, me: (pi, instance), regs: f.regs) }
    func eval(_ e: SExpr, _ f: Frame) throws -> SEnc { try enc.eval(e, env(f)) }
    func resolve(_ p: SPlace, _ f: Frame) throws -> SResolved { try enc.resolve(p, env(f)) }
    func type(of p: SPlace) -> SType { p.type }
    func describe(_ t: SType) -> String { t.description(exec.model.constName) }

    func queue(_ t: SType) throws -> (element: SType, lifo: Bool) {
        guard case .queue(let et, _, let lifo) = t else { throw ProverError.internal("a queue operation on a non-queue") }
        return (et, lifo)
    }

    func assignOutside(_ v: SEnc, _ e: SExpr, _ p: SPlace) throws -> Z3Expr { try exec.outside(v, e.type, p.type) }
    func outside(_ v: SEnc, _ t: SType) throws -> Z3Expr { try enc.outside(v, t) }

    private func write(_ f: inout Frame, _ r: SResolved, _ v: SVal) throws {
        try enc.write(r, v, &f.state.state)
        f.state.writes.insert(r.key)
    }

    func store(_ f: inout Frame, _ r: SResolved, _ v: Z3Expr, _ t: SType) throws {
        try write(&f, r, SVal(main: try enc.coerce(v, to: t), len: nil))
    }

    func copy(_ f: inout Frame, to rt: SResolved, from rf: SResolved, _ t: SType) throws {
        try write(&f, rt, try enc.read(rf, f.state.state))
    }

    func fill(_ f: inout Frame, _ r: SResolved, _ t: SType, _ v: SInit) throws -> String? {
        try write(&f, r, try enc.constant(t, v))
        return nil
    }

    /// The queue at `r`: its elements and length.
    private func contents(_ f: Frame, _ r: SResolved) throws -> (elements: Z3Expr, length: Z3Expr) {
        let q = try enc.read(r, f.state.state)
        guard let len = q.len else { throw ProverError.internal("a queue without a length") }
        return (q.main, len)
    }

    func queueLength(_ f: inout Frame, _ r: SResolved, _ t: SType) throws -> (length: Z3Expr, full: Z3Expr) {
        let (_, len) = try contents(f, r)
        guard case .queue(_, let cap, _) = t else { throw ProverError.internal("a queue operation on a non-queue") }
        return (len, try terms.le(enc.lin(cap), len))
    }

    func push(_ f: inout Frame, _ r: SResolved, _ v: SEnc, _ t: SType) throws {
        let (et, _) = try queue(t)
        let (elements, len) = try contents(f, r)
        let item = try enc.coerce(v.value, to: et)
        try write(&f, r, SVal(main: try enc.ctx.store(elements, len, item), len: try terms.add(len, terms.int(1))))
    }

    func pop(_ f: inout Frame, _ r: SResolved, length len: Z3Expr, _ t: SType) throws -> SEnc {
        guard case .queue(let et, let cap, let lifo) = t else { throw ProverError.internal("a queue operation on a non-queue") }
        let (main, _) = try contents(f, r)
        let raw0: Z3Expr
        if case .bool = et { raw0 = terms.f } else { raw0 = try enc.lin(et.bounds.lo) }
        let newLen = try terms.sub(len, terms.int(1))
        let item: Z3Expr
        let elems: Z3Expr
        if lifo {
            item = try enc.ctx.select(main, newLen)
            elems = try enc.ctx.store(main, newLen, raw0)
        } else {
            item = try enc.ctx.select(main, terms.int(0))
            if cap.isConstant {
                // Shift by one: element j takes element j + 1 (the last used one becomes raw0).
                var a = main
                for j in 0..<max(0, cap.c) {
                    let jj = terms.int(j)
                    let next = j + 1 < cap.c ? try enc.ctx.select(main, terms.int(j + 1)) : raw0
                    a = try enc.ctx.store(a, jj, terms.ite(terms.lt(jj, newLen), next, raw0))
                }
                elems = a
            } else {
                // A fresh array defined on the used part.
                let fresh = try enc.fresh("shifted", main.sort)
                let j = try enc.freshInt("j")
                let used = try terms.and(terms.le(terms.int(0), j), terms.lt(j, newLen))
                f.conds.append(try enc.ctx.forall([j], terms.implies(used, terms.eq(enc.ctx.select(fresh, j),
                                                                              enc.ctx.select(main, terms.add(j, terms.int(1)))))))
                elems = fresh
            }
        }
        try write(&f, r, SVal(main: elems, len: newLen))
        return SEnc(value: item, error: terms.f, lo: et.isScalar ? et.bounds.lo : nil, hi: et.isScalar ? et.bounds.hi : nil)
    }

    /// One path with a fresh constant for the chosen value (disabled if none fits).
    func choose(_ w: StepWalk<SymbolicStep>, _ f: inout Frame, register r: Int, _ dom: SDomain, subset: Bool, next: NodeID,
                error err: (String) -> StepOutcome) throws -> Bool {
        if subset { throw ProverError.internal("a subset choice in the symbolic model") }
        let el = dom.elementType
        let x = try enc.freshInt("choice")
        var g = try enc.inType(x, el)
        if case .set(let s, _) = dom {
            let sv = try eval(s, f)
            guard try w.fail(&f, sv.error, err("run-time error in choose")) else { return false }
            g = try terms.and(g, enc.ctx.select(sv.value, x))
        }
        f.conds.append(g)
        let lit: Z3Expr
        if case .bool = el { lit = try terms.not(terms.eq(x, terms.int(0))) } else { lit = x }
        f.regs[r] = SEnc(value: lit, error: terms.f, lo: el.bounds.lo, hi: el.bounds.hi)
        f.node = next
        return true
    }
}
