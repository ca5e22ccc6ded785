import Foundation
import WeaveDriver
import WeaveExplorer
import WeaveIR
import WeaveReport
import XCTest

/// Every view of a liveness counterexample marks where its loop starts (a cycle) or
/// that the run stays in its last state (stuck): text, JSON `loopStart`, ITF `loop`,
/// kernel view, Mermaid and HTML.
final class LassoViewTests: XCTestCase {
    /// `b` counts to 2 and ends; `a` toggles for ever; `finished` is never set: a fair
    /// cycle of `a` after `b` has finished.
    static let cycling = """
    var x: 0..1 = 0
    var y: 0..2 = 0
    var finished: bool = false

    fair process a {
      l: x = 1 - x
         goto l
    }

    fair process b {
      m: y = y + 1
      n: y = y + 1
    }

    liveness finishes: eventually finished
    """

    /// Both wait for a flag nobody sets: stuck.
    static let stuck = """
    var go: bool = false
    var finished: bool = false

    fair process a {
      l: await go
         finished = true
    }

    liveness finishes: eventually finished
    """

    func check(_ text: String) throws -> (Model, CheckResult, Violation, Trace) {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("lasso-view-\(text.hashValue).weave")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let m = try loadModel(file.path)
        var o = CheckOptions()
        o.checkDeadlock = false
        let r = try Explorer(model: m, options: o).run()
        guard case .violated(let v) = r.verdict, let t = v.trace, t.loopStart != nil else {
            XCTFail("expected a lasso: \(r.verdict)")
            throw CocoaError(.featureUnsupported)
        }
        return (m, r, v, t)
    }

    func views(_ m: Model, _ r: CheckResult, _ v: Violation, _ t: Trace) -> [String: String] {
        let reporter = Reporter(model: m, branches: Driver.stepBranches(m))
        return [
            "text": reporter.text(r),
            "json": reporter.json(r).serialized(pretty: true),
            "itf": reporter.itf(t, description: v.message, violation: v).serialized(pretty: true),
            "kernel": KernelView.render(model: m, trace: t, violation: v, branches: Driver.stepBranches(m)),
            "mermaid": Mermaid.render(model: m, trace: t, violation: v, branches: Driver.stepBranches(m)),
            "html": Html.render(model: m, result: r, trace: t, violation: v, branches: Driver.stepBranches(m)),
        ]
    }

    func testCycleIsMarkedInEveryView() throws {
        let (m, r, v, t) = try check(Self.cycling)
        let l = try XCTUnwrap(t.loopStart)
        XCTAssertLessThan(l, t.states.count - 1, "a cycle, not a stuck state")
        let out = views(m, r, v, t)
        XCTAssertTrue(out["text"]!.contains("<- the cycle starts here") || l == 0, out["text"]!)
        XCTAssertTrue(out["text"]!.contains("... back to state \(l): the cycle repeats forever"), out["text"]!)
        XCTAssertTrue(out["json"]!.contains("\"loopStart\" : \(l)") || out["json"]!.contains("\"loopStart\": \(l)"), out["json"]!)
        XCTAssertTrue(out["itf"]!.contains("\"loop\" : \(l)") || out["itf"]!.contains("\"loop\": \(l)"), out["itf"]!)
        XCTAssertTrue(out["kernel"]!.contains("~~~~ the cycle starts here ~~~~"), out["kernel"]!)
        XCTAssertTrue(out["kernel"]!.contains("~~~~ back to the start of the cycle, forever ~~~~"), out["kernel"]!)
        XCTAssertTrue(out["mermaid"]!.contains("    loop forever\n") && out["mermaid"]!.contains("    end\n"), out["mermaid"]!)
        XCTAssertTrue(out["html"]!.contains("\"loopStart\":\(l)") || out["html"]!.contains("\"loopStart\": \(l)"), String(out["html"]!.prefix(3000)))
        XCTAssertTrue(out["html"]!.contains("back to the start of the cycle, forever"))
    }

    func testStuckStateIsMarkedInEveryView() throws {
        let (m, r, v, t) = try check(Self.stuck)
        let l = try XCTUnwrap(t.loopStart)
        XCTAssertEqual(l, t.states.count - 1)
        let out = views(m, r, v, t)
        XCTAssertTrue(out["text"]!.contains("... and stays in state \(l) forever"), out["text"]!)
        XCTAssertTrue(out["json"]!.contains("\"loopStart\" : \(l)") || out["json"]!.contains("\"loopStart\": \(l)"), out["json"]!)
        XCTAssertTrue(out["itf"]!.contains("\"loop\" : \(l)") || out["itf"]!.contains("\"loop\": \(l)"), out["itf"]!)
        XCTAssertTrue(out["kernel"]!.contains("~~~~ stuck here forever"), out["kernel"]!)
        XCTAssertTrue(out["mermaid"]!.contains("Note over shared: stuck here forever"), out["mermaid"]!)
        XCTAssertTrue(out["html"]!.contains("stuck here forever"))
    }
}
