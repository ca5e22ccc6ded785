import Foundation
import WeaveExplorer
import WeaveIR
import XCTest

/// Liveness lassos with their prefix minimised (`TraceTools.minimizeLasso`): on the
/// generated models of SymmetricLivenessTests, with and without symmetry, every
/// minimised lasso is still a real fair lasso violating the same property, its prefix
/// is never longer, and it never has more processes or (with as many) more switches.
extension SymmetricLivenessTests {
    func testMinimisedLassosAreRealFairViolations() throws {
        var rng = SplitMix(seed: 0x5EED_11FE)
        var minimised = 0, fewerProcesses = 0, fewerSwitches = 0, shorter = 0, rotated = 0
        for k in 0..<120 {
            let text = Self.generate(&rng)
            let m = try model(text)
            let tools = TraceTools(space: try StateSpace(model: m))
            for (index, p) in m.liveness.map(\.name).enumerated() {
                for symmetry in [false, true] {
                    guard let v = try run(m, p, symmetry: symmetry).verdict.violation else { continue }
                    let what = "model \(k), \(p), symmetry \(symmetry)"
                    let t = try XCTUnwrap(v.trace, what)
                    let values = try XCTUnwrap(v.livenessValues, what)
                    XCTAssertEqual(tools.violatesLiveness(t, property: index, values: values), true, what)
                    let r = tools.minimizeLasso(t, property: index, values: values)
                    try assertRealFairLasso(v.with(trace: r.trace, model: m), m, what + ", minimised")
                    XCTAssertEqual(tools.violatesLiveness(r.trace, property: index, values: values), true, what)
                    // The loop is the checker's, step for step, perhaps entered at another of its states.
                    let l0 = try XCTUnwrap(t.loopStart), l1 = try XCTUnwrap(r.trace.loopStart)
                    let was = Array(t.states[l0..<(t.states.count - 1)]), now = Array(r.trace.states[l1..<(r.trace.states.count - 1)])
                    XCTAssertEqual(was.count, now.count, what)
                    XCTAssertTrue(was.isEmpty ? now.isEmpty : was.indices.contains { k in Array(was[k...] + was[..<k]) == now }, what)
                    if now != was { rotated += 1 }
                    XCTAssertEqual(r.prefixBefore, l0, what)
                    XCTAssertEqual(r.prefixAfter, l1, what)
                    XCTAssertLessThanOrEqual(l1, l0, "\(what): a longer prefix")
                    XCTAssertLessThanOrEqual(r.processesAfter, r.processesBefore, what)
                    if r.processesAfter == r.processesBefore {
                        XCTAssertLessThanOrEqual(r.switchesAfter, r.switchesBefore, what)
                    }
                    XCTAssertEqual(r.processesAfter, tools.participants(r.trace).count, what)
                    XCTAssertEqual(r.switchesAfter, tools.contextSwitches(r.trace), what)
                    minimised += 1
                    if r.processesAfter < r.processesBefore { fewerProcesses += 1 }
                    if r.switchesAfter < r.switchesBefore { fewerSwitches += 1 }
                    if l1 < l0 { shorter += 1 }
                }
            }
        }
        if ProcessInfo.processInfo.environment["WEAVE_LASSO_STATS"] != nil {
            print("lassos: \(minimised); fewer processes \(fewerProcesses), fewer switches \(fewerSwitches), shorter prefix \(shorter), rotated loop \(rotated)")
        }
        // Minimisation does something on some of them.
        XCTAssertGreaterThan(minimised, 100)
        let stats = "\(minimised) lassos: \(fewerProcesses) fewer processes, \(fewerSwitches) fewer switches, \(shorter) shorter"
        XCTAssertGreaterThan(fewerProcesses, 0, stats)
        XCTAssertGreaterThan(fewerSwitches, minimised / 10, stats)
        XCTAssertGreaterThan(shorter, 0, stats)
    }

    /// A lasso that is not one of the property (or whose values are wrong) is left alone.
    func testLassoNotViolatingThePropertyIsKept() throws {
        let m = try model(Self.ring)
        let v = try XCTUnwrap(try run(m, "empty_again", symmetry: false).verdict.violation)
        let t = try XCTUnwrap(v.trace)
        let tools = TraceTools(space: try StateSpace(model: m))
        let each = try XCTUnwrap(m.liveness.firstIndex { $0.name == "each_served" })
        XCTAssertEqual(tools.violatesLiveness(t, property: each, values: [0]), false)
        let r = tools.minimizeLasso(t, property: each, values: [0])
        XCTAssertEqual(r.trace.states, t.states)
        XCTAssertEqual(r.trace.loopStart, t.loopStart)
    }
}
