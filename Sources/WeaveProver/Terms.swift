import WeaveIR
import WeaveZ3

/// A thin layer over `Z3Context` that folds constants while it builds terms.
///
/// The encoder evaluates most of a model concretely (process indices, quantifier
/// variables, literal array indices), so folding keeps the formulas handed to Z3
/// close to the size of what is really symbolic.
final class Terms {
    let ctx: Z3Context
    let t: Z3Expr
    let f: Z3Expr
    private var bvSorts: [Int: Z3Sort] = [:]

    init(_ ctx: Z3Context) {
        self.ctx = ctx
        t = ctx.bool(true)
        f = ctx.bool(false)
    }

    // MARK: literals

    func bool(_ b: Bool) -> Z3Expr { b ? t : f }
    func int(_ v: Int64) -> Z3Expr { ctx.int(v) }
    func bits(_ v: UInt64, _ width: Int) throws -> Z3Expr { try ctx.bitVector(v, width: width) }

    func bvSort(_ width: Int) throws -> Z3Sort {
        if let s = bvSorts[width] { return s }
        let s = try ctx.bitVectorSort(width)
        bvSorts[width] = s
        return s
    }

    /// The concrete value of a numeral or Boolean literal, as the explorer stores it.
    func constant(_ e: Z3Expr) -> Int64? {
        if let b = e.boolValue { return b ? 1 : 0 }
        if let i = e.intValue { return i }
        if let u = e.bitVectorValue { return Int64(bitPattern: u) }
        return nil
    }

    // MARK: Boolean

    func not(_ a: Z3Expr) throws -> Z3Expr {
        if let b = a.boolValue { return bool(!b) }
        return try ctx.not(a)
    }

    func and(_ es: [Z3Expr]) throws -> Z3Expr {
        var keep: [Z3Expr] = []
        for e in es {
            if let b = e.boolValue { if !b { return f }; continue }
            keep.append(e)
        }
        if keep.isEmpty { return t }
        if keep.count == 1 { return keep[0] }
        return try ctx.and(keep)
    }

    func and(_ a: Z3Expr, _ b: Z3Expr) throws -> Z3Expr { try and([a, b]) }

    func or(_ es: [Z3Expr]) throws -> Z3Expr {
        var keep: [Z3Expr] = []
        for e in es {
            if let b = e.boolValue { if b { return t }; continue }
            keep.append(e)
        }
        if keep.isEmpty { return f }
        if keep.count == 1 { return keep[0] }
        return try ctx.or(keep)
    }

    func or(_ a: Z3Expr, _ b: Z3Expr) throws -> Z3Expr { try or([a, b]) }

    func implies(_ a: Z3Expr, _ b: Z3Expr) throws -> Z3Expr {
        if let x = a.boolValue { return x ? b : t }
        if let y = b.boolValue { return y ? t : try not(a) }
        return try ctx.implies(a, b)
    }

    func ite(_ c: Z3Expr, _ a: Z3Expr, _ b: Z3Expr) throws -> Z3Expr {
        if let x = c.boolValue { return x ? a : b }
        if a == b { return a }
        if a.sort.isBool, let x = a.boolValue, let y = b.boolValue {
            return x && !y ? c : try not(c)
        }
        return try ctx.ite(c, a, b)
    }

    func eq(_ a: Z3Expr, _ b: Z3Expr) throws -> Z3Expr {
        if a == b { return t }
        if let x = constant(a), let y = constant(b) { return bool(x == y) }
        if a.sort.isBool {
            if let x = a.boolValue { return x ? b : try not(b) }
            if let y = b.boolValue { return y ? a : try not(a) }
        }
        return try ctx.eq(a, b)
    }

    // MARK: integers

    func add(_ a: Z3Expr, _ b: Z3Expr) throws -> Z3Expr {
        if let x = a.intValue, let y = b.intValue, case (let v, false) = x.addingReportingOverflow(y) { return int(v) }
        if b.intValue == 0 { return a }
        if a.intValue == 0 { return b }
        return try ctx.add([a, b])
    }

    func sub(_ a: Z3Expr, _ b: Z3Expr) throws -> Z3Expr {
        if let x = a.intValue, let y = b.intValue, case (let v, false) = x.subtractingReportingOverflow(y) { return int(v) }
        if b.intValue == 0 { return a }
        return try ctx.sub(a, b)
    }

    func mul(_ a: Z3Expr, _ b: Z3Expr) throws -> Z3Expr {
        if let x = a.intValue, let y = b.intValue, case (let v, false) = x.multipliedReportingOverflow(by: y) { return int(v) }
        return try ctx.mul([a, b])
    }

    func sum(_ es: [Z3Expr]) throws -> Z3Expr {
        var c: Int64 = 0
        var rest: [Z3Expr] = []
        for e in es {
            if let v = e.intValue, case (let s, false) = c.addingReportingOverflow(v) { c = s } else { rest.append(e) }
        }
        if rest.isEmpty { return int(c) }
        if c != 0 { rest.append(int(c)) }
        return rest.count == 1 ? rest[0] : try ctx.add(rest)
    }

    func lt(_ a: Z3Expr, _ b: Z3Expr) throws -> Z3Expr {
        if let x = a.intValue, let y = b.intValue { return bool(x < y) }
        return try ctx.lt(a, b)
    }

    func le(_ a: Z3Expr, _ b: Z3Expr) throws -> Z3Expr {
        if let x = a.intValue, let y = b.intValue { return bool(x <= y) }
        if a == b { return t }
        return try ctx.le(a, b)
    }

    /// `lo <= a <= hi`.
    func within(_ a: Z3Expr, _ lo: Int64, _ hi: Int64) throws -> Z3Expr {
        try and(le(int(lo), a), le(a, int(hi)))
    }

    // MARK: bit vectors

    func bvAnd(_ a: Z3Expr, _ b: Z3Expr) throws -> Z3Expr {
        if let x = a.bitVectorValue, let y = b.bitVectorValue, let w = a.sort.bitVectorWidth { return try bits(x & y, w) }
        return try ctx.bvAnd(a, b)
    }

    func bvOr(_ a: Z3Expr, _ b: Z3Expr) throws -> Z3Expr {
        if let x = a.bitVectorValue, let y = b.bitVectorValue, let w = a.sort.bitVectorWidth { return try bits(x | y, w) }
        if a.bitVectorValue == 0 { return b }
        if b.bitVectorValue == 0 { return a }
        return try ctx.bvOr(a, b)
    }

    func bvNot(_ a: Z3Expr) throws -> Z3Expr {
        if let x = a.bitVectorValue, let w = a.sort.bitVectorWidth { return try bits(~x, w) }
        return try ctx.bvNot(a)
    }

    /// Bit `k` of a bit vector, as a Boolean.
    func bit(_ a: Z3Expr, _ k: Int) throws -> Z3Expr {
        if let x = a.bitVectorValue { return bool((x >> UInt64(k)) & 1 == 1) }
        return try ctx.eq(ctx.bvExtract(k, k, a), bits(1, 1))
    }

    // MARK: quantifiers over finite domains

    /// `x && y`, `x || y`, `x => y` as the explorer runs them: the right side is evaluated
    /// (`right`) only when the left does not decide, and its error counts only then.
    func shortCircuit(_ op: BinaryOp, _ x: (value: Z3Expr, error: Z3Expr),
                      _ right: () throws -> (value: Z3Expr, error: Z3Expr)) throws -> (value: Z3Expr, error: Z3Expr) {
        let decides: Z3Expr = op == .or ? x.value : try not(x.value)
        if decides.boolValue == true { return (bool(op != .and), x.error) }
        let y = try right()
        let value: Z3Expr
        switch op {
        case .and: value = try and(x.value, y.value)
        case .or: value = try or(x.value, y.value)
        default: value = try implies(x.value, y.value)
        }
        return (value, try or(x.error, and([not(x.error), not(decides), y.error])))
    }

    /// `forall`, `exists` or `count` over the members of a finite domain, each given as
    /// (membership condition, the body's value, the body's error condition), in domain
    /// order; `setError` is the error of evaluating the domain itself. The error is the
    /// native engine's: some evaluated member fails before the loop would stop (a
    /// `forall` stops at the first false body, an `exists` at the first true one, a
    /// `count` never).
    func quantify(_ q: Quantifier, _ members: [(m: Z3Expr, value: Z3Expr, error: Z3Expr)], setError: Z3Expr)
        throws -> (value: Z3Expr, error: Z3Expr) {
        var results: [Z3Expr] = []
        for b in members {
            switch q {
            case .forall: results.append(try implies(b.m, b.value))
            case .exists: results.append(try and(b.m, b.value))
            case .count: results.append(try ite(and(b.m, b.value), int(1), int(0)))
            }
        }
        var errorParts: [Z3Expr] = [setError]
        if members.contains(where: { $0.error.boolValue != false }) {
            var alive = try not(setError)
            for b in members {
                switch q {
                case .count:
                    errorParts.append(try and(b.m, b.error))
                case .forall, .exists:
                    errorParts.append(try and([alive, b.m, b.error]))
                    let goOn = q == .forall ? b.value : try not(b.value)
                    alive = try and(alive, or(not(b.m), and(not(b.error), goOn)))
                }
            }
        }
        let err = try or(errorParts)
        switch q {
        case .forall: return (try and(results), err)
        case .exists: return (try or(results), err)
        case .count: return (try sum(results), err)
        }
    }
}
