import WeaveSource
import WeaveSyntax
import WeaveIR

// Records: `type File = record { refs: 0..3, state: FileState }`.
//
// A record is lowered here, in the front end: a variable of a record type becomes one
// variable per field, named `f.refs` (a process's local: `worker.f.refs` in traces), and
// an array of records one array per field (`file.refs[1]`). So the IR has no records, and
// the explorer, the prover, symmetry, checkpoints and every report handle them unchanged.
// A field may itself be a record (or an array of records): its fields are named
// `f.inner.x`. Field access, `==`/`!=` (field by field) and whole-record assignment (field
// by field, ordered so every index and value reads old values; refused for a cycle) are
// resolved here.

/// A record type.
final class RecordType {
    let name: String
    let fields: [RecordField]

    init(name: String, fields: [RecordField]) { self.name = name; self.fields = fields }

    /// Every scalar-or-aggregate leaf, depth first: its path (`inner.x`), the array
    /// dimensions of the records along the path, its type and value names.
    var leaves: [(path: String, dims: [IRType], type: IRType, valueNames: ValueNames?)] {
        var out: [(path: String, dims: [IRType], type: IRType, valueNames: ValueNames?)] = []
        for f in fields {
            switch f.kind {
            case .plain(let t, let vn): out.append((f.name, [], t, vn))
            case .record(let inner, let dims):
                for l in inner.leaves { out.append((f.name + "." + l.path, dims + l.dims, l.type, l.valueNames)) }
            }
        }
        return out
    }

    var fieldNames: [String] { fields.map(\.name) }
}

/// One field of a record type.
struct RecordField {
    enum Kind {
        case plain(IRType, ValueNames?)
        /// A record, or an array (of arrays ...) of records indexed by `dims`.
        case record(RecordType, dims: [IRType])
    }
    let name: String
    let range: SourceRange
    let kind: Kind
}

/// A variable of a record type (or an array of records), lowered to one variable per leaf.
struct RecordVar {
    let name: String
    let record: RecordType
    let dims: [IRType]
}

/// How far an expression resolves as (part of) a record.
enum RecordResolution {
    /// Not about records: the ordinary rules apply.
    case notRecord
    /// An error has been reported.
    case failed
    /// A field that is not a record: a place of the lowered variable.
    case leaf(Place)
    /// A record value (a record variable, an element of an array of records, a record field).
    case ref(RecordRef)
}

/// A record-valued place: the prefix of its lowered variables' names, the indices applied
/// so far and the dimensions still to index.
struct RecordRef {
    enum Base { case global, local(ProcessID, instance: IExpr?) }
    let base: Base
    let prefix: String
    var indices: [IExpr]
    var dims: [IRType]
    let record: RecordType
}

private func wrap(_ dims: [IRType], _ t: IRType) -> IRType {
    dims.reversed().reduce(t) { .array(index: $1, element: $0) }
}

extension Elaborator {
    // MARK: declarations

    /// `type NAME = record { FIELD: TYPE, ... }`.
    func declareRecord(_ name: Ident, _ fields: [(name: Ident, type: TypeExpr)]) {
        var out: [RecordField] = []
        var seen: [String: SourceRange] = [:]
        var ok = true
        for (f, te) in fields {
            if let prev = seen[f.name] {
                diags.report(.fieldDeclaredTwice(field: f.name, record: name.name, first: prev.description), at: f.range)
                ok = false
                continue
            }
            seen[f.name] = f.range
            switch recordShape(te) {
            case .some(.some(let (rt, dims))):
                out.append(RecordField(name: f.name, range: f.range, kind: .record(rt, dims: dims)))
            case .some(.none):
                ok = false
            case .none:
                guard let ty = resolveType(te) else { ok = false; continue }
                out.append(RecordField(name: f.name, range: f.range, kind: .plain(ty, valueNames(for: te))))
            }
        }
        guard ok else {
            poisoned.insert(name.name)
            return
        }
        declare(name, .record(RecordType(name: name.name, fields: out), name.range))
    }

    /// A record type, or an array (of arrays ...) of one: the record and the index types,
    /// outermost first. nil when `t` is not about records; `.some(nil)` after an error.
    func recordShape(_ t: TypeExpr) -> (RecordType, [IRType])?? {
        switch t.kind {
        case .named(let n):
            if case .record(let rt, _)? = symbols[n] { return .some((rt, [])) }
            // A record type whose declaration failed: reported there, no error of its own here.
            if symbols[n] == nil, poisoned.contains(n) { return .some(nil) }
            return nil
        case .array(let i, let e):
            guard let inner = recordShape(e) else { return nil }
            guard let (rt, dims) = inner, let it = resolveType(i) else { return .some(nil) }
            guard it.isScalar, it.cardinality <= 1 << 20 else {
                diags.report(.arrayIndexNotScalar(type: it.description), at: i.range)
                return .some(nil)
            }
            return .some((rt, [it] + dims))
        default:
            return nil
        }
    }

    /// The error for a record type where only scalar, set, queue and array types go.
    func recordTypeMisplaced(_ rt: RecordType, at r: SourceRange) {
        diags.report(.recordTypeMisplaced(record: rt.name), at: r)
    }

    /// A variable declared with a record type (or an array of records) as one variable per
    /// field. nil when its type is not a record; `.some(nil)` after an error.
    func recordVariable(_ v: VarDecl, scope: Scope) -> (RecordVar, [Variable])?? {
        guard let shape = recordShape(v.type) else { return nil }
        guard let (rt, dims) = shape else { return .some(nil) }
        let leaves = rt.leaves
        var initial: [[[Int64]]] = []
        switch v.initializer {
        case .any(let r):
            for l in leaves {
                let ty = wrap(dims + l.dims, l.type)
                guard let x = variable(Ident("\(v.name.name).\(l.path)", v.name.range), ty, typeRange: v.type.range,
                                       .any(r), scope: scope) else { return .some(nil) }
                initial.append(x.initial)
            }
        case .oneOf(let e):
            diags.report(.recordInInitialiser, at: e.range)
            return .some(nil)
        case .value(let e):
            guard let x = recordSlots(e, dims, rt, scope) else { return .some(nil) }
            initial = x
        case .perIndex(let index, let e, let r):
            guard let first = dims.first else {
                diags.report(.indexedInitialiserNotArray(index: index.name, type: "the record \(rt.name)"), at: r)
                return .some(nil)
            }
            initial = Array(repeating: [], count: leaves.count)
            for k in 0..<first.cardinality {
                let lit = indexLiteral(first, first.lowerBound + k, at: index.range)
                guard let one = recordSlots(Substitution([index.name: lit]).expr(e), Array(dims.dropFirst()), rt, scope) else {
                    return .some(nil)
                }
                for j in leaves.indices { initial[j] += one[j] }
            }
        }
        var out: [Variable] = []
        for (j, l) in leaves.enumerated() {
            let ty = wrap(dims + l.dims, l.type)
            let name = "\(v.name.name).\(l.path)"
            if ty.slotCount > 1 << 16 {
                diags.report(.fieldTooLarge(name: name, slots: ty.slotCount), at: v.type.range)
                return .some(nil)
            }
            var x = Variable(name: name, type: ty, initial: initial[j], range: v.name.range)
            x.isGhost = v.isGhost
            x.valueNames = l.valueNames
            out.append(x)
        }
        return .some((RecordVar(name: v.name.name, record: rt, dims: dims), out))
    }

    /// The initial slot choices of every leaf of `rt` (per leaf, per slot) from a constant
    /// value for an array of records indexed by `dims` (a list, or one value for every
    /// element), or for one record (a literal).
    func recordSlots(_ e: AExpr, _ dims: [IRType], _ rt: RecordType, _ scope: Scope) -> [[[Int64]]]? {
        if let first = dims.first {
            let rest = Array(dims.dropFirst())
            let n = Int(first.cardinality)
            if case .listLiteral(let items) = e.kind {
                guard items.count == n else {
                    diags.report(.listLengthMismatch(elements: Int64(n), count: items.count), at: e.range)
                    return nil
                }
                var out: [[[Int64]]] = Array(repeating: [], count: rt.leaves.count)
                for it in items {
                    guard let one = recordSlots(it, rest, rt, scope) else { return nil }
                    for j in out.indices { out[j] += one[j] }
                }
                return out
            }
            // One record for every element.
            guard let one = recordSlots(e, rest, rt, scope) else { return nil }
            return one.map { Array([[[Int64]]](repeating: $0, count: n).joined()) }
        }
        guard let values = literalFields(e, rt) else { return nil }
        var out: [[[Int64]]] = []
        for (k, f) in rt.fields.enumerated() {
            let value = values[k]
            switch f.kind {
            case .plain(let ty, _):
                if case .any = value.kind {
                    guard let x = variable(Ident(f.name, value.range), ty, typeRange: value.range, .any(value.range), scope: scope) else {
                        return nil
                    }
                    out.append(x.initial)
                } else {
                    guard let slots = constantSlots(value, for: ty, scope: scope) else { return nil }
                    out.append(slots.map { [$0] })
                }
            case .record(let inner, let fdims):
                guard let x = recordSlots(value, fdims, inner, scope) else { return nil }
                out += x
            }
        }
        return out
    }

    /// The value of every field of `rt` in a record literal, in the fields' order; reports
    /// a value that is not a literal, unknown, repeated and missing fields.
    func literalFields(_ e: AExpr, _ rt: RecordType) -> [AExpr]? {
        guard case .recordLiteral(let items) = e.kind else {
            diags.report(.expectedRecordLiteral(record: rt.name, fields: rt.fieldNames), at: e.range)
            return nil
        }
        var values: [Int: AExpr] = [:]
        var ok = true
        for (f, v) in items {
            guard let k = rt.fieldNames.firstIndex(of: f.name) else {
                diags.report(.unknownField(record: rt.name, field: f.name, suggestion: Spelling.suggestion(for: f.name, among: rt.fieldNames),
                                          fields: rt.fieldNames), at: f.range)
                ok = false
                continue
            }
            if values[k] != nil {
                diags.report(.fieldGivenTwice(field: f.name), at: f.range)
                ok = false
                continue
            }
            values[k] = v
        }
        let missing = rt.fieldNames.indices.filter { values[$0] == nil }.map { rt.fieldNames[$0] }
        if ok && !missing.isEmpty {
            diags.report(.missingFields(record: rt.name, fields: missing), at: e.range)
            ok = false
        }
        guard ok else { return nil }
        return rt.fields.indices.compactMap { values[$0] }
    }

    /// Declares a global record variable and its lowered fields.
    func declareRecordGlobal(_ v: VarDecl, _ lowered: (RecordVar, [Variable])?) {
        guard let (rv, vars) = lowered else {
            poisoned.insert(v.name.name)
            return
        }
        guard symbols[v.name.name] == nil else {
            declare(v.name, .recordVariable(rv, v.name.range))   // reports the clash
            return
        }
        declare(v.name, .recordVariable(rv, v.name.range))
        for x in vars {
            symbols[x.name] = .global(GlobalID(globals.count), v.name.range)
            globals.append(x)
        }
    }

    /// Adds a record local's fields to its process's locals.
    func addRecordLocal(_ v: VarDecl, _ lowered: (RecordVar, [Variable])?, scope: inout Scope, vars: inout [Variable],
                        types: inout [IRType?], records: inout [String: RecordVar]) {
        guard let (rv, xs) = lowered else {
            poisoned.insert(v.name.name)
            return
        }
        records[v.name.name] = rv
        for x in xs {
            scope.locals[x.name] = (vars.count, x.type)
            types.append(x.type)
            vars.append(x)
        }
    }

    // MARK: expressions

    /// The record type (and dimensions still to index) that `e` names, found from names
    /// alone (nothing is elaborated, nothing reported); nil when `e` is not a record.
    func recordTypeOf(_ e: AExpr, _ s: Scope) -> (RecordType, [IRType])? {
        switch e.kind {
        case .name(let n):
            if s.bound.contains(where: { $0.name == n }) || s.indexName == n { return nil }
            if let pid = s.process, pid.index < recordLocals.count, let rv = recordLocals[pid.index][n] { return (rv.record, rv.dims) }
            if s.process != nil, s.locals[n] != nil { return nil }
            if case .recordVariable(let rv, _)? = symbols[n] { return (rv.record, rv.dims) }
            return nil
        case .index(let b, _):
            guard let (rt, dims) = recordTypeOf(b, s), !dims.isEmpty else { return nil }
            return (rt, Array(dims.dropFirst()))
        case .member(let b, let f):
            if let pid = processNamed(b) {
                guard pid.index < recordLocals.count, let rv = recordLocals[pid.index][f.name] else { return nil }
                return (rv.record, rv.dims)
            }
            guard let (rt, dims) = recordTypeOf(b, s), dims.isEmpty,
                  let field = rt.fields.first(where: { $0.name == f.name }),
                  case .record(let inner, let fdims) = field.kind else { return nil }
            return (inner, fdims)
        default:
            return nil
        }
    }

    /// The process `p` of `p` or `p(i)`, if `e` names one.
    private func processNamed(_ e: AExpr) -> ProcessID? {
        let n: String
        switch e.kind {
        case .name(let x): n = x
        case .call(let f, _): n = f.name
        default: return nil
        }
        if case .process(let pid, _)? = symbols[n] { return pid }
        return nil
    }

    func recordNotAValue(_ rt: RecordType, _ r: SourceRange) -> IExpr? {
        diags.report(.recordNotAValue(record: rt.name, fields: rt.fieldNames), at: r)
        return nil
    }

    /// Resolves `e` as far as records go: a field's place, a record, or not about records.
    func recordPlace(_ e: AExpr, _ s: Scope) -> RecordResolution {
        switch e.kind {
        case .name(let n):
            guard let (rt, dims) = recordTypeOf(e, s) else {
                if case .record(let rt, _)? = symbols[n], !s.bound.contains(where: { $0.name == n }), s.indexName != n,
                   s.process == nil || s.locals[n] == nil {
                    diags.report(.recordTypeFieldRead(name: n, field: rt.fieldNames.first ?? "field"), at: e.range)
                    return .failed
                }
                // A variable whose declaration failed (reported there): `v.f` is no error of its own.
                if poisoned.contains(n), symbols[n] == nil, !s.bound.contains(where: { $0.name == n }), s.indexName != n,
                   s.process == nil || s.locals[n] == nil {
                    return .failed
                }
                return .notRecord
            }
            if let pid = s.process, pid.index < recordLocals.count, recordLocals[pid.index][n] != nil {
                guard s.allowState else { _ = stateInConstant(e.range); return .failed }
                return .ref(RecordRef(base: .local(pid, instance: nil), prefix: n, indices: [], dims: dims, record: rt))
            }
            guard s.allowState else { _ = stateInConstant(e.range); return .failed }
            return .ref(RecordRef(base: .global, prefix: n, indices: [], dims: dims, record: rt))
        case .index(let b, let i):
            let base = recordPlace(b, s)
            guard case .ref(var ref) = base else {
                if case .failed = base { return .failed }
                return .notRecord
            }
            guard let it = ref.dims.first else {
                diags.report(.indexNonArray(type: "the record \(ref.record.name)"), at: b.range)
                return .failed
            }
            guard let ix = expr(i, s, expected: it) else { return .failed }
            guard compatible(ix.type, it) else {
                diags.report(.indexWrongType(expected: it.description, found: ix.type.description), at: i.range)
                return .failed
            }
            if case .literal(let v) = ix.op, !it.contains(v) {
                diags.report(.recordIndexOutOfRange(index: it.format(v), record: ref.record.name, type: it.description), at: i.range)
                return .failed
            }
            ref.indices.append(ix)
            ref.dims.removeFirst()
            return .ref(ref)
        case .member(let b, let f):
            if let pid = processNamed(b) {
                guard pid.index < recordLocals.count, let rv = recordLocals[pid.index][f.name] else { return .notRecord }
                guard s.allowState else { _ = stateInConstant(e.range); return .failed }
                guard let (_, inst) = processInstance(b, s) else { return .failed }
                return .ref(RecordRef(base: .local(pid, instance: inst), prefix: f.name, indices: [], dims: rv.dims, record: rv.record))
            }
            let base = recordPlace(b, s)
            guard case .ref(let ref) = base else {
                if case .failed = base { return .failed }
                if let t = nonRecordType(b, s) {
                    diags.report(.notARecord(type: t.description, field: f.name), at: f.range)
                    return .failed
                }
                return .notRecord
            }
            guard ref.dims.isEmpty else {
                diags.report(.recordArrayNeedsIndex(record: ref.record.name, field: f.name), at: f.range)
                return .failed
            }
            guard let field = ref.record.fields.first(where: { $0.name == f.name }) else {
                diags.report(.unknownField(record: ref.record.name, field: f.name,
                                          suggestion: Spelling.suggestion(for: f.name, among: ref.record.fieldNames),
                                          fields: ref.record.fieldNames), at: f.range)
                return .failed
            }
            let prefix = ref.prefix + "." + f.name
            switch field.kind {
            case .record(let inner, let fdims):
                return .ref(RecordRef(base: ref.base, prefix: prefix, indices: ref.indices, dims: fdims, record: inner))
            case .plain(let ty, _):
                guard let root = leafRoot(ref.base, prefix) else { return .failed }
                return .leaf(Place(root: root, path: ref.indices, type: ty))
            }
        default:
            return .notRecord
        }
    }

    /// The type of `b` in `b.f` when `b` is a variable, an array element or a field that is not
    /// a record (so `.f` names no field); nil for anything else (a process, a type).
    private func nonRecordType(_ b: AExpr, _ s: Scope) -> IRType? {
        switch b.kind {
        case .name(let n):
            if s.bound.contains(where: { $0.name == n }) || s.indexName == n { return nil }
            if s.process != nil, let l = s.locals[n] { return l.type }
            if case .global(let g, _)? = symbols[n] { return globals[g.index].type }
            return nil
        case .index, .member:
            if case .member(let pb, _) = b.kind, processNamed(pb) == nil, recordTypeOf(pb, s) == nil { return nil }
            return place(b, s)?.type
        default:
            return nil
        }
    }

    /// The root of the lowered variable `name` of a record at `base`.
    private func leafRoot(_ base: RecordRef.Base, _ name: String) -> Place.Root? {
        switch base {
        case .global:
            guard case .global(let g, _)? = symbols[name] else { return nil }
            usedGlobals.insert(g.index)
            return .global(g)
        case .local(let pid, let inst):
            guard pid.index < localNames.count, let i = localNames[pid.index].firstIndex(of: name) else { return nil }
            return .local(pid, instance: inst, index: i)
        }
    }

    /// Every leaf of the record at `ref` as a place, depth first (as `RecordType.leaves`).
    /// A field that is an array of records has no place of its own here: nil, reported.
    func leafPlaces(_ ref: RecordRef, at r: SourceRange) -> [Place]? {
        var out: [Place] = []
        for f in ref.record.fields {
            let prefix = ref.prefix + "." + f.name
            switch f.kind {
            case .plain(let ty, _):
                guard let root = leafRoot(ref.base, prefix) else { return nil }
                out.append(Place(root: root, path: ref.indices, type: ty))
            case .record(let inner, let fdims):
                guard fdims.isEmpty else {
                    diags.report(.nestedRecordArray(record: ref.record.name, field: f.name), at: r)
                    return nil
                }
                guard let xs = leafPlaces(RecordRef(base: ref.base, prefix: prefix, indices: ref.indices, dims: [], record: inner), at: r) else {
                    return nil
                }
                out += xs
            }
        }
        return out
    }

    /// The leaf values of a record literal of type `rt`, depth first (nested records are
    /// nested literals).
    func literalLeaves(_ e: AExpr, _ rt: RecordType) -> [AExpr]? {
        guard let values = literalFields(e, rt) else { return nil }
        var out: [AExpr] = []
        for (k, f) in rt.fields.enumerated() {
            switch f.kind {
            case .plain: out.append(values[k])
            case .record(let inner, let fdims):
                guard fdims.isEmpty else {
                    diags.report(.nestedRecordArray(record: rt.name, field: f.name), at: e.range)
                    return nil
                }
                guard let xs = literalLeaves(values[k], inner) else { return nil }
                out += xs
            }
        }
        return out
    }

    /// One side of a record comparison or assignment: a record place or a literal.
    enum RecordOperand {
        case place(RecordRef, [Place])
        case literal([AExpr])
    }

    /// Resolves `e` as a record of type `rt` (when known from the other side).
    func recordOperand(_ e: AExpr, _ s: Scope, expected rt: RecordType?, context: String) -> (RecordType, RecordOperand)?? {
        if case .recordLiteral = e.kind {
            guard let rt else {
                diags.report(.recordLiteralTypeUnknown(context: context), at: e.range)
                return .some(nil)
            }
            guard let xs = literalLeaves(e, rt) else { return .some(nil) }
            return .some((rt, .literal(xs)))
        }
        guard recordTypeOf(e, s) != nil else { return nil }
        switch recordPlace(e, s) {
        case .ref(let ref):
            guard ref.dims.isEmpty else {
                diags.report(.recordArrayNotElement(record: ref.record.name, context: context), at: e.range)
                return .some(nil)
            }
            guard let pls = leafPlaces(ref, at: e.range) else { return .some(nil) }
            return .some((ref.record, .place(ref, pls)))
        case .failed, .leaf, .notRecord:
            return .some(nil)
        }
    }

    /// `a == b` / `a != b` of records: field by field. nil when neither side is a record.
    func recordComparison(_ op: WeaveSyntax.BinaryOp, _ a: AExpr, _ b: AExpr, _ r: SourceRange, _ s: Scope) -> IExpr?? {
        let isRecord: (AExpr) -> Bool = { e in
            if case .recordLiteral = e.kind { return true }
            return self.recordTypeOf(e, s) != nil
        }
        guard isRecord(a) || isRecord(b) else { return nil }
        guard isRecord(a) && isRecord(b) else {
            let (rec, other) = isRecord(a) ? (a, b) : (b, a)
            let name = recordTypeOf(rec, s)?.0.name
            diags.report(.cannotCompareRecord(record: name, other: describe(other, s)), at: r)
            return .some(nil)
        }
        // The side with a place gives the type of a literal on the other.
        let first = (recordTypeOf(a, s) == nil) ? b : a
        let second = (recordTypeOf(a, s) == nil) ? a : b
        guard let lhs = recordOperand(first, s, expected: nil, context: "compare it with a record variable") else { return nil }
        guard let (lt, lop) = lhs else { return .some(nil) }
        if let (rt2, _) = recordTypeOf(second, s), rt2 !== lt {
            diags.report(.cannotCompareRecords(lt.name, rt2.name), at: r)
            return .some(nil)
        }
        guard let rhs = recordOperand(second, s, expected: lt, context: "compare it with a record variable") else { return nil }
        guard let (_, rop) = rhs else { return .some(nil) }
        let types = lt.leaves.map(\.type)
        guard types.allSatisfy({ $0.isScalar || isSet($0) }) else {
            diags.report(.recordFieldNotComparable(record: lt.name), at: r)
            return .some(nil)
        }
        func values(_ o: RecordOperand) -> [IExpr]? {
            switch o {
            case .place(_, let pls): return pls.map { IExpr(.read($0), $0.type, r) }
            case .literal(let xs):
                var out: [IExpr] = []
                for (x, t) in zip(xs, types) {
                    guard let v = expr(x, s, expected: t) else { return nil }
                    guard compatible(v.type, t) || (isInt(v.type) && isInt(t)) else {
                        diags.report(.typeMismatch(expected: t.description, found: v.type.description), at: x.range)
                        return nil
                    }
                    out.append(v)
                }
                return out
            }
        }
        guard let xs = values(lop), let ys = values(rop) else { return .some(nil) }
        var all: IExpr? = nil
        for (x, y) in zip(xs, ys) {
            let eq = fold(.binary(.eq, x, y), .bool, r)
            all = all.map { fold(.binary(.and, $0, eq), .bool, r) } ?? eq
        }
        guard let all else { return .some(nil) }
        return .some(op == .eq ? all : fold(.unary(.not, all), .bool, r))
    }

    /// A short description of an expression's type for messages.
    private func describe(_ e: AExpr, _ s: Scope) -> String {
        let saved = diags
        defer { diags = saved }
        if let x = expr(e, s, expected: nil) { return isInt(x.type) && x.type == intType ? "an integer" : x.type.description }
        return "this value"
    }
}

/// Whether `e` reads any of `roots` (a write to one of them before `e` is evaluated would
/// change its value).
func reads(_ e: IExpr, _ roots: [Place.Root]) -> Bool {
    func hits(_ p: Place) -> Bool {
        for r in roots {
            switch (p.root, r) {
            case (.global(let a), .global(let b)) where a == b: return true
            case (.local(let pa, _, let ia), .local(let pb, _, let ib)) where pa == pb && ia == ib: return true
            default: break
            }
        }
        if case .local(_, let inst?, _) = p.root, reads(inst, roots) { return true }
        return p.path.contains { reads($0, roots) }
    }
    switch e.op {
    case .literal, .selfIndex, .bound: return false
    case .read(let p), .length(let p), .head(let p): return hits(p)
    case .unary(_, let a): return reads(a, roots)
    case .binary(_, let a, let b): return reads(a, roots) || reads(b, roots)
    case .conditional(let c, let a, let b): return reads(c, roots) || reads(a, roots) || reads(b, roots)
    case .setOf(let xs, _): return xs.contains { reads($0, roots) }
    case .elementOf(let x, let p): return reads(x, roots) || hits(p)
    case .quantifier(_, _, let d, let body):
        if case .set(let x, _) = d, reads(x, roots) { return true }
        return reads(body, roots)
    case .at(_, let inst, _): return inst.map { reads($0, roots) } ?? false
    }
}

extension CFGBuilder {
    /// `r = src` for a record `r`: one assignment per field, in the fields' order. nil when
    /// the target is not a record; `cont` after an error.
    func recordAssignment(_ lhs: AExpr, _ rhs: AExpr, _ range: SourceRange, _ cont: NodeID, _ s: Scope) -> NodeID? {
        guard el.recordTypeOf(lhs, s) != nil else {
            if case .recordLiteral = rhs.kind {
                el.diags.report(.recordLiteralNotAssignable, at: rhs.range)
                return cont
            }
            return nil
        }
        let context = "assign a record variable, an element of an array of records or a literal"
        guard case .some(.some(let (rt, target))) = el.recordOperand(lhs, s, expected: nil, context: context),
              case .place(_, let targets) = target else { return cont }
        if case .recordLiteral = rhs.kind {} else if let (st, _) = el.recordTypeOf(rhs, s) {
            if st !== rt {
                el.diags.report(.cannotAssignRecord(source: st.name, target: rt.name), at: rhs.range)
                return cont
            }
        } else {
            el.diags.report(.recordAssignedNonRecord(record: rt.name, fields: rt.fieldNames), at: rhs.range)
            return cont
        }
        guard case .some(.some(let (_, source))) = el.recordOperand(rhs, s, expected: rt, context: context) else { return cont }
        // Each field's update, as the ordinary assignment of that field would be.
        enum Update { case assign(Place, IExpr), copy(Place, Place), fill(Place, [Int64]) }
        var updates: [Update] = []
        var evaluated: [[IExpr]] = []   // what each update reads
        for (k, to) in targets.enumerated() {
            switch source {
            case .place(_, let froms):
                let from = froms[k]
                switch to.type {
                case .bool, .range, .enumeration, .set:
                    let x = IExpr(.read(from), from.type, rhs.range)
                    updates.append(.assign(to, x))
                    evaluated.append(to.path + [x])
                case .array, .queue:
                    updates.append(.copy(to, from))
                    evaluated.append(to.path + from.path)
                }
            case .literal(let values):
                let value = values[k]
                switch to.type {
                case .bool, .range, .enumeration, .set:
                    guard let x = el.assignedScalar(value, s, to: to.type,
                                                    mismatch: { .cannotAssignField(value: $0, field: to.type.description) })
                    else { return cont }
                    updates.append(.assign(to, x))
                    evaluated.append(to.path + [x])
                case .array, .queue:
                    guard let slots = el.constantSlots(value, for: to.type, scope: s) else { return cont }
                    updates.append(.fill(to, slots))
                    evaluated.append(to.path)
                }
            }
        }
        // The fields are assigned one after another: an update that reads a field (in an index
        // or a value) must come before that field's own update, or it would see the new value,
        // which `r = src` does not mean. Order the updates so (declaration order where free);
        // a cycle (`r = { a: r.b, b: r.a }`) has no such order.
        var order: [Int] = []
        var left = Array(updates.indices)
        while !left.isEmpty {
            // The first update that no other pending update needs to read before it is written.
            guard let pick = left.firstIndex(where: { k in
                !left.contains { j in j != k && evaluated[j].contains { reads($0, [targets[k].root]) } }
            }) else {
                el.diags.report(.recordAssignmentCycle, at: range)
                return cont
            }
            order.append(left.remove(at: pick))
        }
        var next = cont
        for u in order.reversed().map({ updates[$0] }) {
            switch u {
            case .assign(let to, let x): next = emit(.assign(to, x, next: next), range)
            case .copy(let to, let from): next = emit(.copy(to: to, from: from, next: next), range)
            case .fill(let to, let slots): next = emit(.fill(to, slots, next: next), range)
            }
        }
        return next
    }
}

extension Elaborator {
    /// Warns once for a global record none of whose fields is used, and per field otherwise;
    /// returns the globals that are record fields (warned here, not one by one as variables).
    func recordUnusedWarnings() -> Set<Int> {
        var fields = Set<Int>()
        var warnings: [(SemaDiagnostic, SourceRange)] = []
        for (name, sym) in symbols {
            guard case .recordVariable(let rv, let r) = sym else { continue }
            let ids = rv.record.leaves.compactMap { l -> Int? in
                if case .global(let g, _)? = symbols["\(name).\(l.path)"] { return g.index }
                return nil
            }
            fields.formUnion(ids)
            let unused = ids.filter { !usedGlobals.contains($0) }
            if unused.count == ids.count {
                warnings.append((.unusedVariable(name: name), r))
            } else {
                for i in unused { warnings.append((.unusedField(name: globals[i].name), r)) }
            }
        }
        for (kind, r) in warnings.sorted(by: { ($0.1.start, $0.0.message) < ($1.1.start, $1.0.message) }) { diags.report(kind, at: r) }
        return fields
    }

    /// The type of `e` when it names a queue or array field of a record (`x in f.queue`).
    func recordAggregateType(_ e: AExpr, _ s: Scope) -> IRType? {
        guard case .member(let b, let f) = e.kind, let (rt, dims) = recordTypeOf(b, s), dims.isEmpty,
              let field = rt.fields.first(where: { $0.name == f.name }), case .plain(let t, _) = field.kind else { return nil }
        switch t {
        case .queue, .array: return t
        default: return nil
        }
    }
}
