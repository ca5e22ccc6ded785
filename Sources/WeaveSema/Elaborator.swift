import WeaveSource
import WeaveSyntax
import WeaveIR

typealias AExpr = WeaveSyntax.Expr
typealias IExpr = WeaveIR.Expr

/// An `expect` line, with its settings as text (applied like command-line overrides).
public struct Expectation: Sendable {
    public enum Verdict: Sendable, Equatable {
        /// Every listed property holds (all properties if the list is empty).
        case holds([String])
        /// Checking this property alone finds it violated.
        case violated(String)
        /// The prover shows these properties hold in every reachable state.
        case proved([String])
        /// A full search fires every step of the setting's code but these (`process.label`).
        case covered([String])
    }
    /// `(name, value)` pairs; one run per combination of the `in` lists.
    public let runs: [[(String, String)]]
    public let verdict: Verdict
    public let range: SourceRange
}

/// What a name means during elaboration.
enum Symbol {
    case constant(Int64, SourceRange)
    case param(IRType, Int64, SourceRange)
    case enumMember(IRType, Int64, SourceRange)
    case type(IRType, SourceRange)
    case global(GlobalID, SourceRange)
    case def([Ident], AExpr, SourceRange)
    case macro([Ident], [Stmt], SourceRange)
    case process(ProcessID, SourceRange)
    /// `type File = record { ... }` (Records.swift).
    case record(RecordType, SourceRange)
    /// A variable of a record type, lowered to one variable per field (Records.swift).
    case recordVariable(RecordVar, SourceRange)

    var range: SourceRange {
        switch self {
        case .constant(_, let r), .param(_, _, let r), .enumMember(_, _, let r), .type(_, let r),
             .global(_, let r), .def(_, _, let r), .macro(_, _, let r), .process(_, let r),
             .record(_, let r), .recordVariable(_, let r): return r
        }
    }
    var kindName: String {
        switch self {
        case .constant: return "constant"
        case .param: return "param"
        case .enumMember: return "enum value"
        case .type: return "type"
        case .global: return "variable"
        case .def: return "def"
        case .macro: return "macro"
        case .process: return "process"
        case .record: return "record type"
        case .recordVariable: return "variable"
        }
    }
}

/// The integer type of arithmetic results: any Int64.
let intType = IRType.range(lo: Int64.min, hi: Int64.max)

/// Turns parsed files into a typed `Model` for one setting of params and consts.
final class Elaborator {
    var diags = DiagnosticBag()
    var symbols: [String: Symbol] = [:]
    var settings: [WeaveIR.Setting] = []
    var globals: [Variable] = []
    var processDecls: [ProcessDecl] = []
    /// Processes left out of this setting (`process p if COND` with COND false, or a family
    /// whose index range is empty), with the reason, for the error at a reference to them.
    var absentProcesses: [String: String] = [:]
    /// Names whose declaration failed with an error: a use of one is no further error
    /// (one root cause, one error).
    var poisoned = Set<String>()
    /// Every enum type that has a value of this name, with the value's ordinal.
    var enumMembers: [String: [(IRType, Int64)]] = [:]
    /// `type X = ... names { ... }`: the names of values of the alias X.
    var typeValueNames: [String: ValueNames] = [:]

    /// Checks `names { VALUE: "name" }` of a type alias: constant values of a scalar range
    /// type, each in the type, each named once.
    func valueNames(_ items: [(AExpr, String)], of ty: IRType) -> ValueNames? {
        guard case .range = ty else {
            diags.report(.valueNamesNeedRange(type: ty.description), at: items.first?.0.range)
            return nil
        }
        var names: [Int64: String] = [:]
        for (e, text) in items {
            guard let v = constValue(e) else { continue }
            guard ty.contains(v) else {
                diags.report(.notAValue(value: v, type: ty.description), at: e.range)
                continue
            }
            if names[v] != nil { diags.report(.valueNamedTwice(value: v), at: e.range); continue }
            names[v] = text
        }
        return ValueNames(type: ty, names: names)
    }

    /// The value names that apply to a variable declared with type expression `t`: those of
    /// the first named alias in it (`Head`, `[T] Head`, `queue<Head, 4>`).
    func valueNames(for t: TypeExpr) -> ValueNames? {
        switch t.kind {
        case .named(let n): return typeValueNames[n]
        case .array(_, let e), .set(let e), .queue(let e, _, _): return valueNames(for: e)
        default: return nil
        }
    }
    var overrides: [String: String]
    var usedOverrides = Set<String>()
    /// Macro and def expansions so far: the depth limit alone lets a macro that calls
    /// itself twice expand 2^32 times (found by fuzzing: a hang).
    var expansions = 0
    static let maxExpansions = 20_000
    var reportedExpansionLimit = false

    /// Counts one expansion; false (with one error for the whole model) past the limit.
    func countExpansion(_ what: String, at r: SourceRange) -> Bool {
        expansions += 1
        if expansions <= Elaborator.maxExpansions { return true }
        if !reportedExpansionLimit {
            reportedExpansionLimit = true
            diags.report(.tooManyExpansions(limit: Elaborator.maxExpansions, what: what), at: r)
        }
        return false
    }
    var modelName: String
    /// Reads and writes per variable, for unused-variable warnings.
    var usedGlobals = Set<Int>()
    var maxRegisters = 0
    var lint = false
    /// Where folds of constants are recorded (weave prove --symbolic), if anywhere.
    var foldLog: FoldLog?
    /// Per process template: label names (after macro expansion), index type, local types.
    var labelNames: [[String]] = []
    var processIndexTypes: [IRType?] = []
    var localTypes: [[IRType?]] = []
    /// Per process template: the names of its locals as the IR numbers them (a record
    /// local is one local per field, `f.refs`), and its record locals by name.
    var localNames: [[String]] = []
    var recordLocals: [[String: RecordVar]] = []
    var assertNames: [String] = []
    var overflowNames: [String] = []
    /// Types declared `symmetric`, in declaration order, and where.
    var symmetricTypes: [IRType] = []
    var symmetricDecls: [String: SourceRange] = [:]

    init(overrides: [String: String], modelName: String) {
        self.overrides = overrides
        self.modelName = modelName
    }

    func declare(_ name: Ident, _ sym: Symbol) {
        if let old = symbols[name.name] {
            diags.report(.alreadyDeclared(name: name.name, kind: old.kindName, earlier: old.range.description), at: name.range)
            return
        }
        symbols[name.name] = sym
    }

    // MARK: constants

    /// Evaluates a constant integer expression (consts, params, enum values, arithmetic).
    func constValue(_ e: AExpr) -> Int64? {
        let x = expr(e, Scope.constant, expected: nil)
        guard let x else { return nil }
        if case .literal(let v) = x.op { return v }
        // Arithmetic of constants that did not fold to a value fails (an overflow, a division
        // by zero); anything else is not computed at elaboration (a quantifier, a set).
        func arithmetic(_ x: IExpr) -> Bool {
            switch x.op {
            case .literal: return true
            case .unary(_, let a): return arithmetic(a)
            case .binary(_, let a, let b): return arithmetic(a) && arithmetic(b)
            case .conditional(let c, let a, let b): return arithmetic(c) && arithmetic(a) && arithmetic(b)
            default: return false
            }
        }
        diags.report(arithmetic(x) ? SemaDiagnostic.constantOverflow : .expectedConstant, at: e.range)
        return nil
    }

    /// Parses a command-line or `expect` value for a type.
    func parseValue(_ text: String, as type: IRType) -> Int64? {
        switch type {
        case .bool:
            if text == "true" { return 1 }
            if text == "false" { return 0 }
            return nil
        case .enumeration(_, let members):
            return members.firstIndex(of: text).map { Int64($0) }
        case .range:
            guard let v = Int64(text), type.contains(v) else { return nil }
            return v
        default:
            return nil
        }
    }

    /// Why process `p` has no instance in this setting, or nil when it has some.
    func absence(of p: ProcessDecl) -> String? {
        if let c = p.condition {
            guard let x = expr(c, .constant, expected: .bool) else { return nil }
            guard x.type == .bool, case .literal(let v) = x.op else {
                diags.report(.processConditionNotConstant, at: c.range)
                return nil
            }
            if v == 0 { return "its condition at \(c.range.description) is false in this setting" }
        }
        if let (_, t) = p.index, case .range(let loE, let hiE, let exclusive) = t.kind,
           let lo = constValue(loE), var hi = constValue(hiE) {
            if exclusive { hi = hi &- 1 }
            if hi < lo { return "its index range \(lo)..\(hi) is empty in this setting" }
        }
        return nil
    }

    // MARK: types

    func resolveType(_ t: TypeExpr, name: String = "", allowSymmetric: Bool = false) -> IRType? {
        switch t.kind {
        case .symmetric(let inner):
            guard allowSymmetric, !name.isEmpty else {
                diags.report(.symmetricNotNamed, at: t.range)
                return nil
            }
            guard case .range(let lo, let hi)? = resolveType(inner) else { return nil }
            guard hi - lo < 64 else {
                diags.report(.symmetricTooLarge(count: hi - lo + 1), at: t.range)
                return nil
            }
            let ty = IRType.symmetric(name: name, lo: lo, hi: hi)
            symmetricTypes.append(ty)
            symmetricDecls[name] = t.range
            return ty
        case .bool: return .bool
        case .named(let n):
            switch symbols[n] {
            case .type(let ty, _): return ty
            case .record(let rt, _):
                recordTypeMisplaced(rt, at: t.range)
                return nil
            case .some(let s):
                diags.report(.notAType(name: n, kind: s.kindName), at: t.range)
                return nil
            case .none:
                let cands = symbols.compactMap { k, v -> String? in
                    switch v { case .type, .record: return k; default: return nil } }
                diags.report(.unknownType(name: n, suggestion: Spelling.suggestion(for: n, among: cands + ["bool"]), declared: cands), at: t.range)
                return nil
            }
        case .range(let loE, let hiE, let exclusive):
            guard let lo = constValue(loE), var hi = constValue(hiE) else { return nil }
            if exclusive { hi = hi &- 1 }
            if hi < lo {
                diags.report(.emptyRange(lo: lo, hi: hi), at: t.range)
                return nil
            }
            if hi.subtractingReportingOverflow(lo).overflow || hi - lo >= (1 << 40) {
                diags.report(.rangeTooLarge(lo: lo, hi: hi), at: t.range)
                return nil
            }
            return .range(lo: lo, hi: hi)
        case .enumeration(let members):
            let ty = IRType.enumeration(name: name, members: members.map(\.name))
            var seen = Set<String>()
            for (i, m) in members.enumerated() {
                if !seen.insert(m.name).inserted {
                    diags.report(.enumValueListedTwice(name: m.name), at: m.range)
                    continue
                }
                // Value names are scoped to their type: two enums may both have `idle`
                // (`A.idle`, or bare where the expected type says which).
                if case .enumMember? = symbols[m.name] {
                    enumMembers[m.name, default: []].append((ty, Int64(i)))
                    continue
                }
                declare(m, .enumMember(ty, Int64(i), m.range))
                enumMembers[m.name, default: []].append((ty, Int64(i)))
            }
            return ty
        case .array(let i, let e):
            guard let it = resolveType(i), let et = resolveType(e) else { return nil }
            guard it.isScalar else {
                diags.report(.arrayIndexNotScalar(type: it.description), at: i.range)
                return nil
            }
            let ty = IRType.array(index: it, element: et)
            if it.cardinality > 1 << 20 || ty.slotCount > 1 << 20 || ty.slotCount <= 0 {
                diags.report(.arrayTooLarge(type: ty.description, elements: it.cardinality), at: t.range)
                return nil
            }
            return ty
        case .set(let e):
            guard let et = resolveType(e) else { return nil }
            guard et.isScalar, et.cardinality <= 64 else {
                diags.report(.setElementNotScalar(type: et.description), at: e.range)
                return nil
            }
            return .set(element: et)
        case .queue(let e, let capE, let lifo):
            guard let et = resolveType(e), let cap = constValue(capE) else { return nil }
            guard et.isScalar else {
                diags.report(.queueElementNotScalar(type: et.description), at: e.range)
                return nil
            }
            guard cap >= 1, cap <= 4096 else {
                diags.report(.capacityOutOfBounds(stack: lifo, capacity: cap), at: capE.range)
                return nil
            }
            return .queue(element: et, capacity: Int(cap), lifo: lifo)
        case .record:
            diags.report(.recordTypeNotNamed, at: t.range)
            return nil
        }
    }

    // MARK: declarations

    /// Elaborates every declaration in dependency order (imports first).
    func run(_ src: ModelSource) -> [Decl] {
        var ordered: [SourceUnit] = Array(src.units.dropFirst().reversed())
        ordered.append(src.root)
        var later: [Decl] = []
        for unit in ordered {
            for d in unit.decls {
                switch d {
                case .model(let n): if unit.file === src.root.file { modelName = n.name }
                case .importFile: break
                case .constant(let name, let e):
                    var v: Int64? = nil
                    if let o = overrides[name.name], let iv = Int64(o) {
                        usedOverrides.insert(name.name)
                        v = iv
                    } else {
                        if let o = overrides[name.name] {
                            usedOverrides.insert(name.name)
                            diags.report(.constOverrideNotInteger(name: name.name, value: o), at: nil)
                        }
                        // A bad override falls back to the default, so the error is not
                        // followed by a cascade of "unknown name" errors.
                        v = constValue(e)
                    }
                    if let v {
                        declare(name, .constant(v, name.range))
                        settings.append(WeaveIR.Setting(name: name.name, type: .range(lo: v, hi: v), value: v, isParam: false))
                    }
                case .param(let name, let t, let e):
                    guard let ty = resolveType(t, name: name.name) else { continue }
                    guard ty == .bool || { if case .enumeration = ty { return true }; return false }() else {
                        diags.report(.paramNotBoolOrEnum, at: t.range)
                        continue
                    }
                    var v: Int64? = nil
                    if let o = overrides[name.name] {
                        usedOverrides.insert(name.name)
                        v = parseValue(o, as: ty)
                        if v == nil {
                            let allowed: String
                            if case .enumeration(_, let m) = ty { allowed = m.joined(separator: ", ") } else { allowed = "true, false" }
                            var hint: String? = nil
                            if case .enumeration(_, let m) = ty { hint = Spelling.suggestion(for: o, among: m) }
                            diags.report(.paramOverrideNotAValue(name: name.name, value: o, allowed: allowed, suggestion: hint), at: nil)
                        }
                    }
                    // A bad override falls back to the default (no cascade of "unknown name" errors).
                    if v == nil, let x = expr(e, .constant, expected: ty) {
                        if case .literal(let lv) = x.op, compatible(x.type, ty) { v = lv }
                        else { diags.report(.paramDefaultNotAValue(name: name.name, type: ty.description), at: e.range) }
                    }
                    if let v {
                        declare(name, .param(ty, v, name.range))
                        settings.append(WeaveIR.Setting(name: name.name, type: ty, value: v, isParam: true))
                    }
                case .typeAlias(let name, let t):
                    if case .record(let fields) = t.kind {
                        declareRecord(name, fields)
                        continue
                    }
                    if let ty = resolveType(t, name: name.name, allowSymmetric: true) {
                        declare(name, .type(ty, name.range))
                        if !t.valueNames.isEmpty, let vn = valueNames(t.valueNames, of: ty) { typeValueNames[name.name] = vn }
                    }
                case .variable(let v):
                    if let lowered = recordVariable(v, scope: .constant) {
                        declareRecordGlobal(v, lowered)
                        continue
                    }
                    if var g = variable(v, scope: .constant) {
                        g.isGhost = v.isGhost
                        g.valueNames = valueNames(for: v.type)
                        declare(v.name, .global(GlobalID(globals.count), v.name.range))
                        globals.append(g)
                    } else {
                        // Its error is reported; uses of it are not errors of their own.
                        poisoned.insert(v.name.name)
                    }
                case .macro(let name, let params, let body, let r):
                    declare(name, .macro(params, body, r))
                case .def(let name, let params, let e):
                    declare(name, .def(params, e, name.range))
                case .process(let p):
                    if let why = absence(of: p) {
                        // Not part of this setting: no instance, no steps, nothing to deadlock.
                        absentProcesses[p.name.name] = why
                        continue
                    }
                    declare(p.name, .process(ProcessID(processDecls.count), p.name.range))
                    processDecls.append(p)
                case .invariant, .reachable, .liveness, .expect:
                    if unit.file === src.root.file || { if case .expect = d { return false }; return true }() {
                        later.append(d)
                    }
                }
            }
        }
        for (k, _) in overrides where !usedOverrides.contains(k) {
            let names = settings.map(\.name)
            diags.report(.unknownOverride(name: k, suggestion: Spelling.suggestion(for: k, among: names), settings: names), at: nil)
        }
        return later
    }

    /// Elaborates a variable declaration (global or local).
    func variable(_ v: VarDecl, scope: Scope) -> Variable? {
        guard let ty = resolveType(v.type) else { return nil }
        return variable(v.name, ty, typeRange: v.type.range, v.initializer, scope: scope)
    }

    /// Elaborates a variable of a resolved type (a declared one, or a field of a record variable).
    func variable(_ name: Ident, _ ty: IRType, typeRange: SourceRange, _ initializer: Initializer, scope: Scope) -> Variable? {
        if ty.slotCount > 1 << 16 {
            diags.report(.variableTooLarge(name: name.name, slots: ty.slotCount), at: typeRange)
            return nil
        }
        let slotTypes = ty.slotTypes
        switch initializer {
        case .any(let r):
            if case .queue = ty {
                diags.report(.queueStartsAsAny, at: r)
                return nil
            }
            var out: [[Int64]] = []
            for st in slotTypes {
                if case .set(let e) = st {
                    guard e.cardinality <= 6 else {
                        diags.report(.anySetTooLarge(elements: e.cardinality), at: r)
                        return nil
                    }
                    out.append((0..<(Int64(1) << e.cardinality)).map { $0 })
                } else {
                    guard st.cardinality <= 1 << 12 else {
                        diags.report(.anyTooManyStates(type: st.description), at: r)
                        return nil
                    }
                    out.append((0..<st.cardinality).map { st.lowerBound + $0 })
                }
            }
            return Variable(name: name.name, type: ty, initial: out, range: name.range)
        case .oneOf(let e):
            guard ty.isScalar || { if case .set = ty { return true }; return false }() else {
                diags.report(.inInitialiserNotScalar, at: e.range)
                return nil
            }
            var values: [Int64] = []
            if case .setLiteral(let items) = e.kind {
                for it in items {
                    switch symmetricConstant(it, for: ty, scope: scope) {
                    case .value(let v): values.append(v); continue
                    case .failed: return nil
                    case .notSymmetric: break
                    }
                    guard let x = expr(it, scope, expected: ty) else { return nil }
                    guard case .literal(let lv) = x.op, compatible(x.type, ty) else {
                        diags.report(.expectedConstantOfType(type: ty.description), at: it.range)
                        return nil
                    }
                    if ty.isScalar && !ty.contains(lv) {
                        diags.report(.notAValue(value: lv, type: ty.description), at: it.range)
                        return nil
                    }
                    values.append(lv)
                }
            } else if case .type(let t) = domainOf(e) {
                guard compatible(t, ty) else {
                    diags.report(.initialValuesWrongType(expected: ty.description, found: t.description), at: e.range)
                    return nil
                }
                values = (0..<t.cardinality).map { t.lowerBound + $0 }.filter { ty.contains($0) }
            } else {
                diags.report(.expectedConstantSet, at: e.range)
                return nil
            }
            if values.isEmpty {
                diags.report(.emptyInitialSet, at: e.range)
                return nil
            }
            return Variable(name: name.name, type: ty, initial: [values], range: name.range)
        case .value(let e):
            guard let slots = constantSlots(e, for: ty, scope: scope) else { return nil }
            return Variable(name: name.name, type: ty, initial: slots.map { [$0] }, range: name.range)
        case .perIndex(let index, let e, let r):
            guard case .array(let it, let et) = ty else {
                diags.report(.indexedInitialiserNotArray(index: index.name, type: ty.description), at: r)
                return nil
            }
            var slots: [Int64] = []
            for k in 0..<it.cardinality {
                let value = it.lowerBound + k
                let lit = indexLiteral(it, value, at: index.range)
                guard let element = constantSlots(Substitution([index.name: lit]).expr(e), for: et, scope: scope) else { return nil }
                slots += element
            }
            return Variable(name: name.name, type: ty, initial: slots.map { [$0] }, range: name.range)
        }
    }

        /// Value `value` of index type `it` as a literal, to substitute for the `t` of `[t: EXPR]`.
    func indexLiteral(_ it: IRType, _ value: Int64, at range: SourceRange) -> AExpr {
        switch it {
        case .bool: return AExpr(kind: .boolean(value != 0), range: range)
        case .enumeration(_, let members):
            // A symmetric type's values are written as the integers they were declared as.
            return symmetricTypes.contains(it) ? AExpr(kind: .integer(Int64(members[Int(value)]) ?? value), range: range)
                                               : AExpr(kind: .name(members[Int(value)]), range: range)
        default: return AExpr(kind: .integer(value), range: range)
        }
    }

/// A type named by an expression (`Thread` in `in Thread`), if it is one.
    func domainOf(_ e: AExpr) -> IRDomain? {
        if case .name(let n) = e.kind, case .type(let t, _) = symbols[n] { return .type(t) }
        return nil
    }

    /// The flattened slot values of a constant initialiser or fill value for `type`.
    func constantSlots(_ e: AExpr, for type: IRType, scope: Scope) -> [Int64]? {
        switch type {
        case .queue(_, let c, _):
            if case .listLiteral(let items) = e.kind {
                guard items.count <= c else {
                    diags.report(.listExceedsCapacity(count: items.count, capacity: c), at: e.range)
                    return nil
                }
                guard case .queue(let et, _, _) = type else { return nil }
                var vals: [Int64] = [Int64(items.count)]
                for it in items {
                    guard let v = constantSlots(it, for: et, scope: scope) else { return nil }
                    vals += v
                }
                // Unused element slots hold the element type's lowest value, as a pop leaves them.
                return vals + [Int64](repeating: et.lowerBound, count: c - items.count)
            }
            diags.report(.queueNeedsList, at: e.range)
            return nil
        case .array(let i, let el):
            // `[]` / `[a, b]` for an array of queues is each element's value, unless it lists
            // one queue literal per element.
            if case .queue = el, case .listLiteral(let items) = e.kind,
               !(items.count == Int(i.cardinality) && items.allSatisfy({ if case .listLiteral = $0.kind { return true }; return false })) {
                guard let one = constantSlots(e, for: el, scope: scope) else { return nil }
                return Array([[Int64]](repeating: one, count: Int(i.cardinality)).joined())
            }
            if case .listLiteral(let items) = e.kind {
                if scope.allowState, let name = i.symmetricName {
                    diags.report(.listSinglesOutSymmetric(type: name), at: e.range)
                    return nil
                }
                guard items.count == Int(i.cardinality) else {
                    diags.report(.listLengthMismatch(elements: i.cardinality, count: items.count), at: e.range)
                    return nil
                }
                var out: [Int64] = []
                for it in items {
                    guard let v = constantSlots(it, for: el, scope: scope) else { return nil }
                    out += v
                }
                return out
            }
            // A scalar broadcast to every element.
            guard let one = constantSlots(e, for: el, scope: scope) else { return nil }
            return Array([[Int64]](repeating: one, count: Int(i.cardinality)).joined())
        case .bool, .range, .enumeration, .set:
            switch symmetricConstant(e, for: type, scope: scope) {
            case .value(let v): return [v]
            case .failed: return nil
            case .notSymmetric: break
            }
            guard let x = expr(e, scope, expected: type) else { return nil }
            guard compatible(x.type, type) else {
                diags.report(.typeMismatch(expected: type.description, found: x.type.description), at: e.range)
                return nil
            }
            guard case .literal(let v) = x.op else {
                diags.report(.initialValueNotConstant, at: e.range)
                return nil
            }
            if type.isScalar && !type.contains(v) {
                diags.report(.notAValue(value: v, type: type.description), at: e.range)
                return nil
            }
            return [v]
        }
    }
}

/// Whether a value of type `a` can be used where `b` is expected.
func compatible(_ a: IRType, _ b: IRType) -> Bool {
    switch (a, b) {
    case (.bool, .bool), (.range, .range): return true
    // Symmetric types (enumerations of numerals) are compatible only with themselves.
    case (.enumeration(let n1, let m1), .enumeration(let n2, let m2)): return m1 == m2 && (n1 == n2 || a.symmetricName == nil)
    case (.set(let e1), .set(let e2)):
        return compatible(e1, e2) && e1.lowerBound == e2.lowerBound && e1.cardinality == e2.cardinality
    default: return a == b
    }
}
