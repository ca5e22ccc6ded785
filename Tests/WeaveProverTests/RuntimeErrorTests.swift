import Foundation
import WeaveDriver
import WeaveExplorer
import WeaveIR
@testable import WeaveProver
import XCTest

/// Run-time errors as proof obligations (`runtime error`): no step of any path may hit one
/// in a state that satisfies the invariants.
final class RuntimeErrorTests: XCTestCase {
    /// Four increments of a 0..3 counter: the fourth is out of range, after three steps.
    static let counter = """
    var n: 0..3 = 0
    var a: [0..3] bool = false
    process p(i: 0..<4) {
      inc: n = n + 1
      mark: a[n] = true
    }
    invariant counted: n == (count i: 0..<4: !at(p(i), inc))
    """

    /// Two increments, and a stack pushed with each and popped after each mark.
    static let guarded = """
    var n: 0..3 = 0
    var a: [0..3] bool = false
    var q: stack<0..1, 2> = []
    process p(i: 0..<2) {
      inc: n = n + 1
           push(q, i)
      mark: a[n] = true
            pop(q)
    }
    invariant counted: n == (count i: 0..<2: !at(p(i), inc))
    """

    func testReachableOutOfRangeIsRefutedWithARealBug() throws {
        let m = try proverModel(Self.counter)
        let r = Prover.prove(m, properties: [Prover.runtimeErrors])
        guard case .refuted(let c) = r.verdict else { return XCTFail("expected a CTI, got \(r.verdict)") }
        XCTAssertEqual(c.obligation, "no step hits a run-time error")
        XCTAssertTrue(c.property.hasPrefix("runtime error: value out of range"), c.property)
        XCTAssertTrue(c.property.contains("test.weave:4:8"), c.property)
        XCTAssertTrue(c.failedInsideStep)
        XCTAssertEqual(c.step.map { String($0.name.split(separator: ".").last ?? "") }, "inc")
        // Under the lemma the pre-state has n = 3 and three processes past inc: reachable.
        XCTAssertEqual(c.preState?[0], 3)
        XCTAssertEqual(try ProverDriver.reachability(m, XCTUnwrap(c.preState)), "reachable (a real bug)")
        // BMC finds it in four steps (three increments, then the failing one), as the explorer does.
        guard case .violation(let p, _, let t, true) = BoundedModelChecker.check(m, depth: 4, properties: [Prover.runtimeErrors]) else {
            return XCTFail("BMC finds no run-time error")
        }
        XCTAssertEqual(p, "runtime error")
        XCTAssertEqual(t.steps.count, 4)
    }

    func testLemmaRulesOutThePopFromEmpty() throws {
        // Without a lemma about q, a state at mark with an empty stack is a CTI, and it is unreachable.
        let weak = try proverModel(Self.guarded)
        guard case .refuted(let c) = Prover.prove(weak, properties: [Prover.runtimeErrors]).verdict else {
            return XCTFail("expected a CTI")
        }
        XCTAssertTrue(c.property.hasPrefix("runtime error: pop from an empty stack"), c.property)
        XCTAssertEqual(try ProverDriver.reachability(weak, XCTUnwrap(c.preState)), "unreachable (strengthen the lemmas)")
        // With it, the obligation is proved (and the range of n follows from `counted`).
        let strong = try proverModel(Self.guarded + "\ninvariant pushed: len(q) == (count i: 0..<2: at(p(i), mark))\n")
        let r = Prover.prove(strong, properties: [Prover.runtimeErrors])
        guard case .proved = r.verdict else { return XCTFail("not proved: \(r.verdict)") }
        XCTAssertTrue(r.obligations.contains { $0.name == "no step hits a run-time error" && $0.status == .proved })
        // The explorer agrees: no run-time error is reachable.
        let ex = try Explorer(model: strong)
        guard case .holds = ex.run().verdict else { return XCTFail("the explorer finds a violation") }
    }

    func testRuntimeErrorIsASelectableProperty() throws {
        let m = try proverModel(Self.counter)
        XCTAssertTrue(m.propertyNames.contains("runtime error"))
    }
}
