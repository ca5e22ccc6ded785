import Foundation
import WeaveExplorer
import WeaveIR
import XCTest

/// Symmetry reduction checked against the full state space: the number of states it
/// stores is the number of orbits (computed here by brute force, independently of the
/// explorer's tables), verdicts are the same with and without it, and its traces are
/// real executions.
final class SymmetryTests: XCTestCase {
    // MARK: models

    /// The benchmark flush race (docs/LANGUAGE.md's worked example) with `Thread` symmetric.
    func flushRace(_ threads: Int, design: String = "flush_delayed_fput") throws -> Model {
        let text = try String(contentsOfFile: repoRoot + "/Benchmarks/flush_race.weave", encoding: .utf8)
        let sym = text.replacingOccurrences(of: "type Thread = 0..<THREADS", with: "type Thread = symmetric 0..<THREADS")
        XCTAssertNotEqual(sym, text)
        return try model(sym, ["THREADS": String(threads), "design": design])
    }

    /// Every kind of slot a permutation touches: values, sets, FIFO and LIFO queues, arrays
    /// indexed by the type (nested, and inside process locals), two symmetric types, a
    /// family indexed by each, an unindexed process, and initial values that single out members.
    static let rich = """
    const N = 3
    type T = symmetric 0..<N
    type K = symmetric 1..2
    var owner: T = 0
    var seen: set<T> = {}
    var fifo: queue<T, 2> = []
    var lifo: stack<T, 1> = []
    var link: [K] set<T> = {}
    var keyOf: [K] T = [0, 1]

    process p(t: T) {
      var last: T = 2
      a: if !full(fifo) { push(fifo, t) } else { owner = t }
      b: seen = seen + {owner}
         if !empty(fifo) { last = pop(fifo) }
         if !full(lifo) { push(lifo, last) }
    }

    process k(x: K) {
      a: keyOf[x] = owner
         link[x] = link[x] + {owner}
    }

    process counter {
      var mark: [T] [K] bool = false
      a: await owner in seen
         choose x: K { mark[owner][x] = true }
    }

    invariant seenOwner: at(counter, done) => size(seen) > 0
    """

    // MARK: brute force

    /// `s` permuted by `perms` (one permutation of ordinals per symmetric type), written
    /// from the types alone.
    func permuted(_ s: [Int64], _ m: Model, _ perms: [[Int]]) -> [Int64] {
        let layout = Layout(m)
        var out = s
        func group(_ t: IRType) -> Int? { m.symmetricTypes.firstIndex(of: t) }
        func value(_ t: IRType, _ v: Int64) -> Int64 { group(t).map { Int64(perms[$0][Int(v)]) } ?? v }
        func move(_ t: IRType, _ from: Int, _ to: Int) {
            switch t {
            case .bool, .range, .enumeration:
                out[to] = value(t, s[from])
            case .set(let e):
                guard let g = group(e) else { out[to] = s[from]; return }
                var r: Int64 = 0
                for b in 0..<Int(e.cardinality) where (s[from] >> Int64(b)) & 1 == 1 { r |= 1 << Int64(perms[g][b]) }
                out[to] = r
            case .array(let i, let e):
                for k in 0..<Int(i.cardinality) {
                    let k2 = group(i).map { perms[$0][k] } ?? k
                    move(e, from + k * e.slotCount, to + k2 * e.slotCount)
                }
            case .queue(let e, let c, _):
                out[to] = s[from]
                for k in 0..<c { out[to + 1 + k] = Int64(k) < s[from] ? value(e, s[from + 1 + k]) : s[from + 1 + k] }
            }
        }
        for (gi, g) in m.globals.enumerated() { move(g.type, layout.globalOffsets[gi], layout.globalOffsets[gi]) }
        for (pi, p) in m.processes.enumerated() {
            for k in 0..<p.instanceCount {
                let k2 = p.indexType.flatMap(group).map { perms[$0][k] } ?? k
                let from = layout.instanceBase[pi][k], to = layout.instanceBase[pi][k2]
                out[to] = s[from]
                for (vi, v) in p.locals.enumerated() { move(v.type, from + layout.localOffsets[pi][vi], to + layout.localOffsets[pi][vi]) }
            }
        }
        return out
    }

    func permutations(_ n: Int) -> [[Int]] {
        if n == 0 { return [[]] }
        return permutations(n - 1).flatMap { p in (0...p.count).map { i in var q = p; q.insert(n - 1, at: i); return q } }
    }

    /// The number of orbits among the model's reachable states (explored without symmetry).
    func orbitCount(_ m: Model) throws -> Int {
        let states = try XCTUnwrap(StateSpace(model: m).reachableStates(limit: 200_000))
        var group: [[[Int]]] = [[]]
        for t in m.symmetricTypes {
            let ps = permutations(Int(t.cardinality))
            group = group.flatMap { prefix in ps.map { prefix + [$0] } }
        }
        var canonical = Set<[Int64]>()
        for s in states {
            var best = s
            for g in group {
                let p = permuted(s, m, g)
                if p.lexicographicallyPrecedes(best) { best = p }
            }
            canonical.insert(best)
        }
        return canonical.count
    }

    func explore(_ m: Model, symmetry: Bool, dfs: Bool = false, properties: PropertySelection = .only([]),
                 deadlock: Bool = false) throws -> CheckResult {
        var o = CheckOptions()
        o.symmetry = symmetry
        o.depthFirst = dfs
        o.properties = properties
        o.checkDeadlock = deadlock
        o.checkLiveness = false
        return try Explorer(model: m, options: o).run()
    }

    // MARK: (a) counts

    func testDistinctStatesAreTheOrbitsOfTheFullSpace() throws {
        var models: [(String, Model)] = [("rich", try model(Self.rich))]
        for n in [2, 3] {
            for d in ["flush_delayed_fput", "fput_sync"] { models.append(("flush_race \(n) \(d)", try flushRace(n, design: d))) }
        }
        for (name, m) in models {
            let full = try explore(m, symmetry: false)
            let orbits = try orbitCount(m)
            XCTAssertEqual(full.statistics.distinct, try XCTUnwrap(StateSpace(model: m).reachableStates(limit: 200_000)).count, name)
            for dfs in [false, true] {
                let r = try explore(m, symmetry: true, dfs: dfs)
                XCTAssertTrue(r.verdict.isHolds, "\(name): \(r.verdict)")
                XCTAssertEqual(r.statistics.distinct, orbits, "\(name) dfs=\(dfs)")
                guard case .reduced(_, _, let exact) = r.symmetry else { return XCTFail("\(name): \(r.symmetry)") }
                XCTAssertTrue(exact)
            }
            // Initial values that single out a member (f = 0 in every thread) make the reachable
            // set asymmetric, so not every model shrinks (flush_race 2 fput_sync: 9 and 9).
            if name == "rich" || name.hasPrefix("flush_race 3") {
                XCTAssertLessThan(orbits, full.statistics.distinct, name)
            }
            // BFS depth is a distance, which permutations preserve.
            XCTAssertEqual(try explore(m, symmetry: true).statistics.depth, full.statistics.depth, name)
        }
    }

    /// Permuted initial states collapse: `any` over a symmetric variable gives N initial
    /// states, one orbit.
    func testInitialStatesAreCanonicalised() throws {
        let m = try model("type T = symmetric 0..<4\nvar x: T = any\nprocess p { a: skip }")
        XCTAssertEqual(try explore(m, symmetry: false).statistics.distinct, 8)
        XCTAssertEqual(try explore(m, symmetry: true).statistics.distinct, 2)
    }

    /// Above 7! permutations the representative is found by greedy descent: still in the
    /// state's orbit (sound), not always the orbit's least. Here it is: x goes to 0 by one
    /// transposition, then y (if different) to 1, so 2 orbits x 2 pcs remain of 8 x 8 x 2.
    func testLargeGroupsUseGreedyRepresentatives() throws {
        let m = try model("type T = symmetric 0..<8\nvar x: T = any\nvar y: T = any\nprocess p { a: skip }\ninvariant i: x == y => at(p, a) || at(p, done)")
        let full = try explore(m, symmetry: false)
        XCTAssertEqual(full.statistics.distinct, 128)
        let r = try explore(m, symmetry: true, properties: .all)
        XCTAssertTrue(r.verdict.isHolds)
        XCTAssertEqual(r.statistics.distinct, 4)
        XCTAssertEqual(r.symmetry, .reduced(types: ["T"], permutations: 40320, exact: false))
    }

    // MARK: (b) verdicts

    static let violations = """
    const N = 3
    type T = symmetric 0..<N
    var arrived: set<T> = {}
    var q: queue<T, 2> = []
    var inside: 0..3 = 0
    process p(t: T) {
      var mine: T = 0
      a: arrived = arrived + {t}
         push(q, t)
      b: await size(arrived) == N
         inside = inside + 1
      c: inside = inside - 1
         arrived = arrived - {t}
         mine = pop(q)
         assert mine == t "own ticket"
      d: await size(arrived) == N
    }
    invariant one_inside: inside <= 1
    reachable all_in: forall t: T: t in arrived
    reachable never: exists t: T: at(p(t), d) && size(arrived) == N
    """

    func testSameVerdictsWithAndWithoutSymmetry() throws {
        var cases: [(Model, [String])] = []
        let v = try model(Self.violations)
        cases.append((v, v.propertyNames))
        let small = try model(Self.violations.replacingOccurrences(of: "queue<T, 2>", with: "queue<T, 3>"))
        cases.append((small, small.propertyNames))
        let narrow = try model(Self.violations.replacingOccurrences(of: "queue<T, 2>", with: "queue<T, 3>")
            .replacingOccurrences(of: "var inside: 0..3", with: "var inside: 0..1"))
        cases.append((narrow, narrow.propertyNames))
        for n in [2, 3] {
            for d in ["flush_delayed_fput", "fput_sync"] {
                let m = try flushRace(n, design: d)
                cases.append((m, m.propertyNames))
            }
        }
        cases.append((try model(Self.rich), []))
        var seen = Set<String>()
        for (m, names) in cases {
            for sel in [PropertySelection.all] + names.map({ PropertySelection.only([$0]) }) {
                for dfs in [false, true] {
                    let a = try explore(m, symmetry: false, dfs: dfs, properties: sel, deadlock: true)
                    let b = try explore(m, symmetry: true, dfs: dfs, properties: sel, deadlock: true)
                    XCTAssertEqual(outcome(a.verdict), outcome(b.verdict), "\(m.name) \(sel) dfs=\(dfs)")
                    seen.insert(outcome(a.verdict))
                    if !dfs, let ta = a.verdict.violation?.trace, let tb = b.verdict.violation?.trace {
                        XCTAssertEqual(ta.steps.count, tb.steps.count, "shortest traces: \(m.name) \(sel)")
                    }
                }
            }
        }
        // The cases cover every kind of outcome.
        for k in ["holds", "deadlock", "assertion", "overflow", "invariant", "runtime error", "unreachable"] {
            XCTAssertTrue(seen.contains { $0.hasPrefix(k) }, "no case ends in \(k): \(seen)")
        }
    }

    func outcome(_ v: Verdict) -> String {
        switch v {
        case .holds: return "holds"
        case .incomplete(let r): return "incomplete \(r)"
        case .violated(let x): return "\(x.kind.rawValue) \(x.property)"
        }
    }

    // MARK: (c) traces

    /// Every violation found under symmetry comes with a real execution: its first state
    /// is an initial state, and each step is a successor of the state before it, by the
    /// named step (a failing last step fails the same property).
    func testTracesUnderSymmetryReplay() throws {
        var runs: [(Model, PropertySelection)] = []
        let v = try model(Self.violations)
        for name in v.propertyNames where name != "all_in" { runs.append((v, .only([name]))) }
        let narrow = try model(Self.violations.replacingOccurrences(of: "queue<T, 2>", with: "queue<T, 3>")
            .replacingOccurrences(of: "var inside: 0..3", with: "var inside: 0..1"))
        runs.append((narrow, .all))
        runs.append((narrow, .only(["own ticket"])))
        runs.append((try flushRace(3), .all))
        runs.append((try flushRace(2), .all))
        var replayed = 0
        for (m, sel) in runs {
            for dfs in [false, true] {
                let r = try explore(m, symmetry: true, dfs: dfs, properties: sel, deadlock: true)
                guard let violation = r.verdict.violation, let t = violation.trace else { continue }
                try assertReplays(m, violation, t, "\(m.name) \(sel) dfs=\(dfs)")
                replayed += 1
            }
        }
        XCTAssertGreaterThanOrEqual(replayed, 8)
    }

    func assertReplays(_ m: Model, _ v: Violation, _ t: Trace, _ what: String) throws {
        let space = try StateSpace(model: m)
        XCTAssertTrue(space.initialStates().contains(t.states[0]), "\(what): not an initial state")
        XCTAssertEqual(t.steps.count, t.states.count - 1, what)
        for (i, step) in t.steps.enumerated() {
            let succ = try XCTUnwrap(space.successors(of: t.states[i]), what)
            let last = i == t.steps.count - 1
            let ok = succ.contains { s in
                guard s.step.name == step.name, s.state == t.states[i + 1] else { return false }
                if last && v.failedInsideStep {
                    switch s.kind {
                    case .violation(let p): return p == v.property
                    case .error: return v.kind == .runtimeError
                    case .state: return false
                    }
                }
                return s.kind == .state
            }
            XCTAssertTrue(ok, "\(what): step \(i + 1) \(step.name) is not a step of the state before it")
        }
        // The message names the instance that fails in this trace.
        if v.kind == .assertion, let last = t.steps.last {
            XCTAssertTrue(v.message.hasSuffix("fails in \(last.name.prefix { $0 != "." })"), "\(what): \(v.message)")
        }
        // No step leads on from a deadlock (a push onto a full queue, unchecked, blocks).
        if v.kind == .deadlock, let last = t.states.last {
            XCTAssertFalse(try XCTUnwrap(space.successors(of: last)).contains { $0.kind == .state }, what)
        }
    }

    // MARK: liveness

    /// A liveness check runs on the quotient graph (SymmetricLivenessTests checks its
    /// verdicts); a group too large for exact representatives explores the full graph.
    func testLivenessUnderSymmetry() throws {
        let text = Self.violations + "\nliveness all_arrive: eventually forall t: T: t in arrived\n"
        let m = try model(text)
        var o = CheckOptions()
        o.properties = .only(["all_arrive"])
        let r = try Explorer(model: m, options: o).run()
        XCTAssertEqual(r.symmetry, .reduced(types: ["T"], permutations: 6, exact: true))
        o.symmetry = false
        let full = try Explorer(model: m, options: o).run()
        XCTAssertLessThan(r.statistics.distinct, full.statistics.distinct)
        XCTAssertEqual(outcome(r.verdict), outcome(full.verdict))

        // 8! = 40,320 permutations: greedy representatives, so liveness takes the full graph.
        let big = try model(SymmetricLivenessTests.ring.replacingOccurrences(of: "const N = 2", with: "const N = 8")
            .replacingOccurrences(of: "{0, 1}", with: "{0, 1, 2, 3, 4, 5, 6, 7}"))
        var b = CheckOptions()
        b.properties = .only(["each_served"])
        let off = try Explorer(model: big, options: b).run()
        XCTAssertEqual(off.symmetry, .offForLiveness)
        b.symmetry = false
        XCTAssertEqual(off.statistics.distinct, try Explorer(model: big, options: b).run().statistics.distinct)
        b.symmetry = true
        b.checkLiveness = false
        XCTAssertEqual(try Explorer(model: big, options: b).run().symmetry, .reduced(types: ["T"], permutations: 40320, exact: false))
    }
}
