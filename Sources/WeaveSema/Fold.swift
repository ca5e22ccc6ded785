import WeaveSource
import WeaveSyntax
import WeaveIR

extension Elaborator {
    /// Builds an expression, computing it now when every operand is a literal
    /// (params are literals, so `design == fput_sync` folds away). Anything that
    /// could fail at run time (overflow, division by zero) is left for the engines.
    func fold(_ op: IExpr.Op, _ type: IRType, _ r: SourceRange) -> IExpr {
        func lit(_ v: Int64) -> IExpr { IExpr(.literal(v), type, r) }
        /// Records a fold for `foldLog` (weave prove --symbolic).
        func note(_ o: FoldRecord.Op, _ xs: [Int64], _ t: IRType) {
            foldLog?.append(FoldRecord(op: o, operands: xs, setOperands: isSet(t), range: r))
        }
        switch op {
        case .unary(let u, let a):
            guard case .literal(let x) = a.op else { break }
            switch u {
            case .not: note(.unary(u), [x], a.type); return lit(x == 0 ? 1 : 0)
            case .negate: if x != Int64.min { note(.unary(u), [x], a.type); return lit(-x) }
            case .size: note(.unary(u), [x], a.type); return lit(Int64(UInt64(bitPattern: x).nonzeroBitCount))
            }
        case .binary(let b, let a, let c):
            // Short-circuit folds with one literal side.
            if case .literal(let x) = a.op {
                if b == .and { note(.shortCircuit(b), [x], a.type); return x == 0 ? lit(0) : c }
                if b == .or { note(.shortCircuit(b), [x], a.type); return x != 0 ? lit(1) : c }
                if b == .implies && x == 0 { note(.shortCircuit(b), [x], a.type); return lit(1) }
            }
            guard case .literal(let x) = a.op, case .literal(let y) = c.op else { break }
            if let v = Semantics.binary(b, x, y, elementLowerBound: setLowerBound(c.type)) {
                note(.binary(b), [x, y], isSet(a.type) ? a.type : c.type)
                return lit(v)
            }
        case .setOf(let items, let el):
            var mask: UInt64 = 0
            for it in items {
                guard case .literal(let v) = it.op else { return IExpr(op, type, r) }
                mask |= 1 << UInt64(v &- el.lowerBound)
            }
            return lit(Int64(bitPattern: mask))
        default: break
        }
        return IExpr(op, type, r)
    }

    func setLowerBound(_ t: IRType) -> Int64 {
        if case .set(let e) = t { return e.lowerBound }
        return 0
    }
}

/// Replaces names by expressions (macro and def parameters).
struct Substitution {
    let map: [String: AExpr]
    /// Label renaming for macro bodies: `inner` becomes `outer.inner`.
    var labelPrefix: String? = nil
    var macroLabels: Set<String> = []

    init(_ map: [String: AExpr]) { self.map = map }

    func expr(_ e: AExpr) -> AExpr {
        func k(_ kind: AExpr.Kind) -> AExpr { AExpr(kind: kind, range: e.range) }
        switch e.kind {
        case .name(let n):
            if let r = map[n] { return r }
            return e
        case .integer, .boolean, .selfIndex, .any: return e
        case .negate(let a): return k(.negate(expr(a)))
        case .not(let a): return k(.not(expr(a)))
        case .binary(let op, let a, let b): return k(.binary(op, expr(a), expr(b)))
        case .index(let a, let i): return k(.index(expr(a), expr(i)))
        case .member(let a, let m): return k(.member(expr(a), m))
        case .call(let f, let args):
            // A macro parameter used as a function name is not substituted.
            return k(.call(f, args.map(expr)))
        case .setLiteral(let xs): return k(.setLiteral(xs.map(expr)))
        case .listLiteral(let xs): return k(.listLiteral(xs.map(expr)))
        case .recordLiteral(let fs): return k(.recordLiteral(fs.map { ($0.name, expr($0.value)) }))
        case .conditional(let c, let a, let b): return k(.conditional(expr(c), expr(a), expr(b)))
        case .quantifier(let q, let v, let d, let body):
            var inner = self
            var m = map
            m[v.name] = nil
            inner = Substitution(m, prefix: labelPrefix, labels: macroLabels)
            return k(.quantifier(q, v, domain(d), inner.expr(body)))
        case .at(let p, let l): return k(.at(expr(p), l))
        case .eventually(let a): return k(.eventually(expr(a)))
        case .always(let a): return k(.always(expr(a)))
        }
    }

    init(_ map: [String: AExpr], prefix: String?, labels: Set<String>) {
        self.map = map
        self.labelPrefix = prefix
        self.macroLabels = labels
    }

    func domain(_ d: Domain) -> Domain {
        switch d {
        case .type: return d
        case .set(let e): return .set(expr(e))
        case .subsets(let base): return .subsets(domain(base))
        }
    }

    func label(_ l: Ident) -> Ident {
        guard let p = labelPrefix, macroLabels.contains(l.name) else { return l }
        return Ident("\(p).\(l.name)", l.range)
    }

    func stmts(_ ss: [Stmt]) -> [Stmt] { ss.map(stmt) }

    func stmt(_ s: Stmt) -> Stmt {
        var out: Stmt
        switch s.kind {
        case .assign(let a, let b): out = Stmt(kind: .assign(expr(a), expr(b)), range: s.range)
        case .call(let f, let args): out = Stmt(kind: .call(f, args.map(expr)), range: s.range)
        case .await(let e): out = Stmt(kind: .await(expr(e)), range: s.range)
        case .assert(let e, let m): out = Stmt(kind: .assert(expr(e), m), range: s.range)
        case .conditional(let arms, let els):
            out = Stmt(kind: .conditional(arms.map { (expr($0.0), stmts($0.1)) }, els.map(stmts)), range: s.range)
        case .loop(let c, let body): out = Stmt(kind: .loop(expr(c), stmts(body)), range: s.range)
        case .either(let bs): out = Stmt(kind: .either(bs.map(stmts)), range: s.range)
        case .choose(let v, let d, let body):
            var m = map
            m[v.name] = nil
            let inner = Substitution(m, prefix: labelPrefix, labels: macroLabels)
            out = Stmt(kind: .choose(v, domain(d), inner.stmts(body)), range: s.range)
        case .goto(let l): out = Stmt(kind: .goto(label(l)), range: s.range)
        case .done, .skip: out = s
        }
        if let l = s.label { out.label = Label(name: label(l.name), isEnd: l.isEnd) }
        return out
    }
}
