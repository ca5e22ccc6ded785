import WeaveIR
import WeaveZ3

/// Translates IR expressions into Z3 terms over a state's slots, with the explorer's
/// exact semantics: short-circuit `&&`/`||`/`=>` and `if`, quantifiers that stop at
/// the first deciding value, Euclidean `/` and `%`, run-time errors (division by zero,
/// index out of range, a set element outside its type, head of an empty queue,
/// Int64 overflow) as an error condition next to the value.
///
/// Dynamic array indices and process instances become `ite` chains over the finite
/// index type; quantifiers over finite domains are expanded.
final class ExprEncoder {
    let model: Model
    let layout: Layout
    let terms: Terms
    /// The type of every slot, in layout order.
    let slotTypes: [IRType]

    init(model: Model, layout: Layout, terms: Terms) {
        self.model = model
        self.layout = layout
        self.terms = terms
        self.slotTypes = layout.slotTypes(model)
    }

    /// When set, every slot read adds the pre-state slots its term depends on.
    var recorded: Set<Int>? = nil

    /// Reads slot `i` of the environment (recording its dependencies).
    func slot(_ env: EvalEnv, _ i: Int) -> Z3Expr {
        if recorded != nil { recorded!.formUnion(env.deps[i] ?? [i]) }
        return env.slots[i]
    }

    // MARK: helpers

    /// Bounds of a value of scalar type `t` read from a slot.
    static func bounds(_ t: IRType) -> (Int64, Int64) {
        switch t {
        case .range, .enumeration, .bool: return (t.lowerBound, t.upperBound)
        default: return (.min, .max)
        }
    }

    func literal(_ v: Int64, _ t: IRType) throws -> Encoded {
        let z = try ValueCodec.literal(v, t, terms)
        return Encoded(z, error: terms.f, lo: v, hi: v)
    }

    /// An Int-sorted view of a scalar (Bools become 0/1).
    func asInt(_ e: Encoded) throws -> Encoded {
        guard e.value.sort.isBool else { return e }
        return Encoded(try terms.ite(e.value, terms.int(1), terms.int(0)), error: e.error, lo: 0, hi: 1)
    }

    /// A bit vector of `width` bits from a set value of possibly another width.
    func widen(_ z: Z3Expr, to width: Int) throws -> Z3Expr {
        guard let w = z.sort.bitVectorWidth, w != width else { return z }
        if w < width { return try terms.ctx.bvZeroExtend(width - w, z) }
        return try terms.ctx.bvExtract(width - 1, 0, z)
    }

    /// `alts` combined into one term: `ite(c0, v0, ite(c1, v1, ... vn))`.
    func select<T>(_ alts: [(cond: Z3Expr, item: T)], _ value: (T) throws -> Z3Expr, default d: Z3Expr) throws -> Z3Expr {
        guard let last = alts.last else { return d }
        var acc = try value(last.item)
        for a in alts.dropLast().reversed() { acc = try terms.ite(a.cond, value(a.item), acc) }
        return acc
    }

    /// The ordinals a value of type `t` may take, each with its condition, and the
    /// condition that it is outside `t`.
    func alternatives(_ v: Encoded, over t: IRType) throws -> (alts: [(cond: Z3Expr, item: Int)], outside: Z3Expr) {
        let lo = t.lowerBound, card = t.cardinality
        if let c = terms.constant(v.value) {
            let ord = c &- lo
            return ord >= 0 && ord < card ? ([(terms.t, Int(ord))], terms.f) : ([], terms.t)
        }
        if v.value.sort.isBool {
            return ([(try terms.not(v.value), 0), (v.value, 1)], terms.f)
        }
        let from = max(lo, v.lo), to = min(t.upperBound, v.hi)
        var alts: [(cond: Z3Expr, item: Int)] = []
        if from <= to {
            for x in from...to { alts.append((try terms.eq(v.value, terms.int(x)), Int(x - lo))) }
        }
        if alts.isEmpty { return ([], terms.t) }
        let outside = v.lo >= lo && v.hi <= t.upperBound ? terms.f : try terms.not(terms.within(v.value, lo, t.upperBound))
        return (alts, outside)
    }

    /// The instances a process reference may denote.
    func instances(_ pid: ProcessID, _ inst: Expr?, _ env: EvalEnv) throws -> (alts: [(cond: Z3Expr, item: Int)], error: Z3Expr) {
        let p = model.processes[pid.index]
        guard let inst else {
            let k = env.me?.process == pid.index ? env.me!.k : 0
            return ([(terms.t, k)], terms.f)
        }
        guard let it = p.indexType else { return ([(terms.t, 0)], terms.f) }
        let v = try eval(inst, env)
        let (alts, outside) = try alternatives(v, over: it)
        return (alts, try terms.or(v.error, outside))
    }

    /// Resolves a place to its start slot(s).
    func resolve(_ p: Place, _ env: EvalEnv) throws -> ResolvedPlace {
        var alts: [(cond: Z3Expr, base: Int)]
        var error = terms.f
        var t: IRType
        switch p.root {
        case .global(let g):
            alts = [(terms.t, layout.globalOffsets[g.index])]
            t = model.globals[g.index].type
        case .local(let pid, let inst, let i):
            let (ia, ie) = try instances(pid, inst, env)
            error = ie
            let rel = layout.localOffsets[pid.index][i]
            alts = ia.map { ($0.cond, layout.instanceBase[pid.index][$0.item] + rel) }
            t = model.processes[pid.index].locals[i].type
        }
        for ix in p.path {
            guard case .array(let it, let et) = t else { throw ProverError.internal("indexing a non-array") }
            let v = try eval(ix, env)
            let (ia, outside) = try alternatives(v, over: it)
            error = try terms.or([error, v.error, outside])
            var next: [(cond: Z3Expr, base: Int)] = []
            for a in alts {
                for b in ia { next.append((try terms.and(a.cond, b.cond), a.base + b.item * et.slotCount)) }
            }
            alts = next
            t = et
        }
        return ResolvedPlace(alternatives: alts, error: error)
    }

    /// The value of slot `base + offset` through the alternatives of a resolved place.
    func read(_ r: ResolvedPlace, offset: Int, _ env: EvalEnv) throws -> Z3Expr {
        let d: Z3Expr
        if let first = r.alternatives.first {
            d = slot(env, first.base + offset)
        } else {
            d = terms.int(0)
        }
        return try select(r.alternatives.map { ($0.cond, $0.base) }, { slot(env, $0 + offset) }, default: d)
    }

    // MARK: evaluation

    func eval(_ e: Expr, _ env: EvalEnv) throws -> Encoded {
        switch e.op {
        case .literal(let v):
            return try literal(v, e.type)
        case .selfIndex:
            guard let me = env.me, let it = model.processes[me.process].indexType else {
                throw ProverError.internal("'self' outside an indexed process")
            }
            return try literal(it.lowerBound + Int64(me.k), e.type)
        case .bound(let r):
            guard let v = env.regs[r] else { throw ProverError.internal("unbound register \(r)") }
            return try literal(v, e.type)
        case .read(let p):
            let r = try resolve(p, env)
            let (lo, hi) = Self.bounds(p.type)
            var v = try read(r, offset: 0, env)
            if r.alternatives.isEmpty { v = try ValueCodec.literal(p.type.lowerBound, p.type, terms) }
            return Encoded(v, error: r.error, lo: lo, hi: hi)
        case .length(let p):
            guard case .queue(_, let cap, _) = p.type else { throw ProverError.internal("len of a non-queue") }
            let r = try resolve(p, env)
            return Encoded(try read(r, offset: 0, env), error: r.error, lo: 0, hi: Int64(cap))
        case .head(let p):
            return try head(p, env)
        case .elementOf(let x, let p):
            return try elementOf(x, p, env)
        case .unary(let op, let a):
            let x = try eval(a, env)
            switch op {
            case .not:
                return Encoded(try terms.not(x.value), error: x.error, lo: 0, hi: 1)
            case .negate:
                let xi = try asInt(x)
                if let c = xi.value.intValue {
                    if c == .min { return Encoded(xi.value, error: terms.t) }
                    return Encoded(terms.int(-c), error: xi.error, lo: -c, hi: -c)
                }
                if xi.lo == .min {
                    let err = try terms.or(xi.error, terms.eq(xi.value, terms.int(.min)))
                    return Encoded(try terms.ctx.neg(xi.value), error: err)
                }
                return Encoded(try terms.ctx.neg(xi.value), error: xi.error, lo: -xi.hi, hi: -xi.lo)
            case .size:
                guard let w = x.value.sort.bitVectorWidth else { throw ProverError.internal("size of a non-set") }
                if let c = x.value.bitVectorValue {
                    let n = Int64(c.nonzeroBitCount)
                    return Encoded(terms.int(n), error: x.error, lo: n, hi: n)
                }
                var parts: [Z3Expr] = []
                for k in 0..<w { parts.append(try terms.ite(terms.bit(x.value, k), terms.int(1), terms.int(0))) }
                return Encoded(try terms.sum(parts), error: x.error, lo: 0, hi: Int64(w))
            }
        case .binary(let op, let a, let b):
            return try binary(op, a, b, env)
        case .conditional(let c, let a, let b):
            let x = try eval(c, env)
            if let cv = x.value.boolValue { return try eval(cv ? a : b, env).failing(also: x.error, terms) }
            let y = try eval(a, env), z = try eval(b, env)
            var yv = y.value, zv = z.value
            if let w1 = yv.sort.bitVectorWidth, let w2 = zv.sort.bitVectorWidth, w1 != w2 {
                let w = max(w1, w2)
                yv = try widen(yv, to: w); zv = try widen(zv, to: w)
            } else if yv.sort.isBool != zv.sort.isBool {
                yv = try asInt(y).value; zv = try asInt(z).value
            }
            let err = try terms.or(x.error, terms.ite(x.value, y.error, z.error))
            return Encoded(try terms.ite(x.value, yv, zv), error: err, lo: min(y.lo, z.lo), hi: max(y.hi, z.hi))
        case .setOf(let items, let el):
            let w = ValueCodec.setWidth(el)
            var acc = try terms.bits(0, w)
            var errs: [Z3Expr] = []
            for it in items {
                let x = try eval(it, env)
                errs.append(x.error)
                let (alts, outside) = try alternatives(x, over: el)
                errs.append(outside)
                let bit = try select(alts, { try self.terms.bits(UInt64(1) << UInt64($0), w) }, default: terms.bits(0, w))
                acc = try terms.bvOr(acc, bit)
            }
            return Encoded(acc, error: try terms.or(errs))
        case .quantifier(let q, let r, let dom, let body):
            return try quantifier(q, r, dom, body, env)
        case .at(let pid, let inst, let label):
            let (alts, err) = try instances(pid, inst, env)
            let pcs = alts.map { ($0.cond, layout.instanceBase[pid.index][$0.item]) }
            let pc = try select(pcs, { slot(env, $0) }, default: terms.int(0))
            return Encoded(try terms.eq(pc, terms.int(Int64(label.index))), error: err, lo: 0, hi: 1)
        }
    }

    func head(_ p: Place, _ env: EvalEnv) throws -> Encoded {
        guard case .queue(let et, let cap, let lifo) = p.type else { throw ProverError.internal("head of a non-queue") }
        let r = try resolve(p, env)
        let (lo, hi) = Self.bounds(et)
        var values: [(cond: Z3Expr, item: Z3Expr)] = []
        var empties: [(cond: Z3Expr, item: Z3Expr)] = []
        for a in r.alternatives {
            let len = slot(env, a.base)
            empties.append((a.cond, try terms.eq(len, terms.int(0))))
            if !lifo || cap == 0 {
                values.append((a.cond, cap == 0 ? try ValueCodec.literal(et.lowerBound, et, terms) : slot(env, a.base + 1)))
            } else {
                var tops: [(cond: Z3Expr, item: Z3Expr)] = []
                for j in 1...cap { tops.append((try terms.eq(len, terms.int(Int64(j))), slot(env, a.base + j))) }
                values.append((a.cond, try select(tops, { $0 }, default: slot(env, a.base + 1))))
            }
        }
        let dflt = try ValueCodec.literal(et.lowerBound, et, terms)
        let v = try select(values, { $0 }, default: dflt)
        let empty = try select(empties, { $0 }, default: terms.t)
        return Encoded(v, error: try terms.or(r.error, empty), lo: lo, hi: hi)
    }

    /// `x in q`: some element slot in use (a queue's first `len`, every slot of an
    /// array) equals `x`; the explorer evaluates `x` first, then the place.
    func elementOf(_ x: Expr, _ p: Place, _ env: EvalEnv) throws -> Encoded {
        let v = try eval(x, env)
        let r = try resolve(p, env)
        let count: Int, isQueue: Bool
        switch p.type {
        case .queue(_, let cap, _): count = cap; isQueue = true
        case .array(let it, _): count = Int(it.cardinality); isQueue = false
        default: throw ProverError.internal("'in' on \(p.type.description)")
        }
        var perPlace: [(cond: Z3Expr, item: Z3Expr)] = []
        for a in r.alternatives {
            var disj: [Z3Expr] = []
            for j in 0..<count {
                let e = slot(env, a.base + (isQueue ? 1 + j : j))
                var lhs = v.value, rhs = e
                if lhs.sort.isBool != rhs.sort.isBool {
                    lhs = try asInt(v).value
                    rhs = try asInt(Encoded(e, error: terms.f)).value
                }
                let same = try terms.eq(lhs, rhs)
                // A queue's element j is in use when j < len.
                disj.append(isQueue ? try terms.and(terms.lt(terms.int(Int64(j)), slot(env, a.base)), same) : same)
            }
            perPlace.append((a.cond, try terms.or(disj)))
        }
        let value = try select(perPlace, { $0 }, default: terms.f)
        return Encoded(value, error: try terms.or(v.error, r.error), lo: 0, hi: 1)
    }

    func binary(_ op: BinaryOp, _ a: Expr, _ b: Expr, _ env: EvalEnv) throws -> Encoded {
        let x = try eval(a, env)
        switch op {
        case .and, .or, .implies:
            let r = try terms.shortCircuit(op, x.pair) { try eval(b, env).pair }
            return Encoded(r.value, error: r.error, lo: 0, hi: 1)
        default: break
        }
        let y = try eval(b, env)
        let errs = try terms.or(x.error, y.error)
        switch op {
        case .union, .intersect, .difference, .subset:
            guard let w1 = x.value.sort.bitVectorWidth, let w2 = y.value.sort.bitVectorWidth else {
                throw ProverError.internal("set operation on non-sets")
            }
            let w = max(w1, w2)
            let p = try widen(x.value, to: w), q = try widen(y.value, to: w)
            switch op {
            case .union: return Encoded(try terms.bvOr(p, q), error: errs)
            case .intersect: return Encoded(try terms.bvAnd(p, q), error: errs)
            case .difference: return Encoded(try terms.bvAnd(p, terms.bvNot(q)), error: errs)
            default:
                return Encoded(try terms.eq(terms.bvAnd(p, terms.bvNot(q)), terms.bits(0, w)), error: errs, lo: 0, hi: 1)
            }
        case .member:
            guard case .set(let el) = b.type else { throw ProverError.internal("member of a non-set") }
            let card = Int(min(64, el.cardinality))
            let xi = try asInt(x)
            var disj: [Z3Expr] = []
            if let c = xi.value.intValue {
                let k = c &- el.lowerBound
                if k >= 0 && k < Int64(card) { disj.append(try terms.bit(y.value, Int(k))) }
            } else {
                for k in 0..<card {
                    let v = el.lowerBound + Int64(k)
                    if v < xi.lo || v > xi.hi { continue }
                    disj.append(try terms.and(terms.eq(xi.value, terms.int(v)), terms.bit(y.value, k)))
                }
            }
            return Encoded(try terms.or(disj), error: errs, lo: 0, hi: 1)
        case .eq, .ne:
            var p = x.value, q = y.value
            if let w1 = p.sort.bitVectorWidth, let w2 = q.sort.bitVectorWidth {
                let w = max(w1, w2)
                p = try widen(p, to: w); q = try widen(q, to: w)
            } else if p.sort.isBool != q.sort.isBool {
                p = try asInt(x).value; q = try asInt(y).value
            }
            let e = try terms.eq(p, q)
            return Encoded(op == .eq ? e : try terms.not(e), error: errs, lo: 0, hi: 1)
        default: break
        }
        let xi = try asInt(x), yi = try asInt(y)
        let p = xi.value, q = yi.value
        switch op {
        case .lt: return Encoded(try terms.lt(p, q), error: errs, lo: 0, hi: 1)
        case .le: return Encoded(try terms.le(p, q), error: errs, lo: 0, hi: 1)
        case .gt: return Encoded(try terms.lt(q, p), error: errs, lo: 0, hi: 1)
        case .ge: return Encoded(try terms.le(q, p), error: errs, lo: 0, hi: 1)
        case .add, .sub, .mul:
            if let c1 = p.intValue, let c2 = q.intValue {
                guard let v = Semantics.binary(op, c1, c2) else { return Encoded(p, error: terms.t) }
                return Encoded(terms.int(v), error: errs, lo: v, hi: v)
            }
            let value = op == .add ? try terms.add(p, q) : op == .sub ? try terms.sub(p, q) : try terms.mul(p, q)
            // Interval arithmetic decides whether Int64 overflow is possible at all.
            let candidates: [(Int64, Bool)]
            switch op {
            case .add: candidates = [xi.lo.addingReportingOverflow(yi.lo), xi.hi.addingReportingOverflow(yi.hi)].map { ($0.partialValue, $0.overflow) }
            case .sub: candidates = [xi.lo.subtractingReportingOverflow(yi.hi), xi.hi.subtractingReportingOverflow(yi.lo)].map { ($0.partialValue, $0.overflow) }
            default:
                candidates = [xi.lo.multipliedReportingOverflow(by: yi.lo), xi.lo.multipliedReportingOverflow(by: yi.hi),
                              xi.hi.multipliedReportingOverflow(by: yi.lo), xi.hi.multipliedReportingOverflow(by: yi.hi)]
                    .map { ($0.partialValue, $0.overflow) }
            }
            if candidates.contains(where: { $0.1 }) {
                let overflow = try terms.not(terms.within(value, .min, .max))
                return Encoded(value, error: try terms.or(errs, overflow))
            }
            let vs = candidates.map(\.0)
            return Encoded(value, error: errs, lo: vs.min()!, hi: vs.max()!)
        case .div, .mod:
            if let c1 = p.intValue, let c2 = q.intValue {
                guard let v = Semantics.binary(op, c1, c2) else { return Encoded(p, error: terms.t) }
                return Encoded(terms.int(v), error: errs, lo: v, hi: v)
            }
            var bad: [Z3Expr] = [errs]
            if yi.lo <= 0 && yi.hi >= 0 { bad.append(try terms.eq(q, terms.int(0))) }
            if xi.lo == .min && yi.lo <= -1 && yi.hi >= -1 {
                bad.append(try terms.and(terms.eq(p, terms.int(.min)), terms.eq(q, terms.int(-1))))
            }
            let value = op == .div ? try terms.ctx.div(p, q) : try terms.ctx.mod(p, q)
            let mx = max(xi.lo == .min ? .max : abs(xi.lo), abs(xi.hi))
            let my = max(yi.lo == .min ? .max : abs(yi.lo), yi.hi == .min ? .max : abs(yi.hi))
            let (lo, hi): (Int64, Int64) = op == .div
                ? (mx == .max ? (.min, .max) : (-mx - 1, mx + 1))
                : (0, my == .max ? .max : max(0, my - 1))
            return Encoded(value, error: try terms.or(bad), lo: lo, hi: hi)
        default:
            throw ProverError.internal("unexpected operator \(op.rawValue)")
        }
    }

    /// Each value of scalar type `el` (that may be in `set`, if given: a set holds at most
    /// 64 members), with the condition that it is.
    func members(_ el: IRType, in set: Z3Expr?) throws -> [(value: Int64, cond: Z3Expr)] {
        guard let set else { return (0..<el.cardinality).map { (el.lowerBound + $0, terms.t) } }
        var members: [(value: Int64, cond: Z3Expr)] = []
        for k in 0..<min(64, el.cardinality) {
            let c = try terms.bit(set, Int(k))
            if c.boolValue != false { members.append((el.lowerBound + k, c)) }
        }
        return members
    }

    func quantifier(_ q: Quantifier, _ r: Int, _ dom: IRDomain, _ body: Expr, _ env: EvalEnv) throws -> Encoded {
        var set: Z3Expr? = nil
        var setError = terms.f
        if case .set(let s, _) = dom {
            let sv = try eval(s, env)
            (set, setError) = (sv.value, sv.error)
        }
        let members = try self.members(dom.elementType, in: set)
        var inner = env
        var evaluated: [(m: Z3Expr, b: Encoded)] = []
        for (v, m) in members {
            inner.regs[r] = v
            evaluated.append((m, try eval(body, inner)))
        }
        let (value, err) = try terms.quantify(q, evaluated.map { ($0.m, $0.b.value, $0.b.error) }, setError: setError)
        return Encoded(value, error: err, lo: 0, hi: q == .count ? Int64(members.count) : 1)
    }
}
