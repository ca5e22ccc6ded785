import WeaveSource
import WeaveSyntax
import WeaveIR

/// What names an expression can see.
struct Scope {
    var process: ProcessID? = nil
    var indexName: String? = nil
    var indexType: IRType? = nil
    var locals: [String: (index: Int, type: IRType)] = [:]
    /// Bound variables, innermost last.
    var bound: [(name: String, register: Int, type: IRType)] = []
    /// Next free bound register.
    var nextRegister = 0
    var defDepth = 0
    /// False in constant contexts (const, type sizes, initial values).
    var allowState = true

    static let constant = Scope(allowState: false)

    func binding(_ name: String, _ type: IRType) -> (Scope, Int) {
        var s = self
        s.bound.append((name, nextRegister, type))
        s.nextRegister += 1
        return (s, nextRegister)
    }
}

extension Elaborator {
    /// Records the highest bound register used.
    func noteRegisters(_ n: Int) { maxRegisters = max(maxRegisters, n) }

    func isSet(_ t: IRType) -> Bool { if case .set = t { return true }; return false }
    func isInt(_ t: IRType) -> Bool { if case .range = t { return true }; return false }

    /// Types an expression. Returns nil after reporting an error.
    func expr(_ e: AExpr, _ s: Scope, expected: IRType?) -> IExpr? {
        switch e.kind {
        case .integer(let v):
            return IExpr(.literal(v), intType, e.range)
        case .boolean(let b):
            return IExpr(.literal(b ? 1 : 0), .bool, e.range)
        case .selfIndex:
            guard let t = s.indexType else {
                diags.report(.selfOutsideIndexedProcess, at: e.range)
                return nil
            }
            return IExpr(.selfIndex, t, e.range)
        case .name(let n):
            return name(n, e.range, s, expected: expected)
        case .negate(let a):
            guard let x = expr(a, s, expected: intType) else { return nil }
            guard isInt(x.type) else { return typeError(SemaDiagnostic.negationNeedsInteger, x, e.range) }
            return fold(.unary(.negate, x), intType, e.range)
        case .not(let a):
            guard let x = expr(a, s, expected: .bool) else { return nil }
            guard x.type == .bool else { return typeError(SemaDiagnostic.notNeedsBool, x, e.range) }
            return fold(.unary(.not, x), .bool, e.range)
        case .binary(let op, let a, let b):
            return binary(op, a, b, e.range, s)
        case .conditional(let c, let a, let b):
            guard let cx = expr(c, s, expected: .bool) else { return nil }
            guard cx.type == .bool else { return typeError(SemaDiagnostic.conditionNotBool, cx, c.range) }
            let m0 = foldLog?.count ?? 0
            guard let ax = expr(a, s, expected: expected) else { return nil }
            let m1 = foldLog?.count ?? 0
            guard let bx = expr(b, s, expected: ax.type) else { return nil }
            guard compatible(ax.type, bx.type) || compatible(bx.type, ax.type) else {
                diags.report(.branchTypesDiffer(ax.type.description, bx.type.description), at: e.range)
                return nil
            }
            let t = isInt(ax.type) ? intType : ax.type
            if case .literal(let cv) = cx.op {
                foldLog?.drop(cv != 0 ? m1..<(foldLog?.count ?? m1) : m0..<m1)
                return cv != 0 ? ax : bx
            }
            return IExpr(.conditional(cx, ax, bx), t, e.range)
        case .setLiteral(let items):
            var et: IRType? = nil
            if case .set(let x)? = expected { et = x }
            if et == nil {
                // A set of integer constants, `{0, 1}` (as in `choose x in {0, 1}`): its
                // element type is the smallest range that holds them all.
                // Probed quietly: the real pass below reports any error once.
                let saved = diags
                defer { diags = saved }
                // The first item with a type of its own (`{0, x}` with x: 0..9) gives the set's.
                var consts: [Int64] = []
                var allConstant = true
                for it in items {
                    guard let x = expr(it, s, expected: nil) else { allConstant = false; break }
                    if x.type.isScalar && x.type != intType { et = x.type; break }
                    if x.type == intType, case .literal(let v) = x.op { consts.append(v) } else { allConstant = false }
                }
                if et == nil, allConstant, let lo = consts.min(), let hi = consts.max(), hi >= lo, hi &- lo < 64 {
                    et = .range(lo: lo, hi: hi)
                }
            }
            var xs: [IExpr] = []
            for it in items {
                guard let x = expr(it, s, expected: et) else { return nil }
                if et == nil {
                    guard x.type.isScalar, x.type != intType else {
                        diags.report(.setElementTypeUnknown, at: e.range)
                        return nil
                    }
                    et = x.type
                }
                guard let et, compatible(x.type, et) else {
                    diags.report(.setElementWrongType(element: x.type.description, set: et?.description ?? "?"), at: it.range)
                    return nil
                }
                if case .literal(let v) = x.op, !et.contains(v) {
                    diags.report(.notAValue(value: v, type: et.description), at: it.range)
                    return nil
                }
                xs.append(x)
            }
            guard let elem = et else {
                diags.report(.emptySetTypeUnknown, at: e.range)
                return nil
            }
            guard elem.cardinality <= 64 else {
                diags.report(.setElementTypeTooLarge, at: e.range)
                return nil
            }
            return fold(.setOf(xs, element: elem), .set(element: elem), e.range)
        case .member(let base, let field):
            // `Color.red`: an enum value named through its type.
            if case .name(let tn) = base.kind, case .type(let ty, _)? = symbols[tn] {
                guard case .enumeration(_, let ms) = ty, let i = ms.firstIndex(of: field.name) else {
                    diags.report(.noSuchEnumValue(type: tn, value: field.name), at: field.range)
                    return nil
                }
                return IExpr(.literal(Int64(i)), ty, e.range)
            }
            guard s.allowState else { return stateInConstant(e.range) }
            guard let pl = place(e, s) else { return nil }
            return readPlace(pl, e.range)
        case .index:
            guard s.allowState else { return stateInConstant(e.range) }
            guard let pl = place(e, s) else { return nil }
            return readPlace(pl, e.range)
        case .call(let fn, let args):
            return call(fn, args, e.range, s, expected: expected)
        case .quantifier(let q, let v, let domain, let body):
            guard let dom = irDomain(domain, s) else { return nil }
            let (inner, reg) = s.binding(v.name, dom.elementType)
            noteRegisters(inner.nextRegister)
            guard let bx = expr(body, inner, expected: .bool) else { return nil }
            guard bx.type == .bool else { return typeError(SemaDiagnostic.quantifierBodyNotBool, bx, body.range) }
            return IExpr(.quantifier(Quantifier(rawValue: q.rawValue) ?? .forall, bound: reg, dom, bx),
                         q == .count ? intType : .bool, e.range)
        case .at(let p, let label):
            guard s.allowState else { return stateInConstant(e.range) }
            guard let (pid, inst) = processInstance(p, s) else { return nil }
            let names = labelNames[pid.index]
            let lid: LabelID
            if label.name == "done" { lid = LabelID(names.count) }
            else if let k = names.firstIndex(of: label.name) { lid = LabelID(k) }
            else {
                diags.report(.unknownProcessLabel(process: processDecls[pid.index].name.name, label: label.name,
                                                 suggestion: Spelling.suggestion(for: label.name, among: names)), at: label.range)
                return nil
            }
            return IExpr(.at(pid, instance: inst, label: lid), .bool, e.range)
        case .recordLiteral:
            diags.report(.recordLiteralMisplaced, at: e.range)
            return nil
        case .listLiteral:
            diags.report(.listNotAssignable, at: e.range)
            return nil
        case .any:
            diags.report(.anyOutsideInitialValue, at: e.range)
            return nil
        case .eventually, .always:
            diags.report(.temporalOutsideLiveness, at: e.range)
            return nil
        }
    }

    /// Reports `kind` (made from the type `x` has) at `r`; returns nil.
    func typeError(_ kind: (String) -> SemaDiagnostic, _ x: IExpr, _ r: SourceRange) -> IExpr? {
        diags.report(kind(x.type.description), at: r)
        return nil
    }

    func stateInConstant(_ r: SourceRange) -> IExpr? {
        diags.report(.stateInConstant, at: r)
        return nil
    }

    func name(_ n: String, _ r: SourceRange, _ s: Scope, expected: IRType? = nil) -> IExpr? {
        if let b = s.bound.last(where: { $0.name == n }) { return IExpr(.bound(b.register), b.type, r) }
        if let iname = s.indexName, iname == n, let t = s.indexType { return IExpr(.selfIndex, t, r) }
        if let (rt, _) = recordTypeOf(AExpr(kind: .name(n), range: r), s) { return recordNotAValue(rt, r) }
        if let l = s.locals[n], let pid = s.process {
            guard s.allowState else { return stateInConstant(r) }
            return readPlace(Place(root: .local(pid, instance: nil, index: l.index), path: [], type: l.type), r)
        }
        switch symbols[n] {
        case .constant(let v, _): return IExpr(.literal(v), intType, r)
        case .param(let t, let v, _): return IExpr(.literal(v), t, r)
        case .enumMember(let t, let v, _):
            guard let all = enumMembers[n], all.count > 1 else { return IExpr(.literal(v), t, r) }
            if let exp = expected, let hit = all.first(where: { $0.0 == exp }) { return IExpr(.literal(hit.1), hit.0, r) }
            let types = all.map { $0.0.description }
            diags.report(.ambiguousEnumValue(name: n, types: types), at: r)
            return nil
        case .record:
            diags.report(.recordTypeNotAValue(name: n), at: r)
            return nil
        case .recordVariable(let rv, _):
            return recordNotAValue(rv.record, r)
        case .global(let g, _):
            guard s.allowState else { return stateInConstant(r) }
            usedGlobals.insert(g.index)
            return readPlace(Place(root: .global(g), path: [], type: globals[g.index].type), r)
        case .def(let params, let body, _):
            guard params.isEmpty else {
                diags.report(.defNeedsArguments(name: n, count: params.count), at: r)
                return nil
            }
            return expandDef(n, params, body, [], r, s)
        case .type:
            diags.report(.typeNotAValue(name: n), at: r)
            return nil
        case .macro:
            diags.report(.macroNotAValue(name: n), at: r)
            return nil
        case .process:
            diags.report(.processNotAValue(name: n), at: r)
            return nil
        case .none:
            var cands = Array(symbols.keys) + Array(s.locals.keys) + s.bound.map(\.name)
            if let i = s.indexName { cands.append(i) }
            if let why = absentProcesses[n] {
                diags.report(.processAbsent(name: n, reason: why), at: r)
                return nil
            }
            if poisoned.contains(n) { return nil }
            diags.report(.unknownName(name: n, suggestion: Spelling.suggestion(for: n, among: cands)), at: r)
            return nil
        }
    }

    /// Reading a place gives a scalar or set value; aggregates are not values.
    func readPlace(_ pl: Place, _ r: SourceRange) -> IExpr? {
        switch pl.type {
        case .bool, .range, .enumeration, .set: return IExpr(.read(pl), pl.type, r)
        default:
            diags.report(.queueNotAValue(type: pl.type.description), at: r)
            return nil
        }
    }

    func expandDef(_ n: String, _ params: [Ident], _ body: AExpr, _ args: [AExpr], _ r: SourceRange, _ s: Scope) -> IExpr? {
        guard s.defDepth < 32 else {
            diags.report(.defTooDeep(name: n), at: r)
            return nil
        }
        guard countExpansion("def '\(n)'", at: r) else { return nil }
        var map: [String: AExpr] = [:]
        for (p, a) in zip(params, args) { map[p.name] = a }
        var inner = s
        inner.defDepth += 1
        return expr(Substitution(map).expr(body), inner, expected: nil)
    }

    func irDomain(_ d: Domain, _ s: Scope) -> IRDomain? {
        switch d {
        case .type(let t):
            guard let ty = resolveType(t) else { return nil }
            guard ty.isScalar, ty.cardinality <= 1 << 16 else {
                diags.report(.rangeOverNonScalar(type: ty.description), at: t.range)
                return nil
            }
            return .type(ty)
        case .set(let e):
            if let t = domainOf(e) { return t }
            guard let x = expr(e, s, expected: nil) else { return nil }
            guard case .set(let el) = x.type else {
                if isInt(x.type) {
                    diags.report(.inIntegerNotDomain, at: e.range)
                } else {
                    diags.report(.inNotDomain(type: x.type.description), at: e.range)
                }
                return nil
            }
            return .set(x, element: el)
        case .subsets(let base):
            diags.report(.subsetOutsideChoose, at: base.range)
            return nil
        }
    }

    /// The most elements a `choose s: subset S` may range over (2^16 subsets in one step).
    static let maxSubsetElements: Int64 = 16

    /// The base of `choose s: subset S`: a set expression or a finite scalar type whose
    /// element type has at most `maxSubsetElements` values.
    func subsetDomain(_ d: Domain, _ s: Scope) -> IRDomain? {
        guard let dom = irDomain(d, s) else { return nil }
        let n = dom.elementType.cardinality
        guard n <= Elaborator.maxSubsetElements else {
            diags.report(.subsetTooLarge(type: dom.elementType.description, elements: n, limit: Elaborator.maxSubsetElements), at: d.range)
            return nil
        }
        return dom
    }

    /// Resolves `p(i)` or `p` to a process and an instance index expression.
    func processInstance(_ e: AExpr, _ s: Scope) -> (ProcessID, IExpr?)? {
        switch e.kind {
        case .name(let n):
            guard case .process(let pid, _) = symbols[n] else {
                if let why = absentProcesses[n] { diags.report(.processAbsent(name: n, reason: why), at: e.range); return nil }
                diags.report(.notAProcess(name: n), at: e.range)
                return nil
            }
            if processDecls[pid.index].index != nil {
                diags.report(.processNeedsIndex(name: n), at: e.range)
                return nil
            }
            return (pid, nil)
        case .call(let n, let args):
            guard case .process(let pid, _) = symbols[n.name] else {
                if let why = absentProcesses[n.name] { diags.report(.processAbsent(name: n.name, reason: why), at: n.range); return nil }
                diags.report(.notAProcess(name: n.name), at: n.range)
                return nil
            }
            guard let it = processIndexTypes[pid.index] else {
                diags.report(.processNotIndexed(name: n.name), at: e.range)
                return nil
            }
            guard args.count == 1 else {
                diags.report(.processTakesOneIndex, at: e.range)
                return nil
            }
            guard let ix = expr(args[0], s, expected: it) else { return nil }
            guard compatible(ix.type, it) else {
                diags.report(.processIndexWrongType(process: n.name, expected: it.description, found: ix.type.description), at: args[0].range)
                return nil
            }
            if case .literal(let v) = ix.op, !it.contains(v) {
                diags.report(.notAnIndex(value: v, process: n.name, type: it.description), at: args[0].range)
                return nil
            }
            return (pid, ix)
        default:
            diags.report(.expectedProcessInstance, at: e.range)
            return nil
        }
    }

    /// Resolves an assignable location.
    func place(_ e: AExpr, _ s: Scope) -> Place? {
        switch recordPlace(e, s) {
        case .notRecord: break
        case .failed: return nil
        case .leaf(let pl): return pl
        case .ref(let ref):
            _ = recordNotAValue(ref.record, e.range)
            return nil
        }
        switch e.kind {
        case .name(let n):
            if let l = s.locals[n], let pid = s.process {
                return Place(root: .local(pid, instance: nil, index: l.index), path: [], type: l.type)
            }
            if case .global(let g, _) = symbols[n] {
                usedGlobals.insert(g.index)
                return Place(root: .global(g), path: [], type: globals[g.index].type)
            }
            if s.bound.contains(where: { $0.name == n }) || s.indexName == n {
                diags.report(.assignToBound(name: n), at: e.range)
                return nil
            }
            if let sym = symbols[n] {
                diags.report(.notAVariable(name: n, kind: sym.kindName), at: e.range)
                return nil
            }
            if poisoned.contains(n) { return nil }
            let cands = Array(symbols.keys) + Array(s.locals.keys)
            diags.report(.unknownVariable(name: n, suggestion: Spelling.suggestion(for: n, among: cands)), at: e.range)
            return nil
        case .index(let base, let i):
            guard let bp = place(base, s) else { return nil }
            guard case .array(let it, let et) = bp.type else {
                diags.report(.indexNonArray(type: bp.type.description), at: base.range)
                return nil
            }
            guard let ix = expr(i, s, expected: it) else { return nil }
            guard compatible(ix.type, it) else {
                diags.report(.indexWrongType(expected: it.description, found: ix.type.description), at: i.range)
                return nil
            }
            if case .literal(let v) = ix.op, !it.contains(v) {
                diags.report(.indexOutOfRange(index: it.format(v), type: bp.type.description), at: i.range)
                return nil
            }
            return Place(root: bp.root, path: bp.path + [ix], type: et)
        case .member(let base, let m):
            guard let (pid, inst) = processInstance(base, s) else { return nil }
            let decl = processDecls[pid.index]
            guard pid.index < localNames.count, let li = localNames[pid.index].firstIndex(of: m.name),
                  let lt = localTypes[pid.index][li] else {
                diags.report(.unknownLocal(process: decl.name.name, name: m.name,
                                           suggestion: Spelling.suggestion(for: m.name, among: decl.locals.map(\.name.name))), at: m.range)
                return nil
            }
            // Inside the process itself, p(self).x is just x.
            return Place(root: .local(pid, instance: inst, index: li), path: [], type: lt)
        default:
            diags.report(.expectedPlace, at: e.range)
            return nil
        }
    }

    func queuePlace(_ e: AExpr, _ s: Scope, _ fn: String) -> Place? {
        guard let pl = place(e, s) else { return nil }
        guard case .queue = pl.type else {
            diags.report(.needsQueue(function: fn, type: pl.type.description), at: e.range)
            return nil
        }
        return pl
    }

    func call(_ fn: Ident, _ args: [AExpr], _ r: SourceRange, _ s: Scope, expected: IRType?) -> IExpr? {
        func arity(_ n: Int) -> Bool {
            if args.count == n { return true }
            diags.report(.builtinArgumentCount(name: fn.name, expected: n, found: args.count), at: r)
            return false
        }
        switch fn.name {
        case "len", "empty", "full", "head":
            guard s.allowState else { return stateInConstant(r) }
            guard arity(1), let q = queuePlace(args[0], s, fn.name) else { return nil }
            guard case .queue(let et, let cap, _) = q.type else { return nil }
            let len = IExpr(.length(q), .range(lo: 0, hi: Int64(cap)), r)
            switch fn.name {
            case "len": return len
            case "empty": return IExpr(.binary(.eq, len, IExpr(.literal(0), intType, r)), .bool, r)
            case "full": return IExpr(.binary(.eq, len, IExpr(.literal(Int64(cap)), intType, r)), .bool, r)
            default: return IExpr(.head(q), et, r)
            }
        case "size":
            guard arity(1), let x = expr(args[0], s, expected: nil) else { return nil }
            guard isSet(x.type) else { return typeError(SemaDiagnostic.sizeNeedsSet, x, args[0].range) }
            return fold(.unary(.size, x), intType, r)
        case "push", "pop":
            diags.report(.statementInExpression(name: fn.name), at: r)
            return nil
        default: break
        }
        switch symbols[fn.name] {
        case .def(let params, let body, _):
            guard params.count == args.count else {
                diags.report(.defArgumentCount(name: fn.name, expected: params.count, found: args.count), at: r)
                return nil
            }
            return expandDef(fn.name, params, body, args, r, s)
        case .process:
            diags.report(.processCallNotAValue(name: fn.name), at: r)
            return nil
        case .macro:
            diags.report(.macroInExpression(name: fn.name), at: r)
            return nil
        default:
            let cands = ["len", "empty", "full", "head", "size"] + symbols.compactMap { k, v -> String? in
                if case .def = v { return k }; return nil }
            diags.report(.unknownFunction(name: fn.name, suggestion: Spelling.suggestion(for: fn.name, among: cands)), at: fn.range)
            return nil
        }
    }

    func binary(_ op: WeaveSyntax.BinaryOp, _ a: AExpr, _ b: AExpr, _ r: SourceRange, _ s: Scope) -> IExpr? {
        switch op {
        case .leadsto:
            diags.report(.leadstoOutsideLiveness, at: r)
            return nil
        case .and, .or, .implies:
            guard let x = expr(a, s, expected: .bool) else { return nil }
            // A constant left side that decides alone (`design == d => at(rescuer, workfn)` in
            // another design) leaves the right side out: it may name what this setting lacks
            // (a process that is absent here). weave ci elaborates every setting, so the right
            // side is still checked where it matters.
            if x.type == .bool, case .literal(let v) = x.op, (op == .or) == (v != 0) {
                return IExpr(.literal(op == .implies ? 1 : v), .bool, r)
            }
            let m0 = foldLog?.count ?? 0
            guard let y = expr(b, s, expected: .bool) else { return nil }
            guard x.type == .bool else { return typeError({ .logicNeedsBools(op: op.rawValue, found: $0) }, x, a.range) }
            guard y.type == .bool else { return typeError({ .logicNeedsBools(op: op.rawValue, found: $0) }, y, b.range) }
            let irop: WeaveIR.BinaryOp = op == .and ? .and : op == .or ? .or : .implies
            // A constant left side that decides alone leaves the right side out of the model.
            if case .literal(let v) = x.op, (irop == .or) == (v != 0) { foldLog?.drop(m0..<(foldLog?.count ?? m0)) }
            return fold(.binary(irop, x, y), .bool, r)
        case .member:
            guard let x = expr(a, s, expected: nil) else { return nil }
            if let d = domainOf(b), case .type(let t) = d {
                guard compatible(x.type, t) || (isInt(x.type) && isInt(t)) else {
                    return typeError({ .inTypeNeedsValue(type: t.description, found: $0) }, x, a.range)
                }
                // x in T: within T's bounds.
                let lo = IExpr(.literal(t.lowerBound), intType, r), hi = IExpr(.literal(t.upperBound), intType, r)
                let ge = fold(.binary(.ge, x, lo), .bool, r), le = fold(.binary(.le, x, hi), .bool, r)
                return fold(.binary(.and, ge, le), .bool, r)
            }
            if let agg = aggregateType(b, s) {
                return elementOf(x, a, b, agg, r, s)
            }
            let expectedSet: IRType? = x.type.isScalar && x.type != intType ? .set(element: x.type) : nil
            guard let y = expr(b, s, expected: expectedSet) else { return nil }
            guard case .set(let el) = y.type else { return typeError(SemaDiagnostic.inNeedsSet, y, b.range) }
            guard compatible(x.type, el) || (isInt(x.type) && isInt(el)) else {
                diags.report(.notAMember(element: x.type.description, set: y.type.description), at: r)
                return nil
            }
            return fold(.binary(.member, x, y), .bool, r)
        default: break
        }
        if op == .eq || op == .ne, let result = recordComparison(op, a, b, r, s) { return result }
        // Type the side that is not a bare set literal first, so `{a, b}` learns its element type.
        let aIsLit: Bool = {
            if case .setLiteral = a.kind { return true }
            // A value name that several enums share learns its type from the other side.
            if case .name(let n) = a.kind, (enumMembers[n]?.count ?? 0) > 1, s.bound.allSatisfy({ $0.name != n }) { return true }
            return false
        }()
        let x: IExpr, y: IExpr
        if aIsLit {
            guard let yy = expr(b, s, expected: nil), let xx = expr(a, s, expected: yy.type) else { return nil }
            x = xx; y = yy
        } else {
            guard let xx = expr(a, s, expected: nil), let yy = expr(b, s, expected: xx.type) else { return nil }
            x = xx; y = yy
        }
        let bothInt = isInt(x.type) && isInt(y.type)
        let bothSet = isSet(x.type) && isSet(y.type)
        switch op {
        case .add, .sub, .mul:
            if bothSet {
                guard compatible(x.type, y.type) else {
                    diags.report(.setTypesDiffer(x.type.description, y.type.description), at: r)
                    return nil
                }
                let sop: WeaveIR.BinaryOp = op == .add ? .union : op == .sub ? .difference : .intersect
                return fold(.binary(sop, x, y), x.type, r)
            }
            fallthrough
        case .div, .mod:
            guard bothInt else {
                diags.report(.arithmeticNeedsIntegers(op: op.rawValue, orSets: op == .add || op == .sub || op == .mul,
                                                      left: x.type.description, right: y.type.description), at: r)
                return nil
            }
            let iop: WeaveIR.BinaryOp = [.add: .add, .sub: .sub, .mul: .mul, .div: .div, .mod: .mod][op] ?? .add
            return fold(.binary(iop, x, y), intType, r)
        case .eq, .ne:
            guard compatible(x.type, y.type) || compatible(y.type, x.type) else {
                diags.report(.cannotCompare(x.type.description, y.type.description), at: r)
                return nil
            }
            return fold(.binary(op == .eq ? .eq : .ne, x, y), .bool, r)
        case .lt, .le, .gt, .ge:
            if bothSet && op == .le {
                guard compatible(x.type, y.type) else {
                    diags.report(.cannotCompare(x.type.description, y.type.description), at: r)
                    return nil
                }
                return fold(.binary(.subset, x, y), .bool, r)
            }
            guard bothInt else {
                diags.report(.orderNeedsIntegers(op: op.rawValue, left: x.type.description, right: y.type.description), at: r)
                return nil
            }
            let iop: WeaveIR.BinaryOp = [.lt: .lt, .le: .le, .gt: .gt, .ge: .ge][op] ?? .lt
            return fold(.binary(iop, x, y), .bool, r)
        default:
            return nil
        }
    }

    /// The type of `e` if it names a queue, stack or array (a variable, an array element
    /// or a process's local), without reporting anything: `x in e` then tests membership
    /// in its elements rather than in a set.
    func aggregateType(_ e: AExpr, _ s: Scope) -> IRType? {
        let t: IRType?
        if let rt = recordAggregateType(e, s) { return rt }
        switch e.kind {
        case .name(let n):
            if s.bound.contains(where: { $0.name == n }) || s.indexName == n { return nil }
            if let l = s.locals[n], s.process != nil {
                t = l.type
            } else if case .global(let g, _) = symbols[n] {
                t = globals[g.index].type
            } else {
                return nil
            }
        case .index(let base, _):
            guard case .array(_, let et)? = aggregateType(base, s) else { return nil }
            t = et
        case .member(let base, let m):
            let pn: String
            switch base.kind {
            case .name(let n): pn = n
            case .call(let f, _): pn = f.name
            default: return nil
            }
            guard case .process(let pid, _) = symbols[pn],
                  pid.index < localNames.count, let li = localNames[pid.index].firstIndex(of: m.name) else { return nil }
            t = localTypes[pid.index][li]
        default:
            return nil
        }
        switch t {
        case .queue?, .array?: return t
        default: return nil
        }
    }

    /// `x in q` for a queue or stack `q` (its current elements) or an array of scalars.
    func elementOf(_ x: IExpr, _ a: AExpr, _ b: AExpr, _ agg: IRType, _ r: SourceRange, _ s: Scope) -> IExpr? {
        guard s.allowState else { return stateInConstant(b.range) }
        let el: IRType
        switch agg {
        case .queue(let e, _, _): el = e
        case .array(_, let e):
            guard e.isScalar else {
                diags.report(.inArrayOfNonScalars(element: e.description), at: b.range)
                return nil
            }
            el = e
        default: return nil
        }
        guard x.type.isScalar else { return typeError(SemaDiagnostic.inNeedsScalar, x, a.range) }
        guard compatible(x.type, el) || (isInt(x.type) && isInt(el)) else {
            diags.report(.notAnElement(element: x.type.description, aggregate: agg.description), at: r)
            return nil
        }
        guard let pl = place(b, s) else { return nil }
        return IExpr(.elementOf(x, pl), .bool, r)
    }
}
