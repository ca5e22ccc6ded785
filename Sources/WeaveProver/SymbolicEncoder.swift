import WeaveIR
import WeaveZ3

// The symbolic encoding of a state, for every N at once:
// - the const N: an Int constant (N >= 1); numbers a*N + c of the model are terms over it;
// - scalars: Int (ranges, enums) or Bool;
// - sets: arrays Int -> Bool with no member outside the element type (a type constraint);
// - `[I] E`: arrays Int -> E; a queue or stack: its length (Int) and its elements
//   (an array Int -> element, index 0 the oldest); an array of queues is an array of
//   lengths and an array of element arrays;
// - the locals of a process family: one more array level, indexed by the instance;
//   its pc: an array Int -> Int (label ids), a singleton's pc an Int.

/// A value: its term (the elements, for a queue) and, for a queue, its length.
/// Arrays over the value's outer indices wrap both.
struct SVal {
    var main: Z3Expr
    var len: Z3Expr?
}

/// Which variable of the state.
enum SVarKey: Hashable {
    case global(Int)
    case local(Int, Int)
    case pc(Int)
}

/// A state: every global, every local (per process family, one array over the instances), every pc.
struct SState {
    var globals: [SVal]
    var locals: [[SVal]]
    var pcs: [Z3Expr]

    func value(_ k: SVarKey) -> SVal {
        switch k {
        case .global(let g): return globals[g]
        case .local(let p, let v): return locals[p][v]
        case .pc(let p): return SVal(main: pcs[p], len: nil)
        }
    }

    mutating func set(_ k: SVarKey, _ v: SVal) {
        switch k {
        case .global(let g): globals[g] = v
        case .local(let p, let i): locals[p][i] = v
        case .pc(let p): pcs[p] = v.main
        }
    }
}

/// A symbolic value with its run-time error condition and, for integers, static bounds.
struct SEnc {
    var value: Z3Expr
    var error: Z3Expr
    var lo: Lin?
    var hi: Lin?
}

/// What an expression is evaluated against.
struct SEnv {
    var state: SState
    /// The executing process and its instance (nil for a singleton); nil in properties.
    var me: (process: Int, index: Z3Expr?)?
    var regs: [Int: SEnc] = [:]
}

/// A place resolved in a state: the variable, the index terms (instance first), the error.
struct SResolved {
    let key: SVarKey
    let indices: [Z3Expr]
    let error: Z3Expr
    let type: SType
}

final class SymbolicEncoder {
    let model: SymbolicModel
    let terms: Terms
    let ctx: Z3Context
    /// The symbolic size.
    let n: Z3Expr
    private var counter = 0

    init(model: SymbolicModel, context: Z3Context) throws {
        self.model = model
        ctx = context
        terms = Terms(context)
        n = try context.constant(model.constName, context.intSort)
    }

    func unsupported(_ what: String, _ e: SExpr) -> SymbolicUnsupported {
        SymbolicUnsupported(message: "\(what) is outside the symbolic fragment (\(model.constName) symbolic)", range: e.range)
    }

    // MARK: terms

    func lin(_ l: Lin) throws -> Z3Expr {
        if l.a == 0 { return terms.int(l.c) }
        let an = l.a == 1 ? n : try terms.mul(terms.int(l.a), n)
        return try terms.add(an, terms.int(l.c))
    }

    func fresh(_ base: String, _ sort: Z3Sort) throws -> Z3Expr {
        counter += 1
        return try ctx.constant("\(base)!\(counter)", sort)
    }

    func freshInt(_ base: String) throws -> Z3Expr { try fresh(base, ctx.intSort) }

    /// `lo <= x <= hi`.
    func within(_ x: Z3Expr, _ lo: Lin, _ hi: Lin) throws -> Z3Expr {
        try terms.and(terms.le(lin(lo), x), terms.le(x, lin(hi)))
    }

    /// `x` is a value of scalar type `t`.
    func inType(_ x: Z3Expr, _ t: SType) throws -> Z3Expr {
        if x.sort.isBool { return terms.t }
        let (lo, hi) = t.bounds
        return try within(x, lo, hi)
    }

    func arraySort(_ s: Z3Sort) throws -> Z3Sort { try ctx.arraySort(domain: ctx.intSort, range: s) }

    func sorts(_ t: SType) throws -> (main: Z3Sort, len: Z3Sort?) {
        switch t {
        case .bool: return (ctx.boolSort, nil)
        case .range, .enumeration: return (ctx.intSort, nil)
        case .set: return (try arraySort(ctx.boolSort), nil)
        case .queue(let e, _, _): return (try arraySort(sorts(e).main), ctx.intSort)
        case .array(_, let e):
            let (m, l) = try sorts(e)
            return (try arraySort(m), try l.map { try arraySort($0) })
        }
    }

    func select(_ v: SVal, _ i: Z3Expr) throws -> SVal {
        SVal(main: try ctx.select(v.main, i), len: try v.len.map { try ctx.select($0, i) })
    }

    func store(_ v: SVal, _ i: Z3Expr, _ x: SVal) throws -> SVal {
        var len: Z3Expr? = nil
        if let l = v.len, let xl = x.len { len = try ctx.store(l, i, xl) }
        return SVal(main: try ctx.store(v.main, i, x.main), len: len)
    }

    func emptySet() throws -> Z3Expr { try ctx.constArray(domain: ctx.intSort, value: terms.f) }

    /// An Int view of a scalar (Bool as 0/1).
    func asInt(_ x: Z3Expr) throws -> Z3Expr {
        x.sort.isBool ? try terms.ite(x, terms.int(1), terms.int(0)) : x
    }

    /// `x` in the sort of a value of type `t`.
    func coerce(_ x: Z3Expr, to t: SType) throws -> Z3Expr {
        switch t {
        case .bool: return x.sort.isBool ? x : try terms.not(terms.eq(x, terms.int(0)))
        case .range, .enumeration: return try asInt(x)
        default: return x
        }
    }

    // MARK: states

    /// Fresh constants for a state.
    func stateVars(_ tag: String) throws -> SState {
        var globals: [SVal] = []
        for v in model.globals {
            let (m, l) = try sorts(v.type)
            globals.append(SVal(main: try ctx.constant(tag + v.name, m), len: try l.map { try ctx.constant(tag + v.name + ".len", $0) }))
        }
        var locals: [[SVal]] = []
        var pcs: [Z3Expr] = []
        for p in model.processes {
            var ls: [SVal] = []
            for v in p.locals {
                var (m, l) = try sorts(v.type)
                if p.indexType != nil {
                    m = try arraySort(m)
                    l = try l.map { try arraySort($0) }
                }
                ls.append(SVal(main: try ctx.constant("\(tag)\(p.name).\(v.name)", m),
                               len: try l.map { try ctx.constant("\(tag)\(p.name).\(v.name).len", $0) }))
            }
            locals.append(ls)
            pcs.append(try ctx.constant("\(tag)\(p.name).pc", p.indexType != nil ? arraySort(ctx.intSort) : ctx.intSort))
        }
        return SState(globals: globals, locals: locals, pcs: pcs)
    }

    /// `forall x in outer: guard(x) => body`, one bound variable per outer index.
    func forallOuter(_ outer: [(Z3Expr, SType)], _ body: Z3Expr) throws -> Z3Expr {
        if body.boolValue == true || outer.isEmpty { return body }
        let guards = try outer.map { try inType($0.0, $0.1) }
        return try ctx.forall(outer.map(\.0), terms.implies(terms.and(guards), body))
    }

    /// The type constraints of a value: scalars within their types, sets without outside
    /// members, queue lengths within capacity and used elements within the element type.
    func typeConstraints(_ v: SVal, _ t: SType, _ outer: [(Z3Expr, SType)]) throws -> [Z3Expr] {
        switch t {
        case .bool:
            return []
        case .range, .enumeration:
            return [try forallOuter(outer, inType(v.main, t))]
        case .set(let el):
            let x = try freshInt("x")
            let body = try ctx.forall([x], terms.implies(ctx.select(v.main, x), inType(x, el)))
            return [try forallOuter(outer, body)]
        case .array(let i, let e):
            let k = try freshInt("k")
            return try typeConstraints(select(v, k), e, outer + [(k, i)])
        case .queue(let e, let cap, _):
            guard let len = v.len else { throw ProverError.internal("a queue without a length") }
            var out = [try forallOuter(outer, within(len, .const(0), cap))]
            if case .bool = e { return out }
            let j = try freshInt("j")
            let used = try terms.and(terms.le(terms.int(0), j), terms.lt(j, len))
            out.append(try forallOuter(outer, ctx.forall([j], terms.implies(used, inType(ctx.select(v.main, j), e)))))
            return out
        }
    }

    func typeOK(_ s: SState) throws -> [Z3Expr] {
        var out = [try terms.le(terms.int(1), n)]
        for (gi, g) in model.globals.enumerated() { out += try typeConstraints(s.globals[gi], g.type, []) }
        for (pi, p) in model.processes.enumerated() {
            let pcType = SType.range(lo: .const(0), hi: .const(Int64(p.labels.count)))
            if let it = p.indexType {
                out += try typeConstraints(SVal(main: s.pcs[pi], len: nil), .array(index: it, element: pcType), [])
                for (vi, v) in p.locals.enumerated() {
                    out += try typeConstraints(s.locals[pi][vi], .array(index: it, element: v.type), [])
                }
            } else {
                out += try typeConstraints(SVal(main: s.pcs[pi], len: nil), pcType, [])
                for (vi, v) in p.locals.enumerated() { out += try typeConstraints(s.locals[pi][vi], v.type, []) }
            }
        }
        return out
    }

    /// The pc of a process that cannot terminate is not `done` (the code is the same at every
    /// size: that of the model at a sample size). Kept out of `typeOK`: in the hypothesis of
    /// every query, this small change made Z3 time out on flush_waits_for_all's hardest
    /// queries (which took 45 s before); the prover adds it to a query that is satisfiable
    /// without it instead.
    func terminationConstraints(_ s: SState) throws -> [Z3Expr] {
        var out: [Z3Expr] = []
        for (pi, p) in model.processes.enumerated() where !model.base.processes[pi].canTerminate {
            let done = terms.int(Int64(p.labels.count))
            if let it = p.indexType {
                let k = try freshInt("k")
                out.append(try forallOuter([(k, it)], terms.not(terms.eq(ctx.select(s.pcs[pi], k), done))))
            } else {
                out.append(try terms.not(terms.eq(s.pcs[pi], done)))
            }
        }
        return out
    }

    // MARK: constant values

    /// The term of a constant value (`SInit` with a single choice everywhere).
    func constant(_ t: SType, _ v: SInit, _ at: SExpr? = nil) throws -> SVal {
        switch (t, v) {
        case (.bool, .scalar(let cs)) where cs.count == 1:
            return SVal(main: terms.bool(cs[0].c != 0), len: nil)
        case (.range, .scalar(let cs)) where cs.count == 1, (.enumeration, .scalar(let cs)) where cs.count == 1:
            return SVal(main: try lin(cs[0]), len: nil)
        case (.set, .set(let ms)):
            var s = try emptySet()
            for m in ms { s = try ctx.store(s, lin(m), terms.t) }
            return SVal(main: s, len: nil)
        case (.array(_, let e), .uniform(let inner)):
            let x = try constant(e, inner)
            return SVal(main: try ctx.constArray(domain: ctx.intSort, value: x.main),
                        len: try x.len.map { try ctx.constArray(domain: ctx.intSort, value: $0) })
        case (.array(let i, let e), .items(let xs)):
            guard let first = xs.first else { throw ProverError.internal("an empty array constant") }
            let d = try constant(e, first)
            var a = SVal(main: try ctx.constArray(domain: ctx.intSort, value: d.main),
                         len: try d.len.map { try ctx.constArray(domain: ctx.intSort, value: $0) })
            let lo = i.bounds.lo
            for (k, x) in xs.enumerated().dropFirst() { a = try store(a, lin(lo.plus(Int64(k))), constant(e, x)) }
            return a
        case (.queue(let e, _, _), .queue(let len, let items)):
            let raw0: Z3Expr
            if case .bool = e { raw0 = terms.f } else { raw0 = try lin(e.bounds.lo) }
            var a = try ctx.constArray(domain: ctx.intSort, value: raw0)
            for (j, x) in items.enumerated() {
                let xv: Z3Expr
                if case .bool = e { xv = terms.bool(x.c != 0) } else { xv = try lin(x) }
                a = try ctx.store(a, terms.int(Int64(j)), xv)
            }
            return SVal(main: a, len: terms.int(Int64(len)))
        default:
            throw SymbolicUnsupported(message: "a constant with several possible values (\(t.description(model.constName))) is outside the symbolic fragment", range: at?.range)
        }
    }

    /// The constraint that `v` is an initial value of a variable.
    func initial(_ v: SVal, _ t: SType, _ i: SInit, instances: SType?, at r: SVariable) throws -> Z3Expr {
        if case .scalar(let cs) = i, cs.count > 1 {
            // Several initial values: one of them, for each instance.
            func choice(_ x: Z3Expr) throws -> Z3Expr {
                try terms.or(cs.map { c in try terms.eq(asInt(x), lin(c)) })
            }
            guard let it = instances else { return try choice(v.main) }
            let k = try freshInt("k")
            return try forallOuter([(k, it)], choice(ctx.select(v.main, k)))
        }
        var x: SVal
        do { x = try constant(t, i) } catch var u as SymbolicUnsupported {
            u = SymbolicUnsupported(message: "the initial value of \(r.name): \(u.message)", range: r.range)
            throw u
        }
        if instances != nil {
            x = SVal(main: try ctx.constArray(domain: ctx.intSort, value: x.main),
                     len: try x.len.map { try ctx.constArray(domain: ctx.intSort, value: $0) })
        }
        var cs = [try terms.eq(v.main, x.main)]
        if let l = v.len, let xl = x.len { cs.append(try terms.eq(l, xl)) }
        return try terms.and(cs)
    }

    func initial(_ s: SState) throws -> Z3Expr {
        var cs = [try terms.le(terms.int(1), n)]
        for (gi, g) in model.globals.enumerated() {
            cs.append(try initial(s.globals[gi], g.type, g.initial, instances: nil, at: g))
        }
        for (pi, p) in model.processes.enumerated() {
            if p.indexType != nil {
                cs.append(try terms.eq(s.pcs[pi], ctx.constArray(domain: ctx.intSort, value: terms.int(0))))
            } else {
                cs.append(try terms.eq(s.pcs[pi], terms.int(0)))
            }
            for (vi, v) in p.locals.enumerated() {
                cs.append(try initial(s.locals[pi][vi], v.type, v.initial, instances: p.indexType, at: v))
            }
        }
        return try terms.and(cs)
    }

    // MARK: places

    /// The scalar error condition that `v` is outside scalar type `t` (static bounds first).
    func outside(_ v: SEnc, _ t: SType) throws -> Z3Expr {
        switch t {
        case .bool:
            if v.value.sort.isBool { return terms.f }
            return try terms.not(within(v.value, .const(0), .const(1)))
        case .range, .enumeration:
            let (lo, hi) = t.bounds
            if let vl = v.lo, let vh = v.hi, lo.alwaysLE(vl), vh.alwaysLE(hi) { return terms.f }
            return try terms.not(within(asInt(v.value), lo, hi))
        default:
            return terms.f
        }
    }

    /// The instance term of a process reference and its error.
    func instance(_ pid: Int, _ inst: SExpr?, _ env: SEnv) throws -> (Z3Expr?, Z3Expr) {
        let p = model.processes[pid]
        guard let it = p.indexType else { return (nil, terms.f) }
        guard let inst else {
            guard let me = env.me, me.process == pid, let k = me.index else {
                throw ProverError.internal("a local of \(p.name) without an instance")
            }
            return (k, terms.f)
        }
        let v = try eval(inst, env)
        return (try asInt(v.value), try terms.or(v.error, outside(v, it)))
    }

    func resolve(_ p: SPlace, _ env: SEnv) throws -> SResolved {
        var indices: [Z3Expr] = []
        var error = terms.f
        var t: SType
        let key: SVarKey
        switch p.root {
        case .global(let g):
            key = .global(g.index)
            t = model.globals[g.index].type
        case .local(let pid, let inst, let i):
            key = .local(pid.index, i)
            let (k, e) = try instance(pid.index, inst, env)
            if let k { indices.append(k) }
            error = e
            t = model.processes[pid.index].locals[i].type
        }
        for ix in p.path {
            guard case .array(let it, let et) = t else { throw ProverError.internal("indexing a non-array") }
            let v = try eval(ix, env)
            error = try terms.or([error, v.error, outside(v, it)])
            indices.append(try asInt(v.value))
            t = et
        }
        return SResolved(key: key, indices: indices, error: error, type: t)
    }

    func read(_ r: SResolved, _ s: SState) throws -> SVal {
        var v = s.value(r.key)
        for i in r.indices { v = try select(v, i) }
        return v
    }

    func write(_ r: SResolved, _ x: SVal, _ s: inout SState) throws {
        func put(_ v: SVal, _ idx: ArraySlice<Z3Expr>) throws -> SVal {
            guard let i = idx.first else { return x }
            return try store(v, i, put(select(v, i), idx.dropFirst()))
        }
        s.set(r.key, try put(s.value(r.key), r.indices[...]))
    }

    func pc(_ pid: Int, _ inst: SExpr?, _ env: SEnv) throws -> (Z3Expr, Z3Expr) {
        let (k, err) = try instance(pid, inst, env)
        let pcs = env.state.pcs[pid]
        return (try k.map { try ctx.select(pcs, $0) } ?? pcs, err)
    }

    // MARK: expressions

    func holds(_ e: SExpr, _ env: SEnv) throws -> Z3Expr {
        let v = try eval(e, env)
        return try terms.and(v.value, terms.not(v.error))
    }

    func eval(_ e: SExpr, _ env: SEnv) throws -> SEnc {
        switch e.op {
        case .literal(let l):
            if case .bool = e.type { return SEnc(value: terms.bool(l.c != 0), error: terms.f, lo: l, hi: l) }
            return SEnc(value: try lin(l), error: terms.f, lo: l, hi: l)
        case .setLiteral(let ms):
            var s = try emptySet()
            for m in ms { s = try ctx.store(s, lin(m), terms.t) }
            return SEnc(value: s, error: terms.f)
        case .read(let p):
            let r = try resolve(p, env)
            let v = try read(r, env.state)
            let b: (Lin?, Lin?) = p.type.isScalar ? (p.type.bounds.lo, p.type.bounds.hi) : (nil, nil)
            return SEnc(value: v.main, error: r.error, lo: b.0, hi: b.1)
        case .selfIndex:
            guard let me = env.me, let k = me.index, let it = model.processes[me.process].indexType else {
                throw ProverError.internal("'self' outside an indexed process")
            }
            return SEnc(value: k, error: terms.f, lo: it.bounds.lo, hi: it.bounds.hi)
        case .bound(let r):
            guard let v = env.regs[r] else { throw ProverError.internal("unbound register \(r)") }
            return v
        case .unary(let op, let a):
            let x = try eval(a, env)
            switch op {
            case .not:
                return SEnc(value: try terms.not(x.value), error: x.error)
            case .negate:
                let lo = x.hi.map { Lin(a: -$0.a, -$0.c) }, hi = x.lo.map { Lin(a: -$0.a, -$0.c) }
                return SEnc(value: try ctx.neg(asInt(x.value)), error: x.error, lo: lo, hi: hi)
            case .size:
                guard case .set(let el) = a.type, !el.hasSymbolicCardinality, !el.isSymbolic, el.isScalar else {
                    throw unsupported("size(...) of a set over a \(model.constName)-sized type (only size(S) == 0, != 0, > 0, >= 1, < 1, <= 0 are)", e)
                }
                let lo = el.bounds.lo.c, hi = el.bounds.hi.c
                var parts: [Z3Expr] = []
                if hi >= lo {
                    for v in lo...hi { parts.append(try terms.ite(ctx.select(x.value, terms.int(v)), terms.int(1), terms.int(0))) }
                }
                return SEnc(value: try terms.sum(parts), error: x.error, lo: .const(0), hi: .const(Int64(parts.count)))
            }
        case .binary(let op, let a, let b):
            return try binary(op, a, b, e, env)
        case .conditional(let c, let a, let b):
            let x = try eval(c, env)
            if let cv = x.value.boolValue { return try eval(cv ? a : b, env).failing(also: x.error, terms) }
            let y = try eval(a, env), z = try eval(b, env)
            var yv = y.value, zv = z.value
            if yv.sort.isBool != zv.sort.isBool { yv = try asInt(yv); zv = try asInt(zv) }
            let err = try terms.or(x.error, terms.ite(x.value, y.error, z.error))
            var lo: Lin? = nil, hi: Lin? = nil
            if let l1 = y.lo, let l2 = z.lo { lo = l1.alwaysLE(l2) ? l1 : l2.alwaysLE(l1) ? l2 : nil }
            if let h1 = y.hi, let h2 = z.hi { hi = h1.alwaysLE(h2) ? h2 : h2.alwaysLE(h1) ? h1 : nil }
            return SEnc(value: try terms.ite(x.value, yv, zv), error: err, lo: lo, hi: hi)
        case .setOf(let items, let el):
            var s = try emptySet()
            var errs: [Z3Expr] = []
            for it in items {
                let x = try eval(it, env)
                errs.append(x.error)
                errs.append(try outside(x, el))
                s = try ctx.store(s, asInt(x.value), terms.t)
            }
            return SEnc(value: s, error: try terms.or(errs))
        case .length(let p):
            guard case .queue(_, let cap, _) = p.type else { throw ProverError.internal("len of a non-queue") }
            let r = try resolve(p, env)
            guard let len = try read(r, env.state).len else { throw ProverError.internal("a queue without a length") }
            return SEnc(value: len, error: r.error, lo: .const(0), hi: cap)
        case .head(let p):
            guard case .queue(let et, _, let lifo) = p.type else { throw ProverError.internal("head of a non-queue") }
            let r = try resolve(p, env)
            let q = try read(r, env.state)
            guard let len = q.len else { throw ProverError.internal("a queue without a length") }
            let at = lifo ? try terms.sub(len, terms.int(1)) : terms.int(0)
            let b: (Lin?, Lin?) = et.isScalar ? (et.bounds.lo, et.bounds.hi) : (nil, nil)
            return SEnc(value: try ctx.select(q.main, at), error: try terms.or(r.error, terms.eq(len, terms.int(0))), lo: b.0, hi: b.1)
        case .elementOf(let x, let p):
            return try elementOf(x, p, e, env)
        case .quantifier(let q, let r, let dom, let body):
            return try quantifier(q, r, dom, body, e, env)
        case .at(let pid, let inst, let label):
            let (pc, err) = try pc(pid.index, inst, env)
            return SEnc(value: try terms.eq(pc, terms.int(Int64(label.index))), error: err)
        }
    }

    /// `x in q` for a queue (its first len elements) or an array (every element).
    func elementOf(_ x: SExpr, _ p: SPlace, _ e: SExpr, _ env: SEnv) throws -> SEnc {
        let v = try eval(x, env)
        let r = try resolve(p, env)
        let q = try read(r, env.state)
        let err = try terms.or(v.error, r.error)
        func same(_ item: Z3Expr) throws -> Z3Expr {
            item.sort.isBool == v.value.sort.isBool ? try terms.eq(item, v.value) : try terms.eq(asInt(item), asInt(v.value))
        }
        switch p.type {
        case .queue(_, let cap, _):
            guard let len = q.len else { throw ProverError.internal("a queue without a length") }
            if cap.isConstant && cap.c <= 64 {
                var ds: [Z3Expr] = []
                for j in 0..<max(0, cap.c) {
                    ds.append(try terms.and(terms.lt(terms.int(j), len), same(ctx.select(q.main, terms.int(j)))))
                }
                return SEnc(value: try terms.or(ds), error: err)
            }
            let j = try freshInt("j")
            let body = try terms.and([terms.le(terms.int(0), j), terms.lt(j, len), same(ctx.select(q.main, j))])
            return SEnc(value: try ctx.exists([j], body), error: err)
        case .array(let it, _):
            let (lo, hi) = it.bounds
            if lo.isConstant && hi.isConstant && hi.c - lo.c < 64 {
                var ds: [Z3Expr] = []
                if hi.c >= lo.c { for k in lo.c...hi.c { ds.append(try same(ctx.select(q.main, terms.int(k)))) } }
                return SEnc(value: try terms.or(ds), error: err)
            }
            let j = try freshInt("j")
            return SEnc(value: try ctx.exists([j], terms.and(inType(j, it), same(ctx.select(q.main, j)))), error: err)
        default:
            throw ProverError.internal("'in' on \(p.type.description(model.constName))")
        }
    }

    /// `size(S) op k` with S over an N-sized type: decided by whether S is empty, for k in {0, 1}.
    func sizeComparison(_ op: BinaryOp, _ a: SExpr, _ b: SExpr, _ e: SExpr, _ env: SEnv) throws -> SEnc? {
        var op = op
        var set: SExpr, k: Int64
        if case .unary(.size, let s) = a.op, case .literal(let l) = b.op, l.isConstant {
            set = s; k = l.c
        } else if case .unary(.size, let s) = b.op, case .literal(let l) = a.op, l.isConstant {
            set = s; k = l.c
            switch op {   // k op size  ==  size op' k
            case .lt: op = .gt
            case .le: op = .ge
            case .gt: op = .lt
            case .ge: op = .le
            default: break
            }
        } else {
            return nil
        }
        guard case .set(let el) = set.type, el.hasSymbolicCardinality || el.isSymbolic else { return nil }
        let x = try eval(set, env)
        let empty = try terms.eq(x.value, emptySet())
        let value: Z3Expr
        switch (op, k) {
        case (.eq, 0), (.le, 0), (.lt, 1): value = empty
        case (.ne, 0), (.gt, 0), (.ge, 1): value = try terms.not(empty)
        case (.ge, 0): value = terms.t
        case (.lt, 0): value = terms.f
        default:
            throw unsupported("size(...) of a set over a \(model.constName)-sized type compared with \(k) (only size(S) == 0, != 0, > 0, >= 1, < 1, <= 0 are supported)", e)
        }
        return SEnc(value: value, error: x.error)
    }

    func binary(_ op: BinaryOp, _ a: SExpr, _ b: SExpr, _ e: SExpr, _ env: SEnv) throws -> SEnc {
        if let s = try sizeComparison(op, a, b, e, env) { return s }
        let x = try eval(a, env)
        switch op {
        case .and, .or, .implies:
            let r = try terms.shortCircuit(op, x.pair) { try eval(b, env).pair }
            return SEnc(value: r.value, error: r.error)
        default: break
        }
        let y = try eval(b, env)
        let errs = try terms.or(x.error, y.error)
        let isSet: Bool = { if case .set = a.type { return true }; return false }()
        switch op {
        case .eq, .ne:
            var l = x.value, r = y.value
            if !isSet && l.sort.isBool != r.sort.isBool { l = try asInt(l); r = try asInt(r) }
            let eq = try terms.eq(l, r)
            return SEnc(value: op == .eq ? eq : try terms.not(eq), error: errs)
        case .lt, .le, .gt, .ge:
            let l = try asInt(x.value), r = try asInt(y.value)
            let v: Z3Expr
            switch op {
            case .lt: v = try terms.lt(l, r)
            case .le: v = try terms.le(l, r)
            case .gt: v = try terms.lt(r, l)
            default: v = try terms.le(r, l)
            }
            return SEnc(value: v, error: errs)
        case .union: return SEnc(value: try ctx.setUnion(x.value, y.value), error: errs)
        case .intersect: return SEnc(value: try ctx.setIntersect(x.value, y.value), error: errs)
        case .difference: return SEnc(value: try ctx.setDifference(x.value, y.value), error: errs)
        case .subset: return SEnc(value: try ctx.setSubset(x.value, y.value), error: errs)
        case .member:
            // Sets never hold values outside their element type, so membership needs no range check.
            return SEnc(value: try ctx.select(y.value, asInt(x.value)), error: errs)
        case .add, .sub:
            let l = try asInt(x.value), r = try asInt(y.value)
            var lo: Lin? = nil, hi: Lin? = nil
            if op == .add {
                if let a1 = x.lo, let a2 = y.lo { lo = Lin(a: a1.a + a2.a, a1.c + a2.c) }
                if let a1 = x.hi, let a2 = y.hi { hi = Lin(a: a1.a + a2.a, a1.c + a2.c) }
            } else {
                if let a1 = x.lo, let a2 = y.hi { lo = Lin(a: a1.a - a2.a, a1.c - a2.c) }
                if let a1 = x.hi, let a2 = y.lo { hi = Lin(a: a1.a - a2.a, a1.c - a2.c) }
            }
            return SEnc(value: op == .add ? try terms.add(l, r) : try terms.sub(l, r), error: errs, lo: lo, hi: hi)
        case .mul:
            return SEnc(value: try terms.mul(asInt(x.value), asInt(y.value)), error: errs)
        case .div, .mod:
            let l = try asInt(x.value), r = try asInt(y.value)
            let zero = try terms.eq(r, terms.int(0))
            let v = op == .div ? try ctx.div(l, r) : try ctx.mod(l, r)
            return SEnc(value: v, error: try terms.or(errs, zero))
        case .and, .or, .implies:
            throw ProverError.internal("unreachable")
        }
    }

    /// Quantifiers: expanded over a fixed domain (the finite encoder's exact semantics),
    /// a Z3 quantifier over an N-sized one.
    func quantifier(_ q: Quantifier, _ r: Int, _ dom: SDomain, _ body: SExpr, _ e: SExpr, _ env: SEnv) throws -> SEnc {
        let el = dom.elementType
        let (lo, hi) = el.bounds
        let symbolic = el.hasSymbolicCardinality || el.isSymbolic || !lo.isConstant
        var setValue: Z3Expr? = nil
        var setError = terms.f
        if case .set(let s, _) = dom {
            let sv = try eval(s, env)
            setValue = sv.value
            setError = sv.error
        }
        var inner = env
        if !symbolic {
            var evaluated: [(m: Z3Expr, b: SEnc)] = []
            if hi.c >= lo.c {
                for v in lo.c...hi.c {
                    let m = try setValue.map { try ctx.select($0, terms.int(v)) } ?? terms.t
                    if m.boolValue == false { continue }
                    let lit: Z3Expr
                    if case .bool = el { lit = terms.bool(v != 0) } else { lit = terms.int(v) }
                    inner.regs[r] = SEnc(value: lit, error: terms.f, lo: .const(v), hi: .const(v))
                    evaluated.append((m, try eval(body, inner)))
                }
            }
            let (value, err) = try terms.quantify(q, evaluated.map { ($0.m, $0.b.value, $0.b.error) }, setError: setError)
            if q == .count { return SEnc(value: value, error: err, lo: .const(0), hi: .const(Int64(evaluated.count))) }
            return SEnc(value: value, error: err)
        }
        if q == .count { throw unsupported("count over a \(model.constName)-sized type", e) }
        /// The body at a fresh bound variable, with its guard (in the domain).
        func at(_ name: String) throws -> (x: Z3Expr, guardTerm: Z3Expr, body: SEnc) {
            let x = try freshInt(name)
            var g = try within(x, lo, hi)
            if let s = setValue { g = try terms.and(g, ctx.select(s, x)) }
            inner.regs[r] = SEnc(value: x, error: terms.f, lo: lo, hi: hi)
            return (x, g, try eval(body, inner))
        }
        let (x, g, b) = try at("q")
        let value = q == .forall ? try ctx.forall([x], terms.implies(g, b.value))
                                 : try ctx.exists([x], terms.and([g, b.value, terms.not(b.error)]))
        // Most bodies cannot fail (`empty(q) || head(q) == t`: the head is read only when q is
        // not empty); Z3's simplifier shows it, and the simple encoding is then exact.
        let simplified = try ctx.simplify(b.error)
        if simplified.boolValue == false {
            return SEnc(value: value, error: setError)
        }
        // The explorer stops at the first deciding value in order: an error counts
        // only if every smaller value went on (forall: true, exists: false) without one.
        let (y, gy, by) = try at("q")
        let goOn = q == .forall ? by.value : try terms.not(by.value)
        let before = try ctx.forall([y], terms.implies(terms.and(gy, terms.lt(y, x)), terms.and(terms.not(by.error), goOn)))
        let err = try ctx.exists([x], terms.and([g, b.error, before]))
        return SEnc(value: value, error: try terms.or(setError, err))
    }

    // MARK: reads

    /// The state variables an expression reads.
    func reads(_ e: SExpr) -> Set<SVarKey> {
        var out = Set<SVarKey>()
        func place(_ p: SPlace) {
            switch p.root {
            case .global(let g): out.insert(.global(g.index))
            case .local(let pid, let inst, let i):
                out.insert(.local(pid.index, i))
                if let inst { walk(inst) }
            }
            p.path.forEach(walk)
        }
        func walk(_ e: SExpr) {
            switch e.op {
            case .literal, .setLiteral, .selfIndex, .bound: break
            case .read(let p), .length(let p), .head(let p): place(p)
            case .unary(_, let a): walk(a)
            case .binary(_, let a, let b): walk(a); walk(b)
            case .conditional(let a, let b, let c): walk(a); walk(b); walk(c)
            case .setOf(let xs, _): xs.forEach(walk)
            case .elementOf(let x, let p): walk(x); place(p)
            case .quantifier(_, _, let d, let b):
                if case .set(let s, _) = d { walk(s) }
                walk(b)
            case .at(let pid, let inst, _):
                out.insert(.pc(pid.index))
                if let inst { walk(inst) }
            }
        }
        walk(e)
        return out
    }
}
