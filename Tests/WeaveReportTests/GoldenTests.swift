import Foundation
@testable import WeaveExplorer
import WeaveDriver
import WeaveIR
import WeaveReport
import XCTest

/// Every writer's output for fixed traces, against golden files read by hand.
/// The flush race (Models/flush_delayed_fput.weave) and the worked example of
/// docs/LANGUAGE.md (Tests/Golden/flush_race.weave) with its minimised traces.
final class GoldenTests: XCTestCase {
    /// The minimised violation of a model, as `weave check` shows it.
    func minimised(_ m: Model) throws -> Violation {
        let v = try bfsViolation(m)
        let t = try XCTUnwrap(v.trace)
        let tools = TraceTools(space: try StateSpace(model: m))
        let r = tools.minimize(t, goal: try XCTUnwrap(TraceGoal(v, model: m)))
        return v.with(trace: r.trace, model: m)
    }

    /// Figures fixed so that the report does not depend on the machine.
    func fixedResult(_ v: Violation) -> CheckResult {
        var s = Statistics()
        s.generated = 105; s.distinct = 78; s.depth = 5; s.elapsedSeconds = 0.01; s.memoryBytes = 311_220; s.stateBytes = 40
        return CheckResult(verdict: .violated(v), statistics: s, coverage: Coverage(entries: []), livenessSeconds: nil)
    }

    func testKernelView() throws {
        let m = try loadModel("Models/flush_delayed_fput.weave")
        let v = try minimised(m)
        assertGolden(KernelView.render(model: m, trace: try XCTUnwrap(v.trace), violation: v, branches: Driver.stepBranches(m)), "flush_delayed_fput.kernel.txt")
        let r = try loadModel("Tests/Golden/flush_race.weave")
        let w = try minimised(r)
        assertGolden(KernelView.render(model: r, trace: try XCTUnwrap(w.trace), violation: w, branches: Driver.stepBranches(r)), "flush_race.kernel.txt")
    }

    func testKernelViewOfTheWorkerRace() throws {
        // THREADS = 1: the columns are nfsd(0) and the worker; only they appear.
        let m = try loadModel("Models/flush_delayed_fput.weave", ["THREADS": "1"])
        let v = try minimised(m)
        let text = KernelView.render(model: m, trace: try XCTUnwrap(v.trace), violation: v, branches: Driver.stepBranches(m))
        assertGolden(text, "flush_delayed_fput_1.kernel.txt")
    }

    func testDeadlockKernelView() throws {
        let m = try loadModel("Models/flush_delayed_fput.weave", ["design": "fput_sync", "release_takes_held_lock": "true"])
        let v = try minimised(m)
        assertGolden(KernelView.render(model: m, trace: try XCTUnwrap(v.trace), violation: v, branches: Driver.stepBranches(m)), "flush_delayed_fput_lock.kernel.txt")
    }

    func testMermaid() throws {
        let m = try loadModel("Models/flush_delayed_fput.weave")
        let v = try minimised(m)
        assertGolden(Mermaid.render(model: m, trace: try XCTUnwrap(v.trace), violation: v, branches: Driver.stepBranches(m)), "flush_delayed_fput.mmd")
    }

    func testTextJSONAndITF() throws {
        let m = try loadModel("Tests/Golden/flush_race.weave")
        let v = try minimised(m)
        let t = try XCTUnwrap(v.trace)
        let rep = Reporter(model: m, branches: Driver.stepBranches(m))
        assertGolden(rep.traceText(t, failedInsideStep: true), "flush_race.trace.txt")
        assertGolden(rep.traceJSON(t).serialized(pretty: true) + "\n", "flush_race.trace.json")
        assertGolden(rep.itf(t, description: v.message, violation: v).serialized(pretty: true) + "\n", "flush_race.itf.json")
    }

    func testDot() throws {
        let m = try loadModel("Tests/Golden/flush_race.weave", ["THREADS": "1"])
        let space = try StateSpace(model: m)
        let g = try XCTUnwrap(TraceTools(space: space).stateGraph(limit: 100))
        // Independent count: every reachable state once, every successor once.
        let all = try XCTUnwrap(space.reachableStates(limit: 100))
        XCTAssertEqual(g.states.count, all.count)
        XCTAssertEqual(g.edges.count, all.reduce(0) { $0 + (space.successors(of: $1)?.count ?? 0) })
        let dot = Dot.render(model: m, graph: g)
        XCTAssertEqual(dot.split(separator: "\n").filter { $0.contains(" -> ") }.count, g.edges.count)
        assertGolden(dot, "flush_race_1.dot")
        // Checked by hand: 6 states, 6 edges, the assert failing from s4, s4 and s5 with x = 2.
        let tiny = try loadModel("Tests/Golden/tiny.weave")
        let tg = try XCTUnwrap(TraceTools(space: try StateSpace(model: tiny)).stateGraph(limit: 100))
        XCTAssertEqual(tg.states.count, 6)
        XCTAssertEqual(tg.edges.filter { $0.failure != nil }.count, 1)
        XCTAssertEqual(tg.invariantViolations.count, 2)
        XCTAssertTrue(tg.deadlocks.isEmpty)
        XCTAssertNil(TraceTools(space: try StateSpace(model: tiny)).stateGraph(limit: 5), "more states than the limit")
        assertGolden(Dot.render(model: tiny, graph: tg), "tiny.dot")
    }

    func testHTML() throws {
        let m = try loadModel("Tests/Golden/flush_race.weave")
        let v = try minimised(m)
        assertGolden(Html.render(model: m, result: fixedResult(v), trace: v.trace, violation: v, branches: Driver.stepBranches(m)), "flush_race.html")
    }

    func testSarif() throws {
        let findings = [Sarif.Finding(file: "./Models/a model.weave", line: 12, column: 1,
                                      message: "expected holds all properties [design=x], got violated deadlock")]
        assertGolden(Sarif.render(findings), "findings.sarif")
    }
}
