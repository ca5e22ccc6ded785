import WeaveIR
import WeaveSource

/// Compiles IR expressions and process bodies to bytecode, specialising each
/// process body for one instance so `self` and own locals are static slots.
struct Compiler {
    let model: Model
    let layout: Layout
    var code: [Instr] = []
    var fillValues: [Int64] = []
    var instTable: [Int32] = []
    /// Start of each process's run in `instTable`.
    var instTableStart: [Int32] = []
    var eitherTargets: [Int32] = []
    var sites: [Site] = []
    var stepProperties: [String] = []
    /// The macro chain of the node being compiled (its run-time error sites carry it).
    var currentExpansion: [ExpansionSite] = []
    var registerCount: Int
    var nextTemp: Int

    static let nonTerminatingSite: Int32 = 1
    static let forkDepthSite: Int32 = 2
    static let elementRangeSite: Int32 = 3

    init(model: Model, layout: Layout) {
        self.model = model
        self.layout = layout
        sites = [Site(message: "process index out of range", range: nil),
                 Site(message: "a step ran more instructions than --max-step-instructions allows without reaching a label", range: nil),
                 Site(message: "a step forks more than 64 levels deep (either/choose)", range: nil),
                 Site(message: "pushed value is outside the queue's element type", range: nil)]
        for (pi, p) in model.processes.enumerated() {
            instTableStart.append(Int32(instTable.count))
            for k in 0..<p.instanceCount { instTable.append(Int32(layout.instanceBase[pi][k])) }
        }
        stepProperties = model.assertNames + model.overflowNames
        let maxBound = max(model.propertyBoundCount, model.processes.map(\.boundCount).max() ?? 0)
        registerCount = maxBound
        nextTemp = maxBound
    }

    mutating func site(_ message: String, _ range: SourceRange?) -> Int32 {
        sites.append(Site(message: message, range: range, expansion: currentExpansion))
        return Int32(sites.count - 1)
    }

    mutating func temp() -> Int32 {
        nextTemp += 1
        registerCount = max(registerCount, nextTemp)
        return Int32(nextTemp - 1)
    }

    @discardableResult
    mutating func emit(_ op: OpCode, a: Int32 = 0, b: Int32 = 0, d: Int32 = 0, c: Int64 = 0) -> Int {
        code.append(Instr(op: op, a: a, b: b, d: d, c: c))
        return code.count - 1
    }

    /// The instance whose body is being compiled: (process, k), or nil for properties.
    typealias Context = (process: Int, k: Int)?

    // MARK: places

    /// The root slot of a place if static, with the root's type.
    func rootType(_ p: Place) -> IRType {
        switch p.root {
        case .global(let g): return model.globals[g.index].type
        case .local(let pid, _, let i): return model.processes[pid.index].locals[i].type
        }
    }

    /// Emits code that pushes the place's slot index.
    mutating func emitSlotIndex(_ p: Place, _ ctx: Context) throws(EngineError) {
        switch p.root {
        case .global(let g):
            emit(.lit, c: Int64(layout.globalOffsets[g.index]))
        case .local(let pid, let inst, let i):
            let rel = layout.localOffsets[pid.index][i]
            if let inst {
                if case .literal(let v) = inst.op, let it = model.processes[pid.index].indexType {
                    emit(.lit, c: Int64(layout.instanceBase[pid.index][Int(v - it.lowerBound)] + rel))
                } else {
                    try emitExpr(inst, ctx)
                    let it = model.processes[pid.index].indexType
                    emit(.instBase, a: instTableStart[pid.index], b: Int32(rel), d: Int32(model.processes[pid.index].instanceCount),
                         c: it?.lowerBound ?? 0)
                }
            } else {
                let k = (ctx?.process == pid.index) ? (ctx?.k ?? 0) : 0
                emit(.lit, c: Int64(layout.instanceBase[pid.index][k] + rel))
            }
        }
        var t = rootType(p)
        for ix in p.path {
            guard case .array(let it, let et) = t else { throw EngineError("internal: indexing a non-array") }
            try emitExpr(ix, ctx)
            let s = site("index out of range: the index must be in \(it.description)", ix.range)
            emit(.scale, a: Int32(et.slotCount), b: s, d: Int32(it.cardinality), c: it.lowerBound)
            t = et
        }
    }

    /// A place as a static slot when every part is constant, else as code.
    mutating func compilePlace(_ p: Place, _ ctx: Context) throws(EngineError) -> CPlace {
        let start = code.count
        try emitSlotIndex(p, ctx)
        // Fold a run of literals and scales with literal indices.
        if code.count - start == 1, code[start].op == .lit {
            let slot = code[start].c
            code.removeLast()
            return CPlace(slot: Int32(slot), code: -1, slotCount: Int32(p.type.slotCount))
        }
        if let folded = foldSlotCode(from: start) {
            code.removeSubrange(start...)
            return CPlace(slot: Int32(folded), code: -1, slotCount: Int32(p.type.slotCount))
        }
        emit(.ret)
        return CPlace(slot: -1, code: Int32(start), slotCount: Int32(p.type.slotCount))
    }

    /// Computes slot code made only of literals and scales (static indices).
    func foldSlotCode(from start: Int) -> Int64? {
        var stack: [Int64] = []
        for ins in code[start...] {
            switch ins.op {
            case .lit: stack.append(ins.c)
            case .scale:
                guard stack.count >= 2, let idx = stack.popLast(), let base = stack.popLast() else { return nil }
                guard idx >= ins.c, idx < ins.c + Int64(ins.d) else { return nil }
                stack.append(base + (idx - ins.c) * Int64(ins.a))
            default: return nil
            }
        }
        return stack.count == 1 ? stack[0] : nil
    }

    // MARK: expressions

    mutating func compileProperty(_ e: Expr) throws(EngineError) -> Int32 {
        let start = code.count
        try emitExpr(e, nil)
        emit(.ret)
        return Int32(start)
    }

    mutating func compileExpr(_ e: Expr, _ ctx: Context) throws(EngineError) -> Int32 {
        let start = code.count
        try emitExpr(e, ctx)
        emit(.ret)
        return Int32(start)
    }

    mutating func emitExpr(_ e: Expr, _ ctx: Context) throws(EngineError) {
        switch e.op {
        case .literal(let v): emit(.lit, c: v)
        case .selfIndex:
            guard let ctx, let it = model.processes[ctx.process].indexType else {
                throw EngineError("internal: 'self' outside an indexed process")
            }
            emit(.lit, c: it.lowerBound + Int64(ctx.k))
        case .bound(let r): emit(.reg, a: Int32(r))
        case .read(let p), .length(let p):
            let cp = try compilePlace(p, ctx)
            if cp.slot >= 0 {
                emit(.load, a: cp.slot)
            } else {
                // Re-emit the slot code inline (drop its ret).
                code.removeLast()
                emit(.loadDyn)
            }
        case .head(let p):
            let s = site("head of an empty queue or stack", e.range)
            try emitSlotIndex(p, ctx)
            guard case .queue(_, _, let lifo) = p.type else { throw EngineError("internal: head of a non-queue") }
            emit(.head, a: lifo ? 1 : 0, b: s)
        case .elementOf(let x, let p):
            try emitExpr(x, ctx)
            try emitSlotIndex(p, ctx)
            switch p.type {
            case .queue(_, let cap, _): emit(.elemOf, a: Int32(cap), b: 1)
            case .array(let it, _): emit(.elemOf, a: Int32(it.cardinality), b: 0)
            default: throw EngineError("internal: 'in' on \(p.type.description)")
            }
        case .unary(let op, let a):
            try emitExpr(a, ctx)
            switch op {
            case .not: emit(.not)
            case .negate: emit(.neg, b: site("integer overflow", e.range))
            case .size: emit(.popcnt)
            }
        case .binary(let op, let a, let b):
            switch op {
            case .and, .or, .implies:
                try emitExpr(a, ctx)
                if op == .implies { emit(.not) }
                let j = emit(op == .and ? .jzKeep : .jnzKeep)
                try emitExpr(b, ctx)
                code[j].a = Int32(code.count)
                return
            default: break
            }
            try emitExpr(a, ctx)
            try emitExpr(b, ctx)
            switch op {
            case .add: emit(.add, b: site("integer overflow", e.range))
            case .sub: emit(.sub, b: site("integer overflow", e.range))
            case .mul: emit(.mul, b: site("integer overflow", e.range))
            // Two sites: the engine reports `b` for a zero divisor and `b + 1` for
            // the one overflow, Int64.min / -1.
            case .div:
                let s = site("division by zero", e.range)
                _ = site("integer overflow (the minimum integer divided by -1)", e.range)
                emit(.div, b: s)
            case .mod:
                let s = site("division by zero (%)", e.range)
                _ = site("integer overflow (the minimum integer modulo -1)", e.range)
                emit(.mod, b: s)
            case .eq: emit(.eq)
            case .ne: emit(.ne)
            case .lt: emit(.lt)
            case .le: emit(.le)
            case .gt: emit(.gt)
            case .ge: emit(.ge)
            case .union: emit(.union)
            case .intersect: emit(.intersect)
            case .difference: emit(.difference)
            case .subset: emit(.subset)
            case .member:
                guard case .set(let el) = b.type else { throw EngineError("internal: member of a non-set") }
                emit(.member, c: el.lowerBound)
            case .and, .or, .implies: break
            }
        case .conditional(let c, let a, let b):
            try emitExpr(c, ctx)
            let jz = emit(.jz)
            try emitExpr(a, ctx)
            let jmp = emit(.jmp)
            code[jz].a = Int32(code.count)
            try emitExpr(b, ctx)
            code[jmp].a = Int32(code.count)
        case .setOf(let items, let el):
            emit(.lit, c: 0)
            for it in items {
                try emitExpr(it, ctx)
                emit(.bit, b: site("set element outside \(el.description)", it.range), d: Int32(el.cardinality), c: el.lowerBound)
                emit(.union)
            }
        case .quantifier(let q, let r, let dom, let body):
            let reg = Int32(r)
            var lo: Int64, hi: Int64
            var maskReg: Int32 = -1
            switch dom {
            case .type(let t):
                lo = t.lowerBound; hi = t.upperBound
            case .set(let s, let el):
                lo = el.lowerBound; hi = el.upperBound
                maskReg = temp()
                try emitExpr(s, ctx)
                emit(.popReg, a: maskReg)
            }
            if q == .count { emit(.lit, c: 0) }
            emit(.setReg, a: reg, c: lo)
            let loop = code.count
            let exit = emit(.jgtReg, a: reg, c: hi)
            var skip = -1
            if maskReg >= 0 { skip = emit(.jNotInReg, a: reg, d: maskReg, c: lo) }
            try emitExpr(body, ctx)
            var early = -1
            switch q {
            case .forall: early = emit(.jz)
            case .exists: emit(.not); early = emit(.jz)
            case .count: emit(.add, b: 0)
            }
            let next = code.count
            if skip >= 0 { code[skip].b = Int32(next) }
            emit(.incReg, a: reg)
            emit(.jmp, a: Int32(loop))
            // Fell off the end: forall true, exists false, count is on the stack.
            code[exit].b = Int32(code.count)
            if q == .count { return }
            emit(.lit, c: q == .forall ? 1 : 0)
            let done = emit(.jmp)
            code[early].a = Int32(code.count)
            emit(.lit, c: q == .forall ? 0 : 1)
            code[done].a = Int32(code.count)
        case .at(let pid, let inst, let label):
            let p = model.processes[pid.index]
            if let inst {
                if case .literal(let v) = inst.op, let it = p.indexType {
                    emit(.load, a: Int32(layout.instanceBase[pid.index][Int(v - it.lowerBound)]))
                } else {
                    try emitExpr(inst, ctx)
                    emit(.instBase, a: instTableStart[pid.index], b: 0, d: Int32(p.instanceCount), c: p.indexType?.lowerBound ?? 0)
                    emit(.loadDyn)
                }
            } else {
                let k = (ctx?.process == pid.index) ? (ctx?.k ?? 0) : 0
                emit(.load, a: Int32(layout.instanceBase[pid.index][k]))
            }
            emit(.lit, c: Int64(label.index))
            emit(.eq)
        }
    }
}

extension Compiler {
    /// Compiles process `pi`'s body for instance `k`.
    mutating func compileProcess(_ pi: Int, _ k: Int) throws(EngineError) -> [CNode] {
        let p = model.processes[pi]
        let ctx: Context = (pi, k)
        var out: [CNode] = []
        out.reserveCapacity(p.nodes.count)
        defer { currentExpansion = [] }
        for node in p.nodes {
            let r = node.range
            currentExpansion = node.expansion
            switch node.kind {
            case .assign(let pl, let e, let next):
                let v = try compileExpr(e, ctx)
                let cp = try compilePlace(pl, ctx)
                out.append(.assign(cp, value: v, next: Int32(next),
                                   site: site("value out of range: the variable's type is \(pl.type.description)", r)))
            case .copy(let to, let from, let next):
                out.append(.copy(to: try compilePlace(to, ctx), from: try compilePlace(from, ctx), next: Int32(next)))
            case .fill(let pl, let values, let next):
                let start = Int32(fillValues.count)
                fillValues += values
                out.append(.fill(try compilePlace(pl, ctx), values: start, count: Int32(values.count), next: Int32(next),
                                 site: site("value out of range for \(pl.type.description)", r)))
            case .push(let pl, let e, let name, let next):
                guard case .queue(_, let cap, _) = pl.type else { throw EngineError("internal: push on a non-queue") }
                let v = try compileExpr(e, ctx)
                let prop = Int32(stepProperties.firstIndex(of: name) ?? 0)
                out.append(.push(try compilePlace(pl, ctx), value: v, capacity: Int32(cap), property: prop,
                                 next: Int32(next), site: site("push", r)))
            case .pop(let pl, let into, let next):
                guard case .queue(_, let cap, let lifo) = pl.type else { throw EngineError("internal: pop on a non-queue") }
                let q = try compilePlace(pl, ctx)
                let dst = try into.map { x throws(EngineError) in try compilePlace(x, ctx) }
                out.append(.pop(q, into: dst, lifo: lifo, capacity: Int32(cap), next: Int32(next),
                                site: site("pop from an empty \(lifo ? "stack" : "queue") (or the value does not fit the target)", r)))
            case .await(let e, let next):
                out.append(.await(try compileExpr(e, ctx), next: Int32(next)))
            case .assert(let e, let message, let next):
                let prop = Int32(stepProperties.firstIndex(of: message) ?? 0)
                out.append(.assert(try compileExpr(e, ctx), property: prop, next: Int32(next)))
            case .branch(let e, let a, let b):
                out.append(.branch(try compileExpr(e, ctx), then: Int32(a), else: Int32(b)))
            case .either(let targets):
                let start = Int32(eitherTargets.count)
                eitherTargets += targets.map { Int32($0) }
                out.append(.either(first: start, count: Int32(targets.count)))
            case .choose(let reg, let dom, let next):
                switch dom {
                case .type(let t):
                    out.append(.choose(reg: Int32(reg), lo: t.lowerBound, hi: t.upperBound, set: -1, next: Int32(next)))
                case .set(let e, let el):
                    out.append(.choose(reg: Int32(reg), lo: el.lowerBound, hi: el.upperBound, set: try compileExpr(e, ctx), next: Int32(next)))
                }
            case .chooseSubset(let reg, let dom, let next):
                // Sema keeps the element type at most 16 values, so the mask fits.
                let n = min(64, max(0, dom.elementType.cardinality))
                let full: UInt64 = n >= 64 ? .max : (UInt64(1) << UInt64(n)) - 1
                switch dom {
                case .type:
                    out.append(.chooseSubset(reg: Int32(reg), full: full, set: -1, next: Int32(next)))
                case .set(let e, _):
                    out.append(.chooseSubset(reg: Int32(reg), full: full, set: try compileExpr(e, ctx), next: Int32(next)))
                }
            case .jump(let t):
                out.append(.jump(Int32(t)))
            case .done:
                out.append(.done)
            }
        }
        return out
    }
}
