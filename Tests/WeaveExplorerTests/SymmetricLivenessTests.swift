import Foundation
import WeaveExplorer
import WeaveIR
import XCTest

/// Liveness under symmetry reduction against the full graph: the same verdict for every
/// property of a few hundred generated models (weak, strong and no fairness, all three
/// property forms, quantified or not), and every counterexample a real fair lasso.
final class SymmetricLivenessTests: XCTestCase {
    /// Two threads pass the turn to each other. In the quotient every state has
    /// `turn == 0` (the representative numbers the thread holding the turn 0), and the
    /// one cycle is a self-loop on which "instance 0" steps: read as identities, that
    /// says thread 1 never gets the turn, which is false. Following each thread through
    /// the edge's permutation, the property holds, as on the full graph.
    static let ring = """
    const N = 2
    type T = symmetric 0..<N
    var turn: T = 0
    var everyone: set<T> = {0, 1}
    var served: set<T> = {}

    fair process p(t: T) {
      a: await turn == t
         choose u in everyone - {t} { turn = u }
         served = served + {t}
         goto a
    }

    liveness each_served: forall t: T: eventually t in served
    liveness turn_comes_back: forall t: T: always eventually turn == t
    liveness empty_again: always eventually size(served) == 0
    """

    func run(_ m: Model, _ property: String, symmetry: Bool, dfs: Bool = false) throws -> CheckResult {
        var o = CheckOptions()
        o.properties = .only([property])
        o.symmetry = symmetry
        o.depthFirst = dfs
        o.checkDeadlock = false
        return try Explorer(model: m, options: o).run()
    }

    func testThreadsAreFollowedThroughPermutations() throws {
        let m = try model(Self.ring)
        for (p, holds) in [("each_served", true), ("turn_comes_back", true), ("empty_again", false)] {
            let sym = try run(m, p, symmetry: true)
            let full = try run(m, p, symmetry: false)
            XCTAssertEqual(sym.symmetry, .reduced(types: ["T"], permutations: 2, exact: true), p)
            XCTAssertEqual(sym.statistics.distinct, 3, "orbits: {} and turn 0; {0}; {0, 1}")
            XCTAssertEqual(full.statistics.distinct, 4)
            XCTAssertEqual(sym.verdict.isHolds, holds, "\(p): \(sym.verdict)")
            XCTAssertEqual(full.verdict.isHolds, holds, "\(p): \(full.verdict)")
            if let v = sym.verdict.violation { try assertRealFairLasso(v, m, p) }
        }
    }

    /// A thread that never gets the turn, found in the quotient and shown as a real run.
    func testStarvedThreadIsARealLasso() throws {
        let text = Self.ring.replacingOccurrences(of: "const N = 2", with: "const N = 3")
            .replacingOccurrences(of: "{0, 1}", with: "{0, 1, 2}")
        let m = try model(text)
        let v = try XCTUnwrap(try run(m, "each_served", symmetry: true).verdict.violation)
        XCTAssertTrue(v.message.hasPrefix("liveness each_served ("), v.message)
        try assertRealFairLasso(v, m, "each_served")
        XCTAssertNotNil(try run(m, "each_served", symmetry: false).verdict.violation)
    }

    /// The quotient graph (with its permutations) counts against the memory limit, as
    /// the full graph does: a limit the safety search fits under stops the liveness
    /// run, and the report's peak memory includes the graph.
    func testQuotientGraphCountsAgainstTheMemoryLimit() throws {
        let text = try String(contentsOfFile: repoRoot + "/Benchmarks/flush_race.weave", encoding: .utf8)
            .replacingOccurrences(of: "type Thread = 0..<THREADS", with: "type Thread = symmetric 0..<THREADS")
            + "\nliveness all_idle: forall t: Thread: eventually at(nfsd(t), idle)\n"
        let live = try assertLivenessGraphCountsAgainstMemoryLimit(try model(text, ["THREADS": "4"]), property: "all_idle")
        XCTAssertEqual(live.symmetry, .reduced(types: ["Thread"], permutations: 24, exact: true))
        XCTAssertEqual(live.statistics.distinct, 18_586)
    }

    /// Same verdict with and without symmetry on generated models.
    func testGeneratedModelsAgree() throws {
        var rng = SplitMix(seed: 0x5EED_11FE)
        var checked = 0, violated = 0, reduced = 0, cycles = 0
        for k in 0..<120 {
            let text = Self.generate(&rng)
            if let dir = ProcessInfo.processInfo.environment["WEAVE_DUMP_GENERATED"] {
                try text.write(toFile: "\(dir)/gen\(k).weave", atomically: true, encoding: .utf8)
            }
            let m = try model(text)
            for p in m.liveness.map(\.name) {
                let sym = try run(m, p, symmetry: true)
                let full = try run(m, p, symmetry: false)
                XCTAssertEqual(outcome(sym.verdict), outcome(full.verdict), "model \(k), \(p):\n\(text)")
                if k % 8 == 0 {
                    // Depth-first: the pass rebuilds the quotient graph instead of reading
                    // the one the breadth-first search recorded.
                    let rebuilt = try run(m, p, symmetry: true, dfs: true)
                    XCTAssertEqual(outcome(rebuilt.verdict), outcome(full.verdict), "model \(k), \(p), dfs:\n\(text)")
                    if let v = rebuilt.verdict.violation { try assertRealFairLasso(v, m, "model \(k), \(p), dfs") }
                }
                XCTAssertLessThanOrEqual(sym.statistics.distinct, full.statistics.distinct)
                if sym.statistics.distinct < full.statistics.distinct { reduced += 1 }
                if let v = sym.verdict.violation {
                    violated += 1
                    if let t = v.trace, let l = t.loopStart, l < t.states.count - 1 { cycles += 1 }
                    try assertRealFairLasso(v, m, "model \(k), \(p)")
                }
                checked += 1
            }
        }
        // The generator covers both verdicts, and symmetry reduces most spaces.
        XCTAssertGreaterThan(violated, checked / 5, "\(violated) of \(checked) violated")
        XCTAssertLessThan(violated, checked - checked / 5, "\(violated) of \(checked) violated")
        XCTAssertGreaterThan(cycles, violated / 4, "\(cycles) of \(violated) counterexamples loop")
        XCTAssertGreaterThan(reduced, checked / 3)
    }

    func outcome(_ v: Verdict) -> String {
        switch v {
        case .holds: return "holds"
        case .incomplete(let r): return "incomplete \(r)"
        case .violated(let x): return "\(x.kind.rawValue) \(x.property)"
        }
    }

    /// The trace is a run of the model from an initial state whose loop (from
    /// `loopStart` back to the same state) treats every process fairly: a weakly fair
    /// one steps in the loop or is disabled at one of its states, a strongly fair one
    /// steps or is disabled at all of them; a stuck state (a loop of no steps) has no
    /// fair process enabled.
    func assertRealFairLasso(_ v: Violation, _ m: Model, _ what: String) throws {
        XCTAssertEqual(v.kind, .liveness, what)
        let t = try XCTUnwrap(v.trace, what)
        let space = try StateSpace(model: m)
        XCTAssertTrue(space.initialStates().contains(t.states[0]), "\(what): starts in an initial state")
        for (i, step) in t.steps.enumerated() {
            let succ = try XCTUnwrap(space.successors(of: t.states[i]))
            XCTAssertTrue(succ.contains { $0.kind == .state && $0.step.name == step.name && $0.state == t.states[i + 1] },
                          "\(what): step \(i + 1) \(step.name) is not a step of the state before it")
        }
        let loop = try XCTUnwrap(t.loopStart, what)
        XCTAssertEqual(t.states[loop], t.states[t.states.count - 1], "\(what): the loop closes")
        // Per instance (process, k): stepped in the loop; enabled at some / every loop state.
        var fairness: [String: FairnessKind] = [:]
        var names: [String] = []
        for p in m.processes {
            for k in 0..<p.instanceCount {
                let name = p.indexType == nil ? p.name : "\(p.name)(\(k))"
                fairness[name] = p.fairness
                names.append(name)
            }
        }
        func instance(_ stepName: String) -> String { String(stepName.prefix { $0 != "." }) }
        let loopStates = t.states.count - 1 > loop ? Array(t.states[loop..<(t.states.count - 1)]) : [t.states[loop]]
        let enabledSets = try loopStates.map { s in Set(try XCTUnwrap(space.successors(of: s)).map { instance($0.step.name) }) }
        let stepped = Set(t.steps[loop...].map { instance($0.name) })
        for name in names {
            let enSome = enabledSets.contains { $0.contains(name) }
            let enAll = enabledSets.allSatisfy { $0.contains(name) }
            switch fairness[name] {
            case .weak?: XCTAssertTrue(stepped.contains(name) || !enAll, "\(what): \(name) is weakly fair but starved")
            case .strong?: XCTAssertTrue(stepped.contains(name) || !enSome, "\(what): \(name) is strongly fair but starved")
            default: break
            }
        }
    }

    // MARK: the generator

    /// A small model: a symmetric family `p` (2 or 3 instances) and an unindexed `q`, each
    /// weakly, strongly or not fair, with steps drawn from statements over the shared
    /// variables, and one liveness property of each form.
    static func generate(_ rng: inout SplitMix) -> String {
        let n = rng.pick([2, 3])
        let fair = ["", "fair ", "strong fair "]
        let familyStatements = [
            "flags = flags + {t}", "flags = flags - {t}", "await owner == t", "owner = t",
            "choose u: T { owner = u }", "await !busy\n     busy = true", "busy = false",
            "if level < 2 { level = level + 1 }", "if level > 0 { level = level - 1 }",
            "await t in flags", "choose u in flags { owner = u }", "mine = owner", "await mine != t",
            "if owner == t { flags = {} }",
        ]
        let otherStatements = [
            "busy = !busy", "flags = {}", "choose u: T { flags = flags + {u} }", "await level == 0",
            "if level < 2 { level = level + 1 }", "await size(flags) > 0\n     level = 0", "choose u in flags { owner = u }",
        ]
        func body(_ statements: [String], labels: [String], _ rng: inout SplitMix) -> String {
            var out = ""
            for (i, l) in labels.enumerated() {
                var lines = [rng.pick(statements)]
                if rng.below(3) == 0 { lines.append(rng.pick(statements)) }
                if i == labels.count - 1 && rng.below(4) != 0 { lines.append("goto \(labels[0])") }
                out += "  \(l): " + lines.joined(separator: "\n     ") + "\n"
            }
            return out
        }
        let labels = Array(["a", "b", "c"].prefix(2 + rng.below(2)))
        let preds = ["t in flags", "owner == t", "at(p(t), b)", "!(t in flags)", "level == 0", "!busy", "mine == t"]
        let globals = ["size(flags) == 0", "level == 2", "busy", "at(q, a)"]
        let pred1 = rng.pick(preds), pred2 = rng.pick(preds), pred3 = rng.pick(preds), pred4 = rng.pick(preds)
        return """
        const N = \(n)
        type T = symmetric 0..<N
        var owner: T = 0
        var flags: set<T> = {}
        var level: 0..2 = 0
        var busy: bool = false

        \(rng.pick(fair))process p(t: T) {
          var mine: T = 0
        \(body(familyStatements, labels: labels, &rng))}

        \(rng.pick(fair))process q {
        \(body(otherStatements, labels: ["a", "b"], &rng))}

        liveness ev: forall t: T: eventually \(pred1.replacingOccurrences(of: "mine", with: "owner"))
        liveness inf: forall t: T: always eventually \(pred2.replacingOccurrences(of: "mine", with: "owner"))
        liveness lt: forall t: T: \(pred3.replacingOccurrences(of: "mine", with: "owner")) leadsto \(pred4.replacingOccurrences(of: "mine", with: "owner"))
        liveness g: eventually \(rng.pick(globals))
        """
    }
}

/// A small deterministic generator (SplitMix64), so the generated models are the same
/// on every run.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func pick<T>(_ xs: [T]) -> T { xs[below(xs.count)] }
}
