import WeaveIR
import WeaveSource
import WeaveZ3

/// Something whose computation can fail at run time: a value, a resolved place.
protocol HasRunTimeError {
    /// The condition under which computing it is a run-time error.
    var error: Z3Expr { get }
}

/// A symbolic value with its run-time error condition.
protocol EncodedValue: HasRunTimeError {
    var value: Z3Expr { get }
    var error: Z3Expr { get set }
}

extension EncodedValue {
    /// This value, failing also when `e` holds.
    func failing(also e: Z3Expr, _ terms: Terms) throws -> Self {
        var v = self
        v.error = try terms.or(e, error)
        return v
    }

    var pair: (value: Z3Expr, error: Z3Expr) { (value, error) }
}

extension Encoded: EncodedValue {}
extension ResolvedPlace: HasRunTimeError {}

/// The walk's satisfiability check for loop pruning, on `solver` (which holds what
/// every pre-state satisfies): false only when Z3 says unsat.
func feasibility(on solver: Z3Solver, _ terms: Terms) -> ([Z3Expr]) throws -> Bool {
    { conds in
        solver.push()
        defer { try? solver.pop() }
        try solver.assert(terms.and(conds))
        return try solver.check() != .unsat
    }
}

/// One path under construction: the state so far, its branch conditions, the bound
/// registers, where control is, and the bookkeeping for the walk's limits.
struct StepFrame<E: StepEncoding> {
    var state: E.State
    var conds: [Z3Expr]
    var regs: [Int: E.Register] = [:]
    var node: NodeID
    var first = true
    var forkDepth = 0
    var visits: [NodeID: Int] = [:]
    var count = 0
}

/// How one step of one process instance is encoded: what differs between the
/// per-size prover (a slot per variable element) and the every-N one (arrays over N).
/// `StepWalk` does the control flow; a conformer reads and writes places, evaluates
/// expressions and does `choose`.
protocol StepEncoding: AnyObject {
    associatedtype Expr
    associatedtype Place
    associatedtype Fill
    associatedtype Domain
    associatedtype PlaceType
    associatedtype State
    associatedtype Register
    associatedtype Value: EncodedValue
    associatedtype Resolved: HasRunTimeError
    associatedtype Path
    typealias Frame = StepFrame<Self>

    var terms: Terms { get }
    /// The label after the last: where `done` leaves the pc.
    var doneLabel: Int { get }
    func node(_ n: NodeID) -> (kind: StepNode<Expr, Place, Fill, Domain>, range: SourceRange?)
    /// The label whose entry node is `n`, if any.
    func label(at n: NodeID) -> Int?

    /// Before a node runs (or a path stops at a label).
    func beginNode()
    /// After the walk counted a node on the path: throws when the path is longer than the encoding allows.
    func checkBound(_ f: Frame) throws
    /// The path condition now also depends on what the current node read.
    func noteConditionReads(_ f: inout Frame)
    func setPC(_ f: inout Frame, _ label: Int) throws
    func path(_ f: Frame, condition: Z3Expr, _ outcome: StepOutcome) -> Path

    func eval(_ e: Expr, _ f: Frame) throws -> Value
    func resolve(_ p: Place, _ f: Frame) throws -> Resolved
    func type(of p: Place) -> PlaceType
    func describe(_ t: PlaceType) -> String
    /// The element type and discipline of a queue type.
    func queue(_ t: PlaceType) throws -> (element: PlaceType, lifo: Bool)
    /// The condition that assigning `v` (the value of `e`) to `p` fails its range check.
    func assignOutside(_ v: Value, _ e: Expr, _ p: Place) throws -> Z3Expr
    /// The condition that storing `v` in a place of type `t` fails its range check.
    func outside(_ v: Value, _ t: PlaceType) throws -> Z3Expr
    /// Stores scalar `v` at `r` (of type `t`).
    func store(_ f: inout Frame, _ r: Resolved, _ v: Z3Expr, _ t: PlaceType) throws
    func copy(_ f: inout Frame, to: Resolved, from: Resolved, _ t: PlaceType) throws
    /// Fills `r`; a message if a value does not fit (the place is filled up to it).
    func fill(_ f: inout Frame, _ r: Resolved, _ t: PlaceType, _ v: Fill) throws -> String?
    /// The length of the queue at `r` and the condition that it is full.
    func queueLength(_ f: inout Frame, _ r: Resolved, _ t: PlaceType) throws -> (length: Z3Expr, full: Z3Expr)
    func push(_ f: inout Frame, _ r: Resolved, _ v: Value, _ t: PlaceType) throws
    /// Removes the head (or top) of the non-empty queue at `r`; the item removed.
    func pop(_ f: inout Frame, _ r: Resolved, length: Z3Expr, _ t: PlaceType) throws -> Value
    /// `choose` (or a subset choice): false if the frame does not go on (it forked, or failed).
    func choose(_ w: StepWalk<Self>, _ f: inout Frame, register: Int, _ d: Domain, subset: Bool, next: NodeID,
                error: (String) -> StepOutcome) throws -> Bool
}

/// The walk over one step's control-flow graph, shared by both provers.
///
/// From a label's entry node it follows every path until control reaches another
/// label's entry, `done`, a disabled `await`, or a failure, exactly as the explorer's
/// `Engine.run` does: `either` and `choose` fork per branch (and, per size, per value),
/// `branch` forks on a symbolic condition (pruned by a satisfiability check when a node
/// repeats on the path, so unlabelled loops unroll only as far as they can run), and
/// every statement that can fail splits off a failure path under its failure condition.
final class StepWalk<E: StepEncoding> {
    let enc: E
    let terms: Terms
    /// Whether a conjunction of conditions over the pre-state is satisfiable (true if unsure).
    let feasible: ([Z3Expr]) throws -> Bool
    /// The explorer's fork depth limit (`Engine.maxForkDepth`).
    static var maxForkDepth: Int { 64 }
    private(set) var out: [E.Path] = []
    private var stack: [StepFrame<E>] = []

    init(_ enc: E, feasible: @escaping ([Z3Expr]) throws -> Bool) {
        self.enc = enc
        terms = enc.terms
        self.feasible = feasible
    }

    func emit(_ f: StepFrame<E>, _ extra: Z3Expr?, _ outcome: StepOutcome) throws {
        var conds = f.conds
        if let extra { conds.append(extra) }
        let c = try terms.and(conds)
        if c.boolValue == false { return }
        out.append(enc.path(f, condition: c, outcome))
    }

    /// Splits off a failure path; false if the path cannot continue.
    func fail(_ f: inout StepFrame<E>, _ cond: Z3Expr, _ outcome: StepOutcome) throws -> Bool {
        if cond.boolValue == false { return true }
        enc.noteConditionReads(&f)
        try emit(f, cond, outcome)
        if cond.boolValue == true { return false }
        f.conds.append(try terms.not(cond))
        return true
    }

    /// Emits the fork-depth failure if `f` may not fork again; false then.
    func mayFork(_ f: StepFrame<E>, _ error: (String) -> StepOutcome) throws -> Bool {
        guard f.forkDepth >= Self.maxForkDepth else { return true }
        try emit(f, nil, error("a step forks more than 64 levels deep"))
        return false
    }

    /// One frame per (value, guard) of a choice, the first choice on top.
    func fork(_ f: StepFrame<E>, register r: Int, choices: [(E.Register, Z3Expr)], next: NodeID) {
        for (v, m) in choices.reversed() {
            var g = f
            g.regs[r] = v
            g.node = next
            g.forkDepth += 1
            if m.boolValue != true { g.conds.append(m) }
            stack.append(g)
        }
    }

    /// Every path from `start`.
    func run(_ start: StepFrame<E>) throws -> [E.Path] {
        stack = [start]
        out = []
        while var f = stack.popLast() {
            while try step(&f) {}
        }
        return out
    }

    /// Runs the node `f` is at; false when the path has ended (emitted, forked or disabled).
    private func step(_ f: inout StepFrame<E>) throws -> Bool {
        enc.beginNode()
        if !f.first, let lab = enc.label(at: f.node) {
            try enc.setPC(&f, lab)
            try emit(f, nil, .ok)
            return false
        }
        f.first = false
        f.count += 1
        f.visits[f.node, default: 0] += 1
        try enc.checkBound(f)
        let (kind, range) = enc.node(f.node)
        /// A run-time error at this statement, with its source position (as the explorer reports it).
        func err(_ m: String) -> StepOutcome { .error(range.map { "\(m) at \($0.description)" } ?? m) }
        switch kind {
        case .jump(let t):
            f.node = t
        case .await(let c, let next):
            let v = try enc.eval(c, f)
            guard try fail(&f, v.error, err("run-time error in await")) else { return false }
            if v.value.boolValue == false { return false }
            f.conds.append(v.value)
            enc.noteConditionReads(&f)
            f.node = next
        case .assert(let c, let message, let next):
            let v = try enc.eval(c, f)
            guard try fail(&f, v.error, err("run-time error in assert")) else { return false }
            guard try fail(&f, terms.not(v.value), .violation(message)) else { return false }
            f.node = next
        case .branch(let c, let a, let b):
            return try branch(&f, c, then: a, else: b, err)
        case .either(let targets):
            guard try mayFork(f, err) else { return false }
            for t in targets.reversed() {
                var g = f
                g.node = t
                g.forkDepth += 1
                stack.append(g)
            }
            return false
        case .choose(let r, let dom, let next):
            return try enc.choose(self, &f, register: r, dom, subset: false, next: next, error: err)
        case .chooseSubset(let r, let dom, let next):
            return try enc.choose(self, &f, register: r, dom, subset: true, next: next, error: err)
        case .done:
            try enc.setPC(&f, enc.doneLabel)
            try emit(f, nil, .ok)
            return false
        case .assign(let pl, let e, let next):
            let v = try enc.eval(e, f)
            guard try fail(&f, v.error, err("run-time error evaluating an assignment")) else { return false }
            let r = try enc.resolve(pl, f)
            guard try fail(&f, r.error, err("index out of range")) else { return false }
            let t = enc.type(of: pl)
            guard try fail(&f, enc.assignOutside(v, e, pl), err("value out of range: the variable's type is \(enc.describe(t))")) else { return false }
            try enc.store(&f, r, v.value, t)
            f.node = next
        case .copy(let to, let from, let next):
            let rt = try enc.resolve(to, f)
            guard try fail(&f, rt.error, err("index out of range")) else { return false }
            let rf = try enc.resolve(from, f)
            guard try fail(&f, rf.error, err("index out of range")) else { return false }
            try enc.copy(&f, to: rt, from: rf, enc.type(of: to))
            f.node = next
        case .fill(let pl, let values, let next):
            let r = try enc.resolve(pl, f)
            guard try fail(&f, r.error, err("index out of range")) else { return false }
            if let bad = try enc.fill(&f, r, enc.type(of: pl), values) {
                try emit(f, nil, err(bad))
                return false
            }
            f.node = next
        case .push(let pl, let e, let name, let next):
            return try push(&f, pl, e, name, next: next, err)
        case .pop(let pl, let into, let next):
            return try pop(&f, pl, into: into, next: next, err)
        }
        return true
    }

    private func branch(_ f: inout StepFrame<E>, _ c: E.Expr, then a: NodeID, else b: NodeID,
                        _ err: (String) -> StepOutcome) throws -> Bool {
        let v = try enc.eval(c, f)
        guard try fail(&f, v.error, err("run-time error in a condition")) else { return false }
        if let cv = v.value.boolValue { f.node = cv ? a : b; return true }
        let notV = try terms.not(v.value)
        enc.noteConditionReads(&f)
        var takeThen = true, takeElse = true
        if f.visits[f.node, default: 0] > 1 {
            takeThen = try feasible(f.conds + [v.value])
            takeElse = try feasible(f.conds + [notV])
        }
        if takeElse {
            var g = f
            g.conds.append(notV)
            g.node = b
            stack.append(g)
        }
        guard takeThen else { return false }
        f.conds.append(v.value)
        f.node = a
        return true
    }

    private func push(_ f: inout StepFrame<E>, _ pl: E.Place, _ e: E.Expr, _ name: String, next: NodeID,
                      _ err: (String) -> StepOutcome) throws -> Bool {
        let t = enc.type(of: pl)
        let (et, _) = try enc.queue(t)
        let v = try enc.eval(e, f)
        guard try fail(&f, v.error, err("run-time error evaluating a pushed value")) else { return false }
        let r = try enc.resolve(pl, f)
        guard try fail(&f, r.error, err("index out of range")) else { return false }
        let (_, full) = try enc.queueLength(&f, r, t)
        guard try fail(&f, full, .violation(name)) else { return false }
        guard try fail(&f, enc.outside(v, et), err("pushed value is outside the queue's element type")) else { return false }
        try enc.push(&f, r, v, t)
        f.node = next
        return true
    }

    private func pop(_ f: inout StepFrame<E>, _ pl: E.Place, into: E.Place?, next: NodeID,
                     _ err: (String) -> StepOutcome) throws -> Bool {
        let t = enc.type(of: pl)
        let (_, lifo) = try enc.queue(t)
        let r = try enc.resolve(pl, f)
        guard try fail(&f, r.error, err("index out of range")) else { return false }
        let (len, _) = try enc.queueLength(&f, r, t)
        guard try fail(&f, terms.eq(len, terms.int(0)), err("pop from an empty \(lifo ? "stack" : "queue")")) else { return false }
        let item = try enc.pop(&f, r, length: len, t)
        if let into {
            let ri = try enc.resolve(into, f)
            guard try fail(&f, ri.error, err("index out of range")) else { return false }
            let it = enc.type(of: into)
            guard try fail(&f, enc.outside(item, it), err("popped value does not fit the target")) else { return false }
            try enc.store(&f, ri, item.value, it)
        }
        f.node = next
        return true
    }
}
