import WeaveExplorer
import WeaveIR
@testable import WeaveProver
import XCTest

/// k-induction: proofs, counterexamples to induction, and whether their pre-states are reachable.
final class InductionTests: XCTestCase {
    static let mutex = """
    var lock: bool = false
    process p(i: 0..<2) {
      a:  await !lock
          lock = true
      cs: lock = false
          goto a
    }
    invariant mutex: (count i: 0..<2: at(p(i), cs)) <= 1
    """

    func reachable(_ m: Model, _ s: [Int64]) throws -> Bool {
        let all = try XCTUnwrap(StateSpace(model: m).reachableStates(limit: 100_000))
        return all.contains(s)
    }

    func testMutexWithLemmaIsProved() throws {
        let m = try proverModel(Self.mutex + "\ninvariant held: (exists i: 0..<2: at(p(i), cs)) => lock\n")
        let r = Prover.prove(m, properties: ["mutex"])
        guard case .proved = r.verdict else { return XCTFail("not proved: \(r.verdict)") }
        XCTAssertEqual(r.lemmas, ["held"])
        let names = r.obligations.map(\.name)
        XCTAssertTrue(names.contains("initiation: mutex"))
        XCTAssertTrue(names.contains("consecution: mutex"))
        XCTAssertTrue(names.contains("consecution: held (lemma)"))
        XCTAssertTrue(r.obligations.allSatisfy { $0.status == .proved })
    }

    func testMutexAloneIsNotInductive() throws {
        let m = try proverModel(Self.mutex)
        let r = Prover.prove(m, properties: ["mutex"])
        guard case .refuted(let c) = r.verdict else { return XCTFail("expected a CTI, got \(r.verdict)") }
        XCTAssertEqual(c.obligation, "consecution: mutex")
        XCTAssertEqual(c.trace?.states.count, 2)
        // The CTI is a real step of the explorer from its pre-state ...
        let succ = try XCTUnwrap(StateSpace(model: m).successors(of: XCTUnwrap(c.preState)))
        XCTAssertTrue(succ.contains { $0.step.name == c.step?.name && $0.state == c.postState && $0.kind == .state })
        // ... which breaks mutex, from a pre-state the explorer never reaches.
        let space = try StateSpace(model: m, expressions: [m.invariants[0].expr])
        XCTAssertEqual(try space.evaluate(0, in: XCTUnwrap(c.preState)), 1)
        XCTAssertEqual(try space.evaluate(0, in: XCTUnwrap(c.postState)), 0)
        XCTAssertFalse(try reachable(m, XCTUnwrap(c.preState)))
    }

    func testBuggyMutexHasAReachableCTI() throws {
        let m = try proverModel(Self.mutex.replacingOccurrences(of: "a:  await !lock\n      ", with: "a:  "))
        let r = Prover.prove(m, properties: ["mutex"])
        guard case .refuted(let c) = r.verdict else { return XCTFail("expected a CTI, got \(r.verdict)") }
        XCTAssertTrue(try reachable(m, XCTUnwrap(c.preState)))
    }

    func testKInductionProvesWhatInductionCannot() throws {
        // x and y move in lock step through a two-step protocol; "x == y at even steps" needs k = 2.
        let m = try proverModel("""
        var x: 0..3 = 0
        var y: 0..3 = 0
        process p {
          a: x = (x + 1) % 4
          b: y = (y + 1) % 4
             goto a
        }
        invariant close: at(p, a) => x == y
        """)
        var o = ProverOptions()
        guard case .refuted(let c) = Prover.prove(m, properties: ["close"], options: o).verdict else { return XCTFail("1-induction proves it?") }
        XCTAssertFalse(try reachable(m, XCTUnwrap(c.preState)))
        o.k = 2
        let r = Prover.prove(m, properties: ["close"], options: o)
        guard case .proved = r.verdict else { return XCTFail("2-induction fails: \(r.verdict) \(r.obligations)") }
    }

    func testAssertTargetAndInitiationFailure() throws {
        let m = try proverModel("""
        var n: 0..3 = 1
        process p {
          a: assert n != 0 "nonzero"
             n = (n + 1) % 4
             goto a
        }
        invariant positive: n >= 1
        """)
        // Not true: n wraps to 0; the CTI is reachable and fails inside the step.
        let r = Prover.prove(m, properties: ["nonzero"])
        guard case .refuted(let c) = r.verdict else { return XCTFail("expected refuted, got \(r.verdict)") }
        XCTAssertTrue(c.obligation.hasPrefix("consecution: positive") || c.obligation.hasPrefix("no step fails"))
        let m2 = try proverModel("""
        var n: 0..3 = 0
        invariant positive: n >= 1
        """)
        guard case .refuted(let c2) = Prover.prove(m2, properties: ["positive"]).verdict else { return XCTFail("init") }
        XCTAssertTrue(c2.isInitiation)
        XCTAssertEqual(c2.trace?.states, [[0]])
    }

    func testAssertProvedWithLemma() throws {
        let m = try proverModel("""
        var n: 0..3 = 1
        process p {
          a: assert n != 0 "nonzero"
             n = n % 3 + 1
             goto a
        }
        invariant positive: n >= 1
        """)
        let r = Prover.prove(m, properties: ["nonzero"])
        guard case .proved = r.verdict else { return XCTFail("not proved: \(r.verdict)") }
        XCTAssertTrue(r.obligations.contains { $0.name == "no step fails \"nonzero\"" && $0.status == .proved })
        guard case .unknown = Prover.prove(m, properties: ["deadlock"]).verdict else { return XCTFail("deadlock proved?") }
        guard case .unknown = Prover.prove(m, properties: ["nope"]).verdict else { return XCTFail("unknown name proved?") }
    }

    func testUnboundedUnlabelledLoopIsUnknown() throws {
        let m = try proverModel("""
        var x: 0..2 = 0
        process p {
          a: x = 0
             while true { x = (x + 1) % 3 }
        }
        invariant small: x <= 2
        """)
        var o = ProverOptions()
        o.maxPathNodes = 2_000
        guard case .unknown(let why) = Prover.prove(m, properties: ["small"], options: o).verdict else { return XCTFail("decided?") }
        XCTAssertTrue(why.contains("unlabelled loop"), why)
        guard case .unknown = BoundedModelChecker.check(m, depth: 2, options: o) else { return XCTFail("BMC decided?") }
        // A bounded unlabelled loop is unrolled as far as it can run.
        let m2 = try proverModel("""
        var n: 0..7 = 0
        var k: 0..4 = 0
        process p {
          a: k = 0
             while k < n && k < 4 { k = k + 1 }
             n = (n + 1) % 8
             goto a
        }
        invariant bounded: k <= 4 && k <= n + 4
        """)
        guard case .proved = Prover.prove(m2, properties: ["bounded"]).verdict else { return XCTFail("not proved") }
    }

    func testKInductionRefutesTheFlushRace() throws {
        let m = try proverModelFile("Models/flush_delayed_fput.weave")
        for k in 1...3 {
            var o = ProverOptions()
            o.k = k
            let r = Prover.prove(m, properties: ["close completed before rename"], options: o)
            guard case .refuted(let c) = r.verdict else { return XCTFail("k = \(k): \(r.verdict)") }
            let trace = try XCTUnwrap(c.trace)
            XCTAssertEqual(trace.steps.count, k, "k = \(k)")
            // Every step of the chain is an explorer step.
            let space = try StateSpace(model: m)
            for (i, st) in trace.steps.enumerated() {
                let succ = try XCTUnwrap(space.successors(of: trace.states[i]))
                XCTAssertTrue(succ.contains { $0.step.name == st.name && $0.state == trace.states[i + 1] }, "k = \(k), step \(i)")
            }
        }
        // With k = 6 the base case (runs of up to 5 steps, then a failing step) finds the race itself.
        var o = ProverOptions()
        o.k = 6
        guard case .refuted(let c) = Prover.prove(m, properties: ["close completed before rename"], options: o).verdict else {
            return XCTFail("k = 6 proves the race away")
        }
        XCTAssertTrue(c.obligation.hasPrefix("base"))
        XCTAssertTrue(try reachable(m, XCTUnwrap(c.preState)))
    }
}
