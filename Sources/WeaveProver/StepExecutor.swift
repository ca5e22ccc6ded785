import WeaveIR
import WeaveSource
import WeaveZ3

/// Symbolic execution of a process's control-flow graph for one atomic step of one
/// instance, over per-size slots (`StepWalk` does the walk; `SlotStep` the encoding).
final class StepExecutor {
    let model: Model
    let layout: Layout
    let encoder: ExprEncoder
    let terms: Terms
    /// Whether a conjunction of conditions over the pre-state is satisfiable (true if unsure).
    let feasible: ([Z3Expr]) throws -> Bool
    /// Nodes one path may run before the prover gives up ("unknown").
    let maxNodes: Int

    init(encoder: ExprEncoder, feasible: @escaping ([Z3Expr]) throws -> Bool, maxNodes: Int) {
        self.model = encoder.model
        self.layout = encoder.layout
        self.encoder = encoder
        self.terms = encoder.terms
        self.feasible = feasible
        self.maxNodes = maxNodes
    }

    /// Every path of step `label` of instance `k` of process `pi`, over pre-state `pre`.
    func paths(pre: [Z3Expr], process pi: Int, instance k: Int, label l: Int) throws -> [StepPath] {
        let step = SlotStep(self, pre: pre, process: pi, instance: k, label: l)
        defer { encoder.recorded = nil }
        return try StepWalk(step, feasible: feasible).run(try step.start())
    }

    /// The condition that storing `v` in a slot of type `t` fails (the explorer's range check).
    func outside(_ v: Encoded, _ t: IRType) throws -> Z3Expr {
        switch t {
        case .range, .enumeration:
            let x = try encoder.asInt(v)
            if x.lo >= t.lowerBound && x.hi <= t.upperBound { return terms.f }
            return try terms.not(terms.within(x.value, t.lowerBound, t.upperBound))
        case .bool:
            if v.value.sort.isBool { return terms.f }
            return try terms.not(terms.within(v.value, 0, 1))
        default:
            return terms.f
        }
    }

    /// `v` in the sort of a slot of type `t`.
    func coerce(_ v: Z3Expr, to t: IRType) throws -> Z3Expr {
        switch t {
        case .bool:
            if v.sort.isBool { return v }
            return try terms.not(terms.eq(v, terms.int(0)))
        case .set(let e):
            return try encoder.widen(v, to: ValueCodec.setWidth(e))
        default:
            if v.sort.isBool { return try terms.ite(v, terms.int(1), terms.int(0)) }
            return v
        }
    }
}

/// One step of one instance over per-size slots: a place is a set of slots (one
/// alternative per possible index value), `choose` forks one path per value, and
/// every term records the pre-state slots it depends on (for the support analysis).
final class SlotStep: StepEncoding {
    /// The value of a bound register (the others are inferred from the methods).
    typealias Register = Int64

    struct State {
        var slots: [Z3Expr]
        /// Pre-state slots the terms of written slots depend on.
        var deps: [Int: Set<Int>]
        /// Pre-state slots the path condition depends on.
        var condDeps: Set<Int>
    }

    let exec: StepExecutor
    let encoder: ExprEncoder
    let terms: Terms
    let process: Process
    let pre: [Z3Expr]
    let me: (Int, Int)
    let pcSlot: Int
    let label: Int
    let step: TraceStep

    init(_ exec: StepExecutor, pre: [Z3Expr], process pi: Int, instance k: Int, label l: Int) {
        self.exec = exec
        encoder = exec.encoder
        terms = exec.terms
        process = exec.model.processes[pi]
        self.pre = pre
        me = (pi, k)
        pcSlot = exec.layout.instanceBase[pi][k]
        label = l
        let stepName = "\(process.instanceName(k)).\(process.labels[l].name)"
        step = TraceStep(process: ProcessID(pi), instance: k, label: LabelID(l), name: stepName)
    }

    /// At the label's entry, with the pc already moved on.
    func start() throws -> Frame {
        var slots = pre
        slots[pcSlot] = terms.int(Int64(label))
        let pcCond = try terms.eq(pre[pcSlot], terms.int(Int64(label)))
        return Frame(state: State(slots: slots, deps: [pcSlot: []], condDeps: [pcSlot]), conds: [pcCond],
                     node: process.labels[label].entry)
    }

    var doneLabel: Int { process.labels.count }

    func node(_ n: NodeID) -> (kind: Node.Kind, range: SourceRange?) { (process.nodes[n].kind, process.nodes[n].range) }

    func label(at n: NodeID) -> Int? { process.labelAt[n]?.index }

    func beginNode() { encoder.recorded = [] }

    func checkBound(_ f: Frame) throws {
        if f.count > exec.maxNodes {
            throw ProverError.unrollBound("step \(step.name) runs more than \(exec.maxNodes) statements on one path (an unlabelled loop the prover cannot bound)")
        }
    }

    /// The reads of the current node so far.
    private func reads() -> Set<Int> { encoder.recorded ?? [] }

    func noteConditionReads(_ f: inout Frame) { f.state.condDeps.formUnion(reads()) }

    func setPC(_ f: inout Frame, _ label: Int) throws {
        f.state.slots[pcSlot] = terms.int(Int64(label))
        f.state.deps[pcSlot] = []
    }

    func path(_ f: Frame, condition c: Z3Expr, _ outcome: StepOutcome) -> StepPath {
        var writes: [Int: Z3Expr] = [:]
        var writeDeps: [Int: Set<Int>] = [:]
        for i in 0..<pre.count where f.state.slots[i] != pre[i] {
            writes[i] = f.state.slots[i]
            writeDeps[i] = f.state.deps[i] ?? [i]
        }
        if outcome != .ok { writes[pcSlot] = nil; writeDeps[pcSlot] = nil }   // the pc stays at the step's label
        return StepPath(step: step, condition: c, writes: writes, outcome: outcome,
                        conditionDeps: f.state.condDeps.union(reads()), writeDeps: writeDeps)
    }

    private func env(_ f: Frame) -> EvalEnv {
        EvalEnv(slots: f.state.slots, me: me, regs: f.regs, deps: f.state.deps)
    }

    func eval(_ e: WeaveIR.Expr, _ f: Frame) throws -> Encoded { try encoder.eval(e, env(f)) }
    func resolve(_ p: WeaveIR.Place, _ f: Frame) throws -> ResolvedPlace { try encoder.resolve(p, env(f)) }
    func type(of p: WeaveIR.Place) -> IRType { p.type }
    func describe(_ t: IRType) -> String { t.description }

    func queue(_ t: IRType) throws -> (element: IRType, lifo: Bool) {
        guard case .queue(let et, _, let lifo) = t else { throw ProverError.internal("a queue operation on a non-queue") }
        return (et, lifo)
    }

    func assignOutside(_ v: Encoded, _ e: WeaveIR.Expr, _ p: WeaveIR.Place) throws -> Z3Expr { try exec.outside(v, p.type) }
    func outside(_ v: Encoded, _ t: IRType) throws -> Z3Expr { try exec.outside(v, t) }

    private func write(_ f: inout Frame, _ r: ResolvedPlace, offset: Int, _ v: Z3Expr) throws {
        for a in r.alternatives {
            let i = a.base + offset
            f.state.slots[i] = try terms.ite(a.cond, exec.coerce(v, to: encoder.slotTypes[i]), f.state.slots[i])
            f.state.deps[i] = (f.state.deps[i] ?? [i]).union(reads())
        }
    }

    func store(_ f: inout Frame, _ r: ResolvedPlace, _ v: Z3Expr, _ t: IRType) throws {
        try write(&f, r, offset: 0, v)
    }

    func copy(_ f: inout Frame, to rt: ResolvedPlace, from rf: ResolvedPlace, _ t: IRType) throws {
        let env = env(f)
        var values: [Z3Expr] = []
        for j in 0..<t.slotCount { values.append(try encoder.read(rf, offset: j, env)) }
        for j in 0..<t.slotCount { try write(&f, rt, offset: j, values[j]) }
    }

    func fill(_ f: inout Frame, _ r: ResolvedPlace, _ t: IRType, _ values: [Int64]) throws -> String? {
        let types = ValueCodec.flatten(t)
        let bad = values.indices.first { !ValueCodec.fits(values[$0], types[$0]) }
        for j in 0..<(bad ?? values.count) {
            try write(&f, r, offset: j, ValueCodec.literal(values[j], types[j], terms))
        }
        return bad == nil ? nil : "value out of range for \(t.description)"
    }

    private func capacity(_ t: IRType) -> Int {
        if case .queue(_, let cap, _) = t { return cap }
        return 0
    }

    func queueLength(_ f: inout Frame, _ r: ResolvedPlace, _ t: IRType) throws -> (length: Z3Expr, full: Z3Expr) {
        let cap = capacity(t)
        let len = try encoder.read(r, offset: 0, env(f))
        for a in r.alternatives {
            for i in a.base..<(a.base + 1 + cap) { encoder.recorded!.formUnion(f.state.deps[i] ?? [i]) }
        }
        return (len, try terms.le(terms.int(Int64(cap)), len))
    }

    func push(_ f: inout Frame, _ r: ResolvedPlace, _ v: Encoded, _ t: IRType) throws {
        let (et, _) = try queue(t)
        let cap = capacity(t)
        let value = try exec.coerce(v.value, to: et)
        for a in r.alternatives {
            let lenA = f.state.slots[a.base]
            for j in 0..<cap {
                let i = a.base + 1 + j
                f.state.slots[i] = try terms.ite(terms.and(a.cond, terms.eq(lenA, terms.int(Int64(j)))), value, f.state.slots[i])
                f.state.deps[i] = reads()
            }
            f.state.slots[a.base] = try terms.ite(a.cond, terms.add(lenA, terms.int(1)), lenA)
            f.state.deps[a.base] = reads()
        }
    }

    func pop(_ f: inout Frame, _ r: ResolvedPlace, length: Z3Expr, _ t: IRType) throws -> Encoded {
        let (et, lifo) = try queue(t)
        let cap = capacity(t)
        let raw0 = try ValueCodec.literal(et.lowerBound, et, terms)
        var valueAlts: [(cond: Z3Expr, item: Z3Expr)] = []
        let old = f.state.slots
        for a in r.alternatives {
            let lenA = old[a.base]
            if lifo {
                var tops: [(cond: Z3Expr, item: Z3Expr)] = []
                for j in 1...max(1, cap) where j <= cap { tops.append((try terms.eq(lenA, terms.int(Int64(j))), old[a.base + j])) }
                valueAlts.append((a.cond, try encoder.select(tops, { $0 }, default: raw0)))
                for j in 1...max(1, cap) where j <= cap {
                    let i = a.base + j
                    f.state.slots[i] = try terms.ite(terms.and(a.cond, terms.eq(lenA, terms.int(Int64(j)))), raw0, old[i])
                }
            } else {
                valueAlts.append((a.cond, cap > 0 ? old[a.base + 1] : raw0))
                for j in 1...max(1, cap) where j <= cap {
                    let i = a.base + j
                    let shifted = j < cap ? try terms.ite(terms.lt(terms.int(Int64(j)), lenA), old[i + 1], terms.ite(terms.eq(lenA, terms.int(Int64(j))), raw0, old[i]))
                                          : try terms.ite(terms.eq(lenA, terms.int(Int64(j))), raw0, old[i])
                    f.state.slots[i] = try terms.ite(a.cond, shifted, old[i])
                }
            }
            f.state.slots[a.base] = try terms.ite(a.cond, terms.sub(lenA, terms.int(1)), lenA)
            for i in a.base..<(a.base + 1 + cap) { f.state.deps[i] = reads() }
        }
        let value = try encoder.select(valueAlts, { $0 }, default: raw0)
        let (lo, hi) = ExprEncoder.bounds(et)
        return Encoded(value, error: terms.f, lo: lo, hi: hi)
    }

    /// Forks one path per value of the domain (per subset of it, for a subset choice).
    func choose(_ w: StepWalk<SlotStep>, _ f: inout Frame, register r: Int, _ dom: IRDomain, subset: Bool, next: NodeID,
                error err: (String) -> StepOutcome) throws -> Bool {
        guard try w.mayFork(f, err) else { return false }
        var set: Z3Expr? = nil
        if case .set(let s, _) = dom {
            let sv = try eval(s, f)
            guard try w.fail(&f, sv.error, err("run-time error in choose")) else { return false }
            set = sv.value
        }
        let choices = subset ? try subsetChoices(dom.elementType, set)
                             : try encoder.members(dom.elementType, in: set).map { ($0.value, $0.cond) }
        noteConditionReads(&f)
        w.fork(f, register: r, choices: choices, next: next)
        return false
    }

    /// One choice per concrete mask m of the element type (Sema: at most 16 values),
    /// guarded by m ⊆ S for a set S: the explorer's submasks of S, as paths.
    private func subsetChoices(_ el: IRType, _ set: Z3Expr?) throws -> [(Int64, Z3Expr)] {
        let n = Int(min(16, max(0, el.cardinality)))
        var member: [Z3Expr] = Array(repeating: terms.t, count: n)
        if let set { for k in 0..<n { member[k] = try terms.bit(set, k) } }
        var choices: [(Int64, Z3Expr)] = []
        masks: for m in 0..<(Int64(1) << Int64(n)) {
            var guards: [Z3Expr] = []
            for k in 0..<n where (m >> Int64(k)) & 1 == 1 {
                if member[k].boolValue == false { continue masks }
                if member[k].boolValue != true { guards.append(member[k]) }
            }
            choices.append((m, guards.isEmpty ? terms.t : try terms.and(guards)))
        }
        return choices
    }
}
