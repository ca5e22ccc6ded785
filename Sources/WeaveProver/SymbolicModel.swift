import WeaveIR
import WeaveSource

// The model with one const left symbolic (N), for `weave prove --symbolic N`.
//
// Sema folds every const into numbers, so the symbolic model is recovered from
// elaborations of the model at several sizes (`SymbolicModel.samples`): the IR must
// have the same shape at every size, and every number in it must be an affine
// function a*N + c of the size.
//
// Comparing samples alone would miss what changes only between or beyond them (a
// folded `if THREADS > 64`), so each elaboration also records every operation it
// computed on constants (`FoldRecord`), and `Zipper.checkFolds` makes the comparison
// exact: an operation whose operands depend on N must keep every value affine in N
// (+, -, unary -, * by a value independent of N, and a comparison decided the same
// way for every N >= 1). Then every number of the IR is affine in N as a function,
// not only at the samples, every branch Sema folded away is folded the same way at
// every N, and two samples determine each number. Anything else (THREADS > 64,
// THREADS * THREADS, THREADS / 2, !, &&, ||, in, size and set operations on values
// that depend on N) is refused with its source position.

/// `a * N + c`.
struct Lin: Hashable, CustomStringConvertible {
    let a: Int64
    let c: Int64
    init(a: Int64 = 0, _ c: Int64) { self.a = a; self.c = c }
    static func const(_ c: Int64) -> Lin { Lin(c) }
    var isConstant: Bool { a == 0 }
    func value(_ n: Int64) -> Int64 { a &* n &+ c }
    func plus(_ k: Int64) -> Lin { Lin(a: a, c &+ k) }
    /// `self <= o` for every N >= 1.
    func alwaysLE(_ o: Lin) -> Bool {
        let da = a &- o.a, dc = c &- o.c
        return da <= 0 && da &+ dc <= 0
    }
    func description(_ name: String) -> String {
        if a == 0 { return "\(c)" }
        let head = a == 1 ? name : a == -1 ? "-\(name)" : "\(a)*\(name)"
        return c == 0 ? head : c > 0 ? "\(head)+\(c)" : "\(head)\(c)"
    }
    var description: String { description("N") }
}

/// A type whose bounds may depend on N.
indirect enum SType {
    case bool
    /// Integers lo...hi; symmetric types become `0...count-1` (their ordinals).
    case range(lo: Lin, hi: Lin)
    case enumeration(name: String, members: [String])
    case array(index: SType, element: SType)
    case set(element: SType)
    case queue(element: SType, capacity: Lin, lifo: Bool)

    var isScalar: Bool {
        switch self {
        case .bool, .range, .enumeration: return true
        default: return false
        }
    }

    /// Bounds of a scalar type.
    var bounds: (lo: Lin, hi: Lin) {
        switch self {
        case .bool: return (.const(0), .const(1))
        case .range(let lo, let hi): return (lo, hi)
        case .enumeration(_, let m): return (.const(0), .const(Int64(m.count) - 1))
        default: return (.const(0), .const(-1))
        }
    }

    /// Whether a size of this type depends on N.
    var isSymbolic: Bool {
        switch self {
        case .bool, .enumeration: return false
        case .range(let lo, let hi): return !lo.isConstant || !hi.isConstant
        case .array(let i, let e): return i.isSymbolic || e.isSymbolic
        case .set(let e): return e.isSymbolic
        case .queue(let e, let c, _): return !c.isConstant || e.isSymbolic
        }
    }

    /// A scalar type whose number of values depends on N.
    var hasSymbolicCardinality: Bool {
        guard isScalar else { return false }
        let (lo, hi) = bounds
        return lo.a != hi.a
    }

    func description(_ n: String) -> String {
        switch self {
        case .bool: return "bool"
        case .range(let lo, let hi): return "\(lo.description(n))..\(hi.description(n))"
        case .enumeration(let name, let m): return name.isEmpty ? "enum { \(m.joined(separator: ", ")) }" : name
        case .array(let i, let e): return "[\(i.description(n))] \(e.description(n))"
        case .set(let e): return "set<\(e.description(n))>"
        case .queue(let e, let c, let lifo): return "\(lifo ? "stack" : "queue")<\(e.description(n)), \(c.description(n))>"
        }
    }
}

/// What a quantifier or `choose` ranges over.
enum SDomain {
    case type(SType)
    case set(SExpr, element: SType)
    var elementType: SType {
        switch self {
        case .type(let t): return t
        case .set(_, let e): return e
        }
    }
}

struct SPlace {
    enum Root {
        case global(GlobalID)
        case local(ProcessID, instance: SExpr?, index: Int)
    }
    let root: Root
    let path: [SExpr]
    let type: SType
}

/// `Expr` with numbers affine in N.
struct SExpr {
    indirect enum Op {
        case literal(Lin)
        /// A constant set (its members).
        case setLiteral([Lin])
        case read(SPlace)
        case selfIndex
        case bound(Int)
        case unary(UnaryOp, SExpr)
        case binary(BinaryOp, SExpr, SExpr)
        case conditional(SExpr, SExpr, SExpr)
        case setOf([SExpr], element: SType)
        case length(SPlace)
        case head(SPlace)
        case elementOf(SExpr, SPlace)
        case quantifier(Quantifier, bound: Int, SDomain, SExpr)
        case at(ProcessID, instance: SExpr?, label: LabelID)
    }
    let op: Op
    let type: SType
    let range: SourceRange?
}

/// A constant value of a variable or a `fill` (several choices only for scalars).
indirect enum SInit {
    /// A scalar: its possible values.
    case scalar([Lin])
    /// A set: its members.
    case set([Lin])
    /// An array over an N-sized index type: every element the same.
    case uniform(SInit)
    /// An array over a fixed index type: each element.
    case items([SInit])
    /// A queue: its length and its elements (unused elements are the element type's lowest value).
    case queue(len: Int, items: [Lin])
}

struct SNode {
    typealias Kind = StepNode<SExpr, SPlace, SInit, SDomain>
    let kind: Kind
    let range: SourceRange?
}

struct SVariable {
    let name: String
    let type: SType
    let initial: SInit
    let range: SourceRange?
}

struct SProcess {
    let name: String
    let indexType: SType?
    let locals: [SVariable]
    let labels: [LabelInfo]
    let labelAt: [LabelID?]
    let nodes: [SNode]
    let range: SourceRange?
    var doneLabel: Int { labels.count }
    func labelName(_ l: Int) -> String { l < labels.count ? labels[l].name : "done" }
}

struct SProperty {
    let name: String
    let expr: SExpr
    let range: SourceRange?
}

/// Why a model is outside the symbolic fragment.
struct SymbolicUnsupported: Error, CustomStringConvertible {
    let message: String
    let range: SourceRange?
    var description: String { (range.map { "\($0.description): " } ?? "") + message }
}

/// The model elaborated at one size, with the operations its elaboration computed on
/// constants (`Sema.elaborate(_:overrides:foldLog:)` records them).
public struct SymbolicElaboration: Sendable {
    public let model: Model
    public let folds: [FoldRecord]
    public init(model: Model, folds: [FoldRecord]) {
        self.model = model
        self.folds = folds
    }
}

/// Why the model does not elaborate at one size: its first error on one line, and all of them.
public struct SymbolicElaborationError: Error, CustomStringConvertible {
    public let summary: String
    public let description: String
    public init(summary: String, description: String) {
        self.summary = summary
        self.description = description
    }
}

/// A model with one const symbolic.
struct SymbolicModel {
    /// The sizes the model must elaborate at; its dependence on N is recovered from them.
    static let samples: [Int64] = [1, 2, 3, 4, 5, 7, 10]
    /// Larger sizes also compared when the model elaborates at them (a set over an N-sized
    /// type has at most 64 values): a number that changes only beyond 10 is caught up to 63.
    static let extraSamples: [Int64] = [16, 31, 63]
    /// Where the search for the largest size the model elaborates at stops: past every
    /// size limit of the front end but one (a process has at most 1024 instances).
    static let probeSize: Int64 = 1025

    let constName: String
    /// The elaboration at each sample size, in `sampleSizes` order.
    let sampleModels: [Model]
    /// `samples`, then the `extraSamples` the model elaborates at.
    let sampleSizes: [Int64]
    let name: String
    let globals: [SVariable]
    let processes: [SProcess]
    let invariants: [SProperty]
    let assertNames: [String]
    let overflowNames: [String]
    /// The model does not elaborate beyond a size (a set's element type has at most 64
    /// values, a process at most 1024 instances, ...), if it stops below `probeSize`.
    /// The sizes at which the model elaborates, when they end: up to `lastGood`, not at `firstBad`.
    let elaborationLimit: SymbolicInductionResult.ElaborationBound?

    /// The model at N = 2 (or the smallest sample): for settings and names.
    var base: Model { sampleModels[min(1, sampleModels.count - 1)] }

    /// `THREADS=N, FILES=N, WORKER=N+0, design=fput_queued`: the settings, consts as functions of N.
    var settingsText: String {
        base.settings.indices.map { i in
            let s = base.settings[i]
            let vs = sampleModels.map { $0.settings[i].value }
            if !s.isParam, let l = try? Zipper(ns: sampleSizes, constName: constName).lin(vs, nil), !l.isConstant {
                return "\(s.name)=\(l.description("N"))"
            }
            return s.description
        }.joined(separator: ", ")
    }

    init(constName: String, elaborate: (Int64) throws -> SymbolicElaboration) throws {
        self.constName = constName
        var models: [Model] = []
        var folds: [[FoldRecord]] = []
        var ns: [Int64] = []
        for n in Self.samples {
            do {
                let e = try elaborate(n)
                models.append(e.model)
                folds.append(e.folds)
            } catch {
                let why = "\(error)"
                throw SymbolicUnsupported(message: "the model does not elaborate with \(constName) = \(n):"
                                              + (why.hasPrefix("\n") ? why : " " + why), range: nil)
            }
            ns.append(n)
        }
        var firstBad: Int64? = nil
        for n in Self.extraSamples {
            guard let e = try? elaborate(n) else { firstBad = n; break }
            models.append(e.model)
            folds.append(e.folds)
            ns.append(n)
        }
        elaborationLimit = Self.limit(after: ns[ns.count - 1], firstBad: firstBad, elaborate)
        sampleSizes = ns
        guard models[0].settings.contains(where: { $0.name == constName && !$0.isParam }) else {
            throw SymbolicUnsupported(message: "the model has no const named '\(constName)'", range: nil)
        }
        sampleModels = models
        let z = Zipper(ns: ns, constName: constName)
        try z.checkFolds(folds)
        name = models[0].name
        assertNames = models[0].assertNames
        overflowNames = models[0].overflowNames
        let g0 = models[0].globals
        guard models.allSatisfy({ $0.globals.count == g0.count && $0.processes.count == models[0].processes.count
                                  && $0.invariants.count == models[0].invariants.count }) else {
            throw SymbolicUnsupported(message: "the model's declarations depend on \(constName)", range: nil)
        }
        globals = try g0.indices.map { gi in try z.variable(models.map { $0.globals[gi] }) }
        processes = try models[0].processes.indices.map { pi in try z.process(models.map { $0.processes[pi] }) }
        invariants = try models[0].invariants.indices.map { ii in
            let ps = models.map { $0.invariants[ii] }
            return SProperty(name: ps[0].name, expr: try z.expr(ps.map(\.expr)), range: ps[0].range)
        }
    }
}

extension SymbolicModel {
    /// The sizes the model elaborates at end between `lastGood` and `firstBad` (found by the
    /// samples, or `probeSize`): the first size where it stops, by bisection. The front end's
    /// size limits are bounds on affine functions of N, so the sizes that elaborate are an interval.
    static func limit(after lastGood: Int64, firstBad: Int64?,
                      _ elaborate: (Int64) throws -> SymbolicElaboration) -> SymbolicInductionResult.ElaborationBound? {
        func failure(_ n: Int64) -> String? {
            do { _ = try elaborate(n); return nil } catch {
                return (error as? SymbolicElaborationError)?.summary ?? "\(error)"
            }
        }
        var good = lastGood
        var bad = firstBad ?? probeSize
        guard bad > good, var why = failure(bad) else { return nil }
        while bad - good > 1 {
            let mid = good + (bad - good) / 2
            if let w = failure(mid) { bad = mid; why = w } else { good = mid }
        }
        return SymbolicInductionResult.ElaborationBound(lastGood: good, firstBad: bad, why: why)
    }
}

/// Builds the symbolic IR from the IR at each sample size.
struct Zipper {
    let ns: [Int64]
    let constName: String

    func differs(_ what: String, _ r: SourceRange?) -> SymbolicUnsupported {
        SymbolicUnsupported(message: "\(what) depends on \(constName) in a way the symbolic prover cannot follow (the elaborated model differs between sizes)", range: r)
    }

    // MARK: folds

    /// Refuses every operation Sema computed on constants whose operands depend on N (differ
    /// between the samples) and which the symbolic encoding cannot follow for every N.
    /// `logs[k]` is the elaboration's record at `ns[k]`. Operands that do not differ at any
    /// sample are independent of N: everything they are computed from passed this check, so
    /// they are affine in N, and an affine function equal at two sizes is constant.
    func checkFolds(_ logs: [[FoldRecord]]) throws {
        struct Key: Hashable {
            let path: String
            let start: Int
            let end: Int
            let op: String
        }
        func key(_ r: FoldRecord) -> Key {
            Key(path: r.range.file.path, start: r.range.start, end: r.range.end, op: "\(r.op)")
        }
        var order: [Key] = []
        var groups: [[Key: [FoldRecord]]] = []
        for log in logs {
            var g: [Key: [FoldRecord]] = [:]
            for r in log {
                let k = key(r)
                if g[k] == nil && !order.contains(k) { order.append(k) }
                g[k, default: []].append(r)
            }
            groups.append(g)
        }
        for k in order {
            let lists = groups.map { $0[k] ?? [] }
            guard let first = lists.first(where: { !$0.isEmpty })?.first else { continue }
            guard lists.allSatisfy({ $0.count == lists[0].count }) else {
                throw differs("a constant computed here", first.range)
            }
            for j in lists[0].indices { try checkFold(lists.map { $0[j] }) }
        }
    }

    /// One operation at every sample size.
    func checkFold(_ rs: [FoldRecord]) throws {
        let r0 = rs[0]
        let columns = r0.operands.indices.map { k in rs.map { $0.operands[k] } }
        let varies = columns.map { c in c.contains { $0 != c[0] } }
        guard varies.contains(true) else { return }
        let n = constName
        var what: String
        switch r0.op {
        case .unary(.negate) where !r0.setOperands:
            return
        case .binary(.add) where !r0.setOperands, .binary(.sub) where !r0.setOperands:
            return
        case .binary(.mul) where !r0.setOperands:
            if !(varies[0] && varies[1]) { return }
            what = "a product of two values that depend on \(n) (not a*\(n) + c)"
        case .binary(let b) where !r0.setOperands && [.eq, .ne, .lt, .le, .gt, .ge].contains(b):
            if comparisonIsConstant(b, rs) { return }
            what = "a comparison (\(b.rawValue)) of a value that depends on \(n), decided differently at different sizes"
        case .binary(let b) where !r0.setOperands && (b == .div || b == .mod):
            what = "a division (\(b.rawValue)) of a value that depends on \(n)"
        case .binary(let b):
            what = r0.setOperands ? "a set operation (\(b.rawValue)) on a set that depends on \(n)"
                                  : "'\(b.rawValue)' of a value that depends on \(n)"
        case .unary(let u):
            what = u == .size ? "size(...) of a set that depends on \(n)" : "'\(u.rawValue)' of a value that depends on \(n)"
        case .shortCircuit(let b):
            what = "'\(b.rawValue)' of a value that depends on \(n)"
        }
        let text = String(decoding: r0.range.file.bytes[r0.range.start..<min(r0.range.end, r0.range.start + 60)], as: UTF8.self)
        let values = zip(ns, rs).prefix(3).map { n, r in
            "\(r.operands.map(String.init).joined(separator: " and ")) at \(constName) = \(n)"
        }.joined(separator: ", ")
        throw SymbolicUnsupported(
            message: "`\(text)`: \(what), computed when the model is elaborated (operands \(values), ...); the symbolic "
                + "prover represents only values a*\(n) + c, so it cannot follow this for every \(n)",
            range: r0.range)
    }

    /// Whether comparison `b` of two values affine in N is decided the same way for every
    /// N >= 1. Its operands' difference f(N) = a*N + c is affine (fitted to the samples); a
    /// comparison of f with 0 is monotone in f, so it is constant for N >= 1 exactly when its
    /// value at f(1) is its value as N grows (f -> +inf or -inf); `==` and `!=` are constant
    /// unless f has an integer root N >= 1.
    func comparisonIsConstant(_ b: BinaryOp, _ rs: [FoldRecord]) -> Bool {
        var ds: [Int64] = []
        for r in rs {
            let (d, o) = r.operands[0].subtractingReportingOverflow(r.operands[1])
            if o { return false }
            ds.append(d)
        }
        guard let f = try? lin(ds, nil) else { return false }
        if f.a == 0 { return true }
        let (f1, o) = f.a.addingReportingOverflow(f.c)
        if o { return false }
        func holds(_ v: Int64) -> Bool {
            switch b {
            case .lt: return v < 0
            case .le: return v <= 0
            case .gt: return v > 0
            case .ge: return v >= 0
            case .eq: return v == 0
            default: return v != 0
            }
        }
        switch b {
        case .eq, .ne:
            // A root N = -c / a >= 1 makes the comparison change there.
            let (q, oq) = f.c.dividedReportingOverflow(by: f.a)
            let (rem, orem) = f.c.remainderReportingOverflow(dividingBy: f.a)
            if oq || orem { return false }
            return !(rem == 0 && q <= -1)
        default:
            let atInfinity: Bool
            switch b {
            case .lt, .le: atInfinity = f.a < 0
            default: atInfinity = f.a > 0
            }
            return holds(f1) == atInfinity
        }
    }

    func lin(_ vs: [Int64], _ r: SourceRange?, _ what: String = "a number") throws -> Lin {
        let a = vs[1] &- vs[0]   // samples 1 and 2
        let c = vs[0] &- a &* ns[0]
        let l = Lin(a: a, c)
        for (n, v) in zip(ns, vs) where l.value(n) != v {
            let shown = zip(ns, vs).map { "\($0.1) at \(constName) = \($0.0)" }.joined(separator: ", ")
            throw SymbolicUnsupported(message: "\(what) is not linear in \(constName) (\(shown)); the symbolic prover needs a*\(constName) + c", range: r)
        }
        return l
    }

    func type(_ ts: [IRType], _ r: SourceRange?) throws -> SType {
        switch ts[0] {
        case .bool:
            guard ts.allSatisfy({ $0 == .bool }) else { throw differs("a type", r) }
            return .bool
        case .range:
            var los: [Int64] = [], his: [Int64] = []
            for t in ts {
                guard case .range(let lo, let hi) = t else { throw differs("a type", r) }
                los.append(lo); his.append(hi)
            }
            return .range(lo: try lin(los, r, "a lower bound of a type"), hi: try lin(his, r, "an upper bound of a type"))
        case .enumeration(let name, let members):
            if ts[0].symmetricName != nil {
                var cards: [Int64] = []
                for t in ts {
                    guard case .enumeration = t, t.symmetricName != nil else { throw differs("a type", r) }
                    cards.append(t.cardinality - 1)
                }
                return .range(lo: .const(0), hi: try lin(cards, r, "the size of a symmetric type"))
            }
            guard ts.allSatisfy({ $0 == ts[0] }) else { throw differs("an enum type", r) }
            return .enumeration(name: name, members: members)
        case .array:
            var ixs: [IRType] = [], es: [IRType] = []
            for t in ts {
                guard case .array(let i, let e) = t else { throw differs("a type", r) }
                ixs.append(i); es.append(e)
            }
            return .array(index: try type(ixs, r), element: try type(es, r))
        case .set:
            var es: [IRType] = []
            for t in ts {
                guard case .set(let e) = t else { throw differs("a type", r) }
                es.append(e)
            }
            return .set(element: try type(es, r))
        case .queue(_, _, let lifo):
            var es: [IRType] = [], cs: [Int64] = []
            for t in ts {
                guard case .queue(let e, let c, let l) = t, l == lifo else { throw differs("a type", r) }
                es.append(e); cs.append(Int64(c))
            }
            return .queue(element: try type(es, r), capacity: try lin(cs, r, "a queue capacity"), lifo: lifo)
        }
    }

    // MARK: constant values

    /// A constant value at one size, structured by its type.
    indirect enum Value {
        case scalar([Int64])
        case set([Int64])
        case array([Value])
        case queue(len: Int, items: [Int64])
    }

    func value(_ t: IRType, _ slots: ArraySlice<[Int64]>, _ r: SourceRange?) throws -> Value {
        switch t {
        case .bool, .range, .enumeration:
            return .scalar(slots.first ?? [])
        case .set(let e):
            guard let c = slots.first, c.count == 1 else {
                throw SymbolicUnsupported(message: "a set with several initial values is outside the symbolic fragment", range: r)
            }
            let mask = UInt64(bitPattern: c[0])
            return .set((0..<64).filter { (mask >> UInt64($0)) & 1 == 1 }.map { e.lowerBound + Int64($0) })
        case .array(let i, let e):
            var out: [Value] = []
            var k = slots.startIndex
            for _ in 0..<i.cardinality {
                out.append(try value(e, slots[k..<(k + e.slotCount)], r))
                k += e.slotCount
            }
            return .array(out)
        case .queue:
            guard let l = slots.first, l.count == 1 else {
                throw SymbolicUnsupported(message: "a queue with several initial lengths is outside the symbolic fragment", range: r)
            }
            let len = Int(l[0])
            var items: [Int64] = []
            for j in 0..<len {
                let c = slots[slots.startIndex + 1 + j]
                guard c.count == 1 else {
                    throw SymbolicUnsupported(message: "a queue element with several initial values is outside the symbolic fragment", range: r)
                }
                items.append(c[0])
            }
            return .queue(len: len, items: items)
        }
    }

    func initial(_ t: SType, _ vs: [Value], _ r: SourceRange?) throws -> SInit {
        switch t {
        case .bool, .range, .enumeration:
            var cs: [[Int64]] = []
            for v in vs { guard case .scalar(let c) = v else { throw differs("an initial value", r) }; cs.append(c) }
            guard cs.allSatisfy({ $0.count == cs[0].count }) else { throw differs("an initial value", r) }
            return .scalar(try cs[0].indices.map { j in try lin(cs.map { $0[j] }, r, "an initial value") })
        case .set:
            var ms: [[Int64]] = []
            for v in vs { guard case .set(let m) = v else { throw differs("an initial value", r) }; ms.append(m) }
            guard ms.allSatisfy({ $0.count == ms[0].count }) else { throw differs("the members of a constant set", r) }
            return .set(try ms[0].indices.map { j in try lin(ms.map { $0[j] }, r, "a member of a constant set") })
        case .array(let i, let e):
            var items: [[Value]] = []
            for v in vs { guard case .array(let xs) = v else { throw differs("an initial value", r) }; items.append(xs) }
            if i.hasSymbolicCardinality || i.isSymbolic {
                // Every element the same (at each size), and the same function of N across sizes.
                let firsts = try items.map { xs -> Value in
                    guard let f = xs.first else { throw differs("an initial value", r) }
                    guard xs.allSatisfy({ same($0, f) }) else {
                        throw SymbolicUnsupported(message: "an array over a \(constName)-sized type must start with every element equal for the symbolic prover", range: r)
                    }
                    return f
                }
                return .uniform(try initial(e, firsts, r))
            }
            guard items.allSatisfy({ $0.count == items[0].count }) else { throw differs("an initial value", r) }
            return .items(try items[0].indices.map { j in try initial(e, items.map { $0[j] }, r) })
        case .queue:
            var ls: [Int] = [], its: [[Int64]] = []
            for v in vs { guard case .queue(let l, let x) = v else { throw differs("an initial value", r) }; ls.append(l); its.append(x) }
            guard ls.allSatisfy({ $0 == ls[0] }) else {
                throw SymbolicUnsupported(message: "a queue whose initial length depends on \(constName) is outside the symbolic fragment", range: r)
            }
            return .queue(len: ls[0], items: try (0..<ls[0]).map { j in try lin(its.map { $0[j] }, r, "a queue element") })
        }
    }

    func same(_ a: Value, _ b: Value) -> Bool {
        switch (a, b) {
        case (.scalar(let x), .scalar(let y)), (.set(let x), .set(let y)): return x == y
        case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy { same($0.0, $0.1) }
        case (.queue(let l1, let x), .queue(let l2, let y)): return l1 == l2 && x == y
        default: return false
        }
    }

    func variable(_ vs: [Variable]) throws -> SVariable {
        let r = vs[0].range
        let t = try type(vs.map(\.type), r)
        let values = try vs.map { try value($0.type, $0.initial[...], r) }
        return SVariable(name: vs[0].name, type: t, initial: try initial(t, values, r), range: r)
    }

    // MARK: expressions

    func expr(_ es: [Expr]) throws -> SExpr {
        let e0 = es[0]
        let r = e0.range
        let t = try type(es.map(\.type), r)
        func sub<T>(_ f: (Expr.Op) -> T?) throws -> [T] {
            try es.map { e in
                guard let x = f(e.op) else { throw differs("an expression", r) }
                return x
            }
        }
        let op: SExpr.Op
        switch e0.op {
        case .literal:
            let vs = try sub { if case .literal(let v) = $0 { return v } else { return nil } }
            if case .set = t {
                // A folded set literal: its members, each affine in N.
                var ms: [[Int64]] = []
                for (e, v) in zip(es, vs) {
                    guard case .set(let el) = e.type else { throw differs("a set", r) }
                    let mask = UInt64(bitPattern: v)
                    ms.append((0..<64).filter { (mask >> UInt64($0)) & 1 == 1 }.map { el.lowerBound + Int64($0) })
                }
                guard ms.allSatisfy({ $0.count == ms[0].count }) else {
                    throw SymbolicUnsupported(message: "a constant set whose number of members depends on \(constName) is outside the symbolic fragment", range: r)
                }
                op = .setLiteral(try ms[0].indices.map { j in try lin(ms.map { $0[j] }, r, "a member of a constant set") })
            } else {
                op = .literal(try lin(vs, r))
            }
        case .read:
            op = .read(try place(try sub { if case .read(let p) = $0 { return p } else { return nil } }, r))
        case .selfIndex:
            _ = try sub { if case .selfIndex = $0 { return true } else { return nil } }
            op = .selfIndex
        case .bound(let b):
            _ = try sub { if case .bound(let x) = $0, x == b { return x } else { return nil } }
            op = .bound(b)
        case .unary(let u, _):
            op = .unary(u, try expr(try sub { if case .unary(let v, let a) = $0, v == u { return a } else { return nil } }))
        case .binary(let b, _, _):
            let xs = try sub { if case .binary(let v, let x, let y) = $0, v == b { return (x, y) } else { return nil } }
            op = .binary(b, try expr(xs.map(\.0)), try expr(xs.map(\.1)))
        case .conditional:
            let xs = try sub { if case .conditional(let c, let a, let b) = $0 { return (c, a, b) } else { return nil } }
            op = .conditional(try expr(xs.map(\.0)), try expr(xs.map(\.1)), try expr(xs.map(\.2)))
        case .setOf(let items0, _):
            let xs = try sub { if case .setOf(let items, let el) = $0, items.count == items0.count { return (items, el) } else { return nil } }
            let items = try items0.indices.map { j in try expr(xs.map { $0.0[j] }) }
            op = .setOf(items, element: try type(xs.map(\.1), r))
        case .length:
            op = .length(try place(try sub { if case .length(let p) = $0 { return p } else { return nil } }, r))
        case .head:
            op = .head(try place(try sub { if case .head(let p) = $0 { return p } else { return nil } }, r))
        case .elementOf:
            let xs = try sub { if case .elementOf(let x, let p) = $0 { return (x, p) } else { return nil } }
            op = .elementOf(try expr(xs.map(\.0)), try place(xs.map(\.1), r))
        case .quantifier(let q, let b, _, _):
            let xs = try sub { if case .quantifier(let q2, let b2, let d, let body) = $0, q2 == q, b2 == b { return (d, body) } else { return nil } }
            op = .quantifier(q, bound: b, try domain(xs.map(\.0), r), try expr(xs.map(\.1)))
        case .at(let pid, let inst, let label):
            let xs: [Expr?] = try sub { if case .at(let p2, let i2, let l2) = $0, p2 == pid, l2 == label, (i2 == nil) == (inst == nil) { return .some(i2) } else { return nil } }
            op = .at(pid, instance: inst == nil ? nil : try expr(xs.map { $0! }), label: label)
        }
        return SExpr(op: op, type: t, range: r)
    }

    func domain(_ ds: [IRDomain], _ r: SourceRange?) throws -> SDomain {
        switch ds[0] {
        case .type:
            var ts: [IRType] = []
            for d in ds { guard case .type(let t) = d else { throw differs("a quantifier's domain", r) }; ts.append(t) }
            return .type(try type(ts, r))
        case .set:
            var ss: [Expr] = [], els: [IRType] = []
            for d in ds { guard case .set(let s, let el) = d else { throw differs("a quantifier's domain", r) }; ss.append(s); els.append(el) }
            return .set(try expr(ss), element: try type(els, r))
        }
    }

    func place(_ ps: [Place], _ r: SourceRange?) throws -> SPlace {
        let root: SPlace.Root
        switch ps[0].root {
        case .global(let g):
            guard ps.allSatisfy({ if case .global(let g2) = $0.root { return g2 == g } else { return false } }) else { throw differs("a variable reference", r) }
            root = .global(g)
        case .local(let pid, let inst, let index):
            var insts: [Expr] = []
            for p in ps {
                guard case .local(let p2, let i2, let x2) = p.root, p2 == pid, x2 == index, (i2 == nil) == (inst == nil) else {
                    throw differs("a variable reference", r)
                }
                if let i2 { insts.append(i2) }
            }
            root = .local(pid, instance: inst == nil ? nil : try expr(insts), index: index)
        }
        guard ps.allSatisfy({ $0.path.count == ps[0].path.count }) else { throw differs("a variable reference", r) }
        let path = try ps[0].path.indices.map { j in try expr(ps.map { $0.path[j] }) }
        return SPlace(root: root, path: path, type: try type(ps.map(\.type), r))
    }

    // MARK: processes

    func process(_ ps: [Process]) throws -> SProcess {
        let p0 = ps[0]
        let r = p0.range
        guard ps.allSatisfy({ $0.nodes.count == p0.nodes.count && $0.labels.count == p0.labels.count
                              && $0.locals.count == p0.locals.count && ($0.indexType == nil) == (p0.indexType == nil) }) else {
            throw differs("the code of process \(p0.name)", r)
        }
        for p in ps where !zip(p.labels, p0.labels).allSatisfy({ $0.name == $1.name && $0.entry == $1.entry }) {
            throw differs("the labels of process \(p0.name)", p.range)
        }
        let index = p0.indexType == nil ? nil : try type(ps.map { $0.indexType! }, r)
        let locals = try p0.locals.indices.map { vi in try variable(ps.map { $0.locals[vi] }) }
        let nodes = try p0.nodes.indices.map { ni in try node(ps.map { $0.nodes[ni] }) }
        return SProcess(name: p0.name, indexType: index, locals: locals, labels: p0.labels, labelAt: p0.labelAt,
                        nodes: nodes, range: r)
    }

    func node(_ ns: [Node]) throws -> SNode {
        let r = ns[0].range
        func sub<T>(_ f: (Node.Kind) -> T?) throws -> [T] {
            try ns.map { n in
                guard let x = f(n.kind) else { throw differs("a statement", r) }
                return x
            }
        }
        let kind: SNode.Kind
        switch ns[0].kind {
        case .assign(_, _, let next):
            let xs = try sub { if case .assign(let p, let e, let n) = $0, n == next { return (p, e) } else { return nil } }
            kind = .assign(try place(xs.map(\.0), r), try expr(xs.map(\.1)), next: next)
        case .copy(_, _, let next):
            let xs = try sub { if case .copy(let a, let b, let n) = $0, n == next { return (a, b) } else { return nil } }
            kind = .copy(to: try place(xs.map(\.0), r), from: try place(xs.map(\.1), r), next: next)
        case .fill(_, _, let next):
            let xs = try sub { if case .fill(let p, let vs, let n) = $0, n == next { return (p, vs) } else { return nil } }
            let pl = try place(xs.map(\.0), r)
            let values = try xs.map { try value($0.0.type, $0.1.map { [$0] }[...], r) }
            kind = .fill(pl, try initial(pl.type, values, r), next: next)
        case .push(_, _, let name, let next):
            let xs = try sub { if case .push(let p, let e, let q, let n) = $0, q == name, n == next { return (p, e) } else { return nil } }
            kind = .push(try place(xs.map(\.0), r), try expr(xs.map(\.1)), queueName: name, next: next)
        case .pop(_, let into, let next):
            let xs = try sub { if case .pop(let p, let i, let n) = $0, n == next, (i == nil) == (into == nil) { return (p, i) } else { return nil } }
            kind = .pop(try place(xs.map(\.0), r), into: into == nil ? nil : try place(xs.map { $0.1! }, r), next: next)
        case .await(_, let next):
            let xs = try sub { if case .await(let e, let n) = $0, n == next { return e } else { return nil } }
            kind = .await(try expr(xs), next: next)
        case .assert(_, let message, let next):
            let xs = try sub { if case .assert(let e, let m, let n) = $0, m == message, n == next { return e } else { return nil } }
            kind = .assert(try expr(xs), message: message, next: next)
        case .branch(_, let a, let b):
            let xs = try sub { if case .branch(let e, let a2, let b2) = $0, a2 == a, b2 == b { return e } else { return nil } }
            kind = .branch(try expr(xs), then: a, else: b)
        case .either(let ts):
            _ = try sub { if case .either(let t2) = $0, t2 == ts { return true } else { return nil } }
            kind = .either(ts)
        case .choose(let b, _, let next):
            let xs = try sub { if case .choose(let b2, let d, let n) = $0, b2 == b, n == next { return d } else { return nil } }
            kind = .choose(bound: b, try domain(xs, r), next: next)
        case .chooseSubset:
            // One path per subset needs the subsets of a set over a type that may grow with N.
            throw SymbolicUnsupported(message: "'choose s: subset S' (a choice over subsets) is not supported by the symbolic prover; "
                                      + "prove it per size (weave prove) or check it (weave check)", range: r)
        case .jump(let t):
            _ = try sub { if case .jump(let t2) = $0, t2 == t { return true } else { return nil } }
            kind = .jump(t)
        case .done:
            _ = try sub { if case .done = $0 { return true } else { return nil } }
            kind = .done
        }
        return SNode(kind: kind, range: r)
    }
}
