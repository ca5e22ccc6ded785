import WeaveIR
import WeaveZ3

/// Symbolic execution of a process's control-flow graph for one atomic step.
///
/// From a label's entry node it follows every path until control reaches another
/// label's entry, `done`, a disabled `await`, or a failure, exactly as the explorer's
/// `Engine.run` does: `either` and `choose` fork per branch and value, `branch` forks
/// on a symbolic condition (pruned by a satisfiability check when a node repeats on
/// the path, so unlabelled loops unroll only as far as they can run), and every
/// statement that can fail splits off a failure path under its failure condition.
final class StepExecutor {
    let model: Model
    let layout: Layout
    let encoder: ExprEncoder
    let terms: Terms
    /// Whether a conjunction of conditions over the pre-state is satisfiable (true if unsure).
    let feasible: ([Z3Expr]) throws -> Bool
    /// Nodes one path may run before the prover gives up ("unknown").
    let maxNodes: Int
    /// The explorer's fork depth limit (`Engine.maxForkDepth`).
    static let maxForkDepth = 64

    init(encoder: ExprEncoder, feasible: @escaping ([Z3Expr]) throws -> Bool, maxNodes: Int) {
        self.model = encoder.model
        self.layout = encoder.layout
        self.encoder = encoder
        self.terms = encoder.terms
        self.feasible = feasible
        self.maxNodes = maxNodes
    }

    /// One frame per (value, guard) of a `choose` or subset choice, the first choice on top.
    private static func fork(_ f: Frame, register r: Int, choices: [(Int64, Z3Expr)], next: NodeID,
                             onto stack: inout [Frame]) {
        for (v, m) in choices.reversed() {
            var g = f
            g.regs[r] = v
            g.node = next
            g.forkDepth += 1
            if m.boolValue != true { g.conds.append(m) }
            stack.append(g)
        }
    }

    private struct Frame {
        var slots: [Z3Expr]
        var conds: [Z3Expr]
        var regs: [Int: Int64]
        var node: Int
        var first: Bool
        var forkDepth: Int
        var visits: [Int: Int]
        var count: Int
        /// Pre-state slots the terms of written slots depend on.
        var deps: [Int: Set<Int>] = [:]
        /// Pre-state slots the path condition depends on.
        var condDeps: Set<Int> = []
    }

    /// Every path of step `label` of instance `k` of process `pi`, over pre-state `pre`.
    func paths(pre: [Z3Expr], process pi: Int, instance k: Int, label l: Int) throws -> [StepPath] {
        let p = model.processes[pi]
        let pcSlot = layout.instanceBase[pi][k]
        let stepName = "\(p.instanceName(k)).\(p.labels[l].name)"
        let step = TraceStep(process: ProcessID(pi), instance: k, label: LabelID(l), name: stepName)
        var start = pre
        start[pcSlot] = terms.int(Int64(l))
        let pcCond = try terms.eq(pre[pcSlot], terms.int(Int64(l)))
        var out: [StepPath] = []
        var stack = [Frame(slots: start, conds: [pcCond], regs: [:], node: p.labels[l].entry, first: true,
                           forkDepth: 0, visits: [:], count: 0, deps: [pcSlot: []], condDeps: [pcSlot])]
        defer { encoder.recorded = nil }
        /// The reads of the current node so far.
        func reads() -> Set<Int> { encoder.recorded ?? [] }
        func touch(_ f: Frame, _ slots: Range<Int>) {
            for i in slots { encoder.recorded!.formUnion(f.deps[i] ?? [i]) }
        }

        func emit(_ f: Frame, _ extra: Z3Expr?, _ outcome: StepOutcome) throws {
            var conds = f.conds
            if let extra { conds.append(extra) }
            let c = try terms.and(conds)
            if c.boolValue == false { return }
            var writes: [Int: Z3Expr] = [:]
            var writeDeps: [Int: Set<Int>] = [:]
            for i in 0..<pre.count where f.slots[i] != pre[i] {
                writes[i] = f.slots[i]
                writeDeps[i] = f.deps[i] ?? [i]
            }
            if outcome != .ok { writes[pcSlot] = nil; writeDeps[pcSlot] = nil }   // the pc stays at the step's label
            out.append(StepPath(step: step, condition: c, writes: writes, outcome: outcome,
                                conditionDeps: f.condDeps.union(reads()), writeDeps: writeDeps))
        }

        /// Splits off a failure path; false if the path cannot continue.
        func fail(_ f: inout Frame, _ cond: Z3Expr, _ outcome: StepOutcome) throws -> Bool {
            if cond.boolValue == false { return true }
            f.condDeps.formUnion(reads())
            try emit(f, cond, outcome)
            if cond.boolValue == true { return false }
            f.conds.append(try terms.not(cond))
            return true
        }

        func write(_ f: inout Frame, _ r: ResolvedPlace, offset: Int, _ v: Z3Expr) throws {
            for a in r.alternatives {
                let i = a.base + offset
                f.slots[i] = try terms.ite(a.cond, coerce(v, to: encoder.slotTypes[i]), f.slots[i])
                f.deps[i] = (f.deps[i] ?? [i]).union(reads())
            }
        }

        frames: while var f = stack.popLast() {
            while true {
                encoder.recorded = []
                if !f.first, let lab = p.labelAt[f.node] {
                    f.slots[pcSlot] = terms.int(Int64(lab.index))
                    f.deps[pcSlot] = []
                    try emit(f, nil, .ok)
                    continue frames
                }
                f.first = false
                f.count += 1
                if f.count > maxNodes {
                    throw ProverError.unrollBound("step \(stepName) runs more than \(maxNodes) statements on one path (an unlabelled loop the prover cannot bound)")
                }
                f.visits[f.node, default: 0] += 1
                let env = EvalEnv(slots: f.slots, me: (pi, k), regs: f.regs, deps: f.deps)
                let node = p.nodes[f.node]
                /// A run-time error at this statement, with its source position (as the explorer reports it).
                func err(_ m: String) -> StepOutcome { .error(node.range.map { "\(m) at \($0.description)" } ?? m) }
                switch node.kind {
                case .jump(let t):
                    f.node = t
                case .await(let c, let next):
                    let v = try encoder.eval(c, env)
                    guard try fail(&f, v.error, err("run-time error in await")) else { continue frames }
                    if v.value.boolValue == false { continue frames }
                    f.conds.append(v.value)
                    f.condDeps.formUnion(reads())
                    f.node = next
                case .assert(let c, let message, let next):
                    let v = try encoder.eval(c, env)
                    guard try fail(&f, v.error, err("run-time error in assert")) else { continue frames }
                    guard try fail(&f, terms.not(v.value), .violation(message)) else { continue frames }
                    f.node = next
                case .branch(let c, let a, let b):
                    let v = try encoder.eval(c, env)
                    guard try fail(&f, v.error, err("run-time error in a condition")) else { continue frames }
                    if let cv = v.value.boolValue { f.node = cv ? a : b; continue }
                    let notV = try terms.not(v.value)
                    f.condDeps.formUnion(reads())
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
                    guard f.forkDepth < Self.maxForkDepth else {
                        try emit(f, nil, err("a step forks more than 64 levels deep"))
                        continue frames
                    }
                    var choices: [(Int64, Z3Expr)] = []
                    switch dom {
                    case .type(let t):
                        for k in 0..<t.cardinality { choices.append((t.lowerBound + k, terms.t)) }
                    case .set(let s, let el):
                        let sv = try encoder.eval(s, env)
                        guard try fail(&f, sv.error, err("run-time error in choose")) else { continue frames }
                        for k in 0..<min(64, el.cardinality) {
                            let m = try terms.bit(sv.value, Int(k))
                            if m.boolValue != false { choices.append((el.lowerBound + k, m)) }
                        }
                    }
                    f.condDeps.formUnion(reads())
                    Self.fork(f, register: r, choices: choices, next: next, onto: &stack)
                    continue frames
                case .chooseSubset(let r, let dom, let next):
                    guard f.forkDepth < Self.maxForkDepth else {
                        try emit(f, nil, err("a step forks more than 64 levels deep"))
                        continue frames
                    }
                    // One path per concrete mask m of the element type (Sema: at most 16 values),
                    // guarded by m ⊆ S for a set S: the explorer's submasks of S, as paths.
                    let n = Int(min(16, max(0, dom.elementType.cardinality)))
                    var member: [Z3Expr] = Array(repeating: terms.t, count: n)
                    if case .set(let s, _) = dom {
                        let sv = try encoder.eval(s, env)
                        guard try fail(&f, sv.error, err("run-time error in choose")) else { continue frames }
                        for k in 0..<n { member[k] = try terms.bit(sv.value, k) }
                    }
                    var choices: [(Int64, Z3Expr)] = []
                    masks: for m in 0..<(Int64(1) << Int64(n)) {
                        var guards: [Z3Expr] = []
                        for k in 0..<n where (m >> Int64(k)) & 1 == 1 {
                            if member[k].boolValue == false { continue masks }
                            if member[k].boolValue != true { guards.append(member[k]) }
                        }
                        choices.append((m, guards.isEmpty ? terms.t : try terms.and(guards)))
                    }
                    f.condDeps.formUnion(reads())
                    Self.fork(f, register: r, choices: choices, next: next, onto: &stack)
                    continue frames
                case .done:
                    f.slots[pcSlot] = terms.int(Int64(p.labels.count))
                    f.deps[pcSlot] = []
                    try emit(f, nil, .ok)
                    continue frames
                case .assign(let pl, let e, let next):
                    let v = try encoder.eval(e, env)
                    guard try fail(&f, v.error, err("run-time error evaluating an assignment")) else { continue frames }
                    let r = try encoder.resolve(pl, env)
                    guard try fail(&f, r.error, err("index out of range")) else { continue frames }
                    guard try fail(&f, outside(v, pl.type), err("value out of range: the variable's type is \(pl.type.description)")) else { continue frames }
                    try write(&f, r, offset: 0, v.value)
                    f.node = next
                case .copy(let to, let from, let next):
                    let rt = try encoder.resolve(to, env)
                    guard try fail(&f, rt.error, err("index out of range")) else { continue frames }
                    let rf = try encoder.resolve(from, env)
                    guard try fail(&f, rf.error, err("index out of range")) else { continue frames }
                    let n = to.type.slotCount
                    var values: [Z3Expr] = []
                    for j in 0..<n { values.append(try encoder.read(rf, offset: j, env)) }
                    for j in 0..<n { try write(&f, rt, offset: j, values[j]) }
                    f.node = next
                case .fill(let pl, let values, let next):
                    let r = try encoder.resolve(pl, env)
                    guard try fail(&f, r.error, err("index out of range")) else { continue frames }
                    let types = ValueCodec.flatten(pl.type)
                    let bad = values.indices.first { !ValueCodec.fits(values[$0], types[$0]) }
                    for j in 0..<(bad ?? values.count) {
                        try write(&f, r, offset: j, ValueCodec.literal(values[j], types[j], terms))
                    }
                    if bad != nil {
                        try emit(f, nil, err("value out of range for \(pl.type.description)"))
                        continue frames
                    }
                    f.node = next
                case .push(let pl, let e, let name, let next):
                    guard case .queue(let et, let cap, _) = pl.type else { throw ProverError.internal("push on a non-queue") }
                    let v = try encoder.eval(e, env)
                    guard try fail(&f, v.error, err("run-time error evaluating a pushed value")) else { continue frames }
                    let r = try encoder.resolve(pl, env)
                    guard try fail(&f, r.error, err("index out of range")) else { continue frames }
                    let len = try encoder.read(r, offset: 0, env)
                    for a in r.alternatives { touch(f, a.base..<(a.base + 1 + cap)) }
                    guard try fail(&f, terms.le(terms.int(Int64(cap)), len), .violation(name)) else { continue frames }
                    guard try fail(&f, outside(v, et), err("pushed value is outside the queue's element type")) else { continue frames }
                    let value = try coerce(v.value, to: et)
                    for a in r.alternatives {
                        let lenA = f.slots[a.base]
                        for j in 0..<cap {
                            let i = a.base + 1 + j
                            f.slots[i] = try terms.ite(terms.and(a.cond, terms.eq(lenA, terms.int(Int64(j)))), value, f.slots[i])
                            f.deps[i] = reads()
                        }
                        f.slots[a.base] = try terms.ite(a.cond, terms.add(lenA, terms.int(1)), lenA)
                        f.deps[a.base] = reads()
                    }
                    f.node = next
                case .pop(let pl, let into, let next):
                    guard case .queue(let et, let cap, let lifo) = pl.type else { throw ProverError.internal("pop on a non-queue") }
                    let r = try encoder.resolve(pl, env)
                    guard try fail(&f, r.error, err("index out of range")) else { continue frames }
                    let len = try encoder.read(r, offset: 0, env)
                    for a in r.alternatives { touch(f, a.base..<(a.base + 1 + cap)) }
                    guard try fail(&f, terms.eq(len, terms.int(0)), err("pop from an empty \(lifo ? "stack" : "queue")")) else { continue frames }
                    let raw0 = try ValueCodec.literal(et.lowerBound, et, terms)
                    var valueAlts: [(cond: Z3Expr, item: Z3Expr)] = []
                    let old = f.slots
                    for a in r.alternatives {
                        let lenA = old[a.base]
                        if lifo {
                            var tops: [(cond: Z3Expr, item: Z3Expr)] = []
                            for j in 1...max(1, cap) where j <= cap { tops.append((try terms.eq(lenA, terms.int(Int64(j))), old[a.base + j])) }
                            valueAlts.append((a.cond, try encoder.select(tops, { $0 }, default: raw0)))
                            for j in 1...max(1, cap) where j <= cap {
                                let i = a.base + j
                                f.slots[i] = try terms.ite(terms.and(a.cond, terms.eq(lenA, terms.int(Int64(j)))), raw0, old[i])
                            }
                        } else {
                            valueAlts.append((a.cond, cap > 0 ? old[a.base + 1] : raw0))
                            for j in 1...max(1, cap) where j <= cap {
                                let i = a.base + j
                                let shifted = j < cap ? try terms.ite(terms.lt(terms.int(Int64(j)), lenA), old[i + 1], terms.ite(terms.eq(lenA, terms.int(Int64(j))), raw0, old[i]))
                                                      : try terms.ite(terms.eq(lenA, terms.int(Int64(j))), raw0, old[i])
                                f.slots[i] = try terms.ite(a.cond, shifted, old[i])
                            }
                        }
                        f.slots[a.base] = try terms.ite(a.cond, terms.sub(lenA, terms.int(1)), lenA)
                        for i in a.base..<(a.base + 1 + cap) { f.deps[i] = reads() }
                    }
                    let value = try encoder.select(valueAlts, { $0 }, default: raw0)
                    if let into {
                        let env2 = EvalEnv(slots: f.slots, me: (pi, k), regs: f.regs, deps: f.deps)
                        let ri = try encoder.resolve(into, env2)
                        guard try fail(&f, ri.error, err("index out of range")) else { continue frames }
                        let (lo, hi) = ExprEncoder.bounds(et)
                        let v = Encoded(value, error: terms.f, lo: lo, hi: hi)
                        guard try fail(&f, outside(v, into.type), err("popped value does not fit the target")) else { continue frames }
                        try write(&f, ri, offset: 0, value)
                    }
                    f.node = next
                }
            }
        }
        return out
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
