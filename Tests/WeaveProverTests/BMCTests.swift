import WeaveExplorer
import WeaveIR
@testable import WeaveProver
import XCTest

/// Bounded model checking against the explorer.
final class BMCTests: XCTestCase {
    /// Replays a trace with the explorer: every step must be one of the explorer's
    /// outcomes from the state before it (the last one the violation, if any).
    func replay(_ m: Model, _ t: Trace, violation: String?, file: StaticString = #filePath, line: UInt = #line) throws {
        let space = try StateSpace(model: m)
        XCTAssertTrue(space.initialStates().contains(t.states[0]), "the trace does not start in an initial state", file: file, line: line)
        XCTAssertEqual(t.states.count, t.steps.count + 1, file: file, line: line)
        for (i, step) in t.steps.enumerated() {
            guard let succ = space.successors(of: t.states[i]) else {
                return XCTFail("explorer rejects state \(i)", file: file, line: line)
            }
            let last = i == t.steps.count - 1
            let kind: StateSpace.Successor.Kind = last && violation != nil ? .violation(violation!) : .state
            XCTAssertTrue(succ.contains { $0.step.name == step.name && $0.kind == kind && $0.state == t.states[i + 1] },
                          "step \(i + 1) \(step.name) is not an explorer outcome", file: file, line: line)
        }
    }

    func testFindsTheFlushRaceAndTheExplorerAgrees() throws {
        let m = try proverModelFile("Models/flush_delayed_fput.weave")
        let r = BoundedModelChecker.check(m, depth: 6)
        guard case .violation(let prop, _, let trace, let failed) = r else { return XCTFail("expected a violation, got \(r)") }
        XCTAssertEqual(prop, "close completed before rename")
        XCTAssertTrue(failed)
        XCTAssertLessThanOrEqual(trace.steps.count, 6)
        try replay(m, trace, violation: "close completed before rename")
        // The explorer's shortest trace has the same length (BMC tries depths in order).
        let ex = try Explorer(model: m, options: { var o = CheckOptions(); o.properties = .only(["close completed before rename"]); return o }())
        guard case .violated(let v) = ex.run().verdict, let et = v.trace else { return XCTFail("the explorer finds no race") }
        XCTAssertEqual(et.steps.count, trace.steps.count)
    }

    func testFindsTheRaceWithOneThread() throws {
        let m = try proverModelFile("Models/flush_delayed_fput.weave", ["THREADS": "1"])
        guard case .violation(let prop, _, let trace, _) = BoundedModelChecker.check(m, depth: 6) else { return XCTFail("no race") }
        XCTAssertEqual(prop, "close completed before rename")
        try replay(m, trace, violation: prop)
    }

    func testNoViolationForFputSync() throws {
        let m = try proverModelFile("Models/flush_delayed_fput.weave", ["design": "fput_sync"])
        guard case .noViolation(let d) = BoundedModelChecker.check(m, depth: 6) else { return XCTFail("expected no violation") }
        XCTAssertEqual(d, 6)
    }

    func testInvariantViolationAndOverflowTraces() throws {
        let m = try proverModel("""
        var n: 0..5 = 0
        var q: stack<0..1, 2> = []
        process p(i: 0..<2) {
          a: n = n + 1
          b: push(q, i)
             goto a
        }
        invariant small: n <= 2
        """)
        // Three a-steps need a b-step in between: n = 3 after four steps.
        guard case .violation(let p1, _, let t1, false) = BoundedModelChecker.check(m, depth: 6) else { return XCTFail("no violation") }
        XCTAssertEqual(p1, "small")
        XCTAssertEqual(t1.steps.count, 4)
        XCTAssertEqual(t1.states.last?[0], 3)
        try replay(m, t1, violation: nil)
        // The third push overflows: six steps.
        guard case .violation(let p2, _, let t2, true) = BoundedModelChecker.check(m, depth: 6, properties: ["overflow(q)"]) else {
            return XCTFail("no overflow")
        }
        XCTAssertEqual(p2, "overflow(q)")
        XCTAssertEqual(t2.steps.count, 6)
        try replay(m, t2, violation: "overflow(q)")
        guard case .noViolation = BoundedModelChecker.check(m, depth: 5, properties: ["overflow(q)"]) else {
            return XCTFail("an overflow in five steps")
        }
    }

    func testRuntimeErrorTrace() throws {
        let m = try proverModel("""
        var a: [0..1] 0..3 = 0
        var i: 0..2 = 0
        process p {
          s: i = i + 1
             a[i] = 1
             goto s
        }
        """)
        guard case .violation(let prop, _, let t, true) = BoundedModelChecker.check(m, depth: 4) else { return XCTFail("no error") }
        XCTAssertEqual(prop, "runtime error")
        XCTAssertEqual(t.steps.count, 2)
        let succ = try StateSpace(model: m).successors(of: t.states[1])!
        XCTAssertTrue(succ.contains { if case .error = $0.kind { return $0.state == t.states[2] }; return false })
    }
}
