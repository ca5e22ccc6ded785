import WeaveIR

/// Which slots an expression may read, statically: indices that
/// are literals, `self` or quantified values known from the context are resolved
/// exactly, any other index covers the whole array (every instance for a process).
///
/// The prover uses it to skip paths that cannot affect a property and to pick the
/// hypotheses that share slots with a query (its "cone").
struct SupportAnalysis {
    let model: Model
    let layout: Layout

    typealias Context = (process: Int, k: Int)?

    func staticValue(_ e: Expr, _ me: Context, _ regs: [Int: Int64]) -> Int64? {
        switch e.op {
        case .literal(let v): return v
        case .selfIndex:
            guard let me, let it = model.processes[me.process].indexType else { return nil }
            return it.lowerBound + Int64(me.k)
        case .bound(let r): return regs[r]
        default: return nil
        }
    }

    func instances(_ pid: ProcessID, _ inst: Expr?, _ me: Context, _ regs: [Int: Int64], _ out: inout Set<Int>) -> [Int] {
        let p = model.processes[pid.index]
        guard let inst else { return [me?.process == pid.index ? me!.k : 0] }
        guard let it = p.indexType else { return [0] }
        if let v = staticValue(inst, me, regs) {
            let k = Int(v - it.lowerBound)
            return k >= 0 && k < p.instanceCount ? [k] : []
        }
        expr(inst, me, regs, &out)
        return Array(0..<p.instanceCount)
    }

    /// Adds the slots of place `p` (only its first slot, a queue's length, if `lengthOnly`).
    func place(_ p: Place, _ me: Context, _ regs: [Int: Int64], _ out: inout Set<Int>, lengthOnly: Bool = false) {
        var bases: [Int]
        var t: IRType
        switch p.root {
        case .global(let g):
            bases = [layout.globalOffsets[g.index]]
            t = model.globals[g.index].type
        case .local(let pid, let inst, let i):
            let rel = layout.localOffsets[pid.index][i]
            bases = instances(pid, inst, me, regs, &out).map { layout.instanceBase[pid.index][$0] + rel }
            t = model.processes[pid.index].locals[i].type
        }
        for ix in p.path {
            guard case .array(let it, let et) = t else { break }
            if let v = staticValue(ix, me, regs), it.contains(v) {
                bases = bases.map { $0 + Int(v - it.lowerBound) * et.slotCount }
            } else {
                expr(ix, me, regs, &out)
                bases = bases.flatMap { b in (0..<Int(it.cardinality)).map { b + $0 * et.slotCount } }
            }
            t = et
        }
        for b in bases { out.formUnion(b..<(b + (lengthOnly ? 1 : t.slotCount))) }
    }

    func expr(_ e: Expr, _ me: Context, _ regs: [Int: Int64], _ out: inout Set<Int>) {
        switch e.op {
        case .literal, .selfIndex, .bound: break
        case .read(let p), .head(let p): place(p, me, regs, &out)
        case .length(let p): place(p, me, regs, &out, lengthOnly: true)
        case .elementOf(let x, let p): expr(x, me, regs, &out); place(p, me, regs, &out)
        case .unary(_, let a): expr(a, me, regs, &out)
        case .binary(_, let a, let b): expr(a, me, regs, &out); expr(b, me, regs, &out)
        case .conditional(let a, let b, let c): expr(a, me, regs, &out); expr(b, me, regs, &out); expr(c, me, regs, &out)
        case .setOf(let items, _): for it in items { expr(it, me, regs, &out) }
        case .quantifier(_, let r, let d, let body):
            if case .set(let s, _) = d { expr(s, me, regs, &out) }
            let t = d.elementType
            var inner = regs
            for k in 0..<t.cardinality {
                inner[r] = t.lowerBound + k
                expr(body, me, inner, &out)
            }
        case .at(let pid, let inst, _):
            for k in instances(pid, inst, me, regs, &out) { out.insert(layout.instanceBase[pid.index][k]) }
        }
    }

    /// Slots an expression under quantified values `regs` may read.
    func support(_ e: Expr, regs: [Int: Int64] = [:]) -> Set<Int> {
        var out = Set<Int>()
        expr(e, nil, regs, &out)
        return out
    }
}
