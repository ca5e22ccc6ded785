import Foundation
import WeaveDriver
import WeaveIR
import WeaveReport
import WeaveSource
import XCTest

/// The results both engines report through (issue 17 item 2): a typed property identity,
/// proof and BMC results rendered by WeaveReport, and the `weave ci` cases its JUnit and
/// SARIF writers read.
final class NeutralResultTests: XCTestCase {
    func testPropertyIdentityRoundTripsEveryName() {
        let cases: [(String, PropertyID)] = [
            ("deadlock", .deadlock), ("runtime error", .runtimeError), ("#engine limit", .engineLimit),
            ("overflow(q)", .overflow("q")), ("overflow(nfsd.batch)", .overflow("nfsd.batch")),
            ("mutex", .declared("mutex")), ("close completed before rename", .declared("close completed before rename")),
            ("overflow", .declared("overflow")), ("overflow(q", .declared("overflow(q")),
        ]
        for (name, id) in cases {
            XCTAssertEqual(PropertyID(name), id, name)
            XCTAssertEqual(id.name, name)
        }
        XCTAssertTrue(PropertyID("overflow(q)").isOverflow)
        XCTAssertFalse(PropertyID("deadlock").isOverflow)
        // The model's names are the identity's.
        XCTAssertEqual(Model.overflowProperty("q"), PropertyID.overflow("q").name)
        XCTAssertEqual(Model.deadlockProperty, PropertyID.deadlock.name)
        XCTAssertEqual(Model.runtimeErrorProperty, ViolationKind.runtimeError.rawValue)
    }

    /// A counterexample to induction starts in a state that satisfies the hypotheses: the
    /// report says so of state 0 (it used to patch the trace text afterwards).
    func testCounterexampleToInductionNamesItsFirstState() throws {
        let m = try loadModel("Tests/Golden/flush_race.weave")
        let v = try bfsViolation(m)
        let t = try XCTUnwrap(v.trace)
        let reporter = Reporter(model: m, branches: Driver.stepBranches(m))
        func report(_ stage: InductionCounterexample.Stage) -> String {
            let c = InductionCounterexample(obligation: "consecution: P", property: "P", stage: stage, trace: t,
                                            failedInsideStep: true, diagnosis: nil)
            return reporter.proofText(InductionResult(outcome: .refuted(c), obligations: [
                ObligationOutcome(name: "consecution: P", status: .refuted, milliseconds: 1.25)],
                targets: ["P"], lemmas: [], k: 1, pathCount: 3, encodingSeconds: 0))
        }
        let cti = report(.consecution)
        XCTAssertTrue(cti.contains("REFUTED: consecution: P\n\ncounterexample to induction (the last step fails: P):\n"
                                   + "  0  a state satisfying every invariant (not necessarily initial)\n"), cti)
        XCTAssertFalse(cti.contains("initial state\n"), cti)
        XCTAssertTrue(cti.contains("  consecution: P: REFUTED   1.2 ms\n") || cti.contains("  consecution: P: REFUTED   1.3 ms\n"), cti)
        // The same trace as a run from an initial state keeps the usual first line, and the
        // rest of the trace is the text report's.
        let base = report(.base)
        XCTAssertTrue(base.contains("\na run from an initial state (the last step fails: P):\n  0  initial state\n"), base)
        XCTAssertTrue(base.hasSuffix(reporter.traceText(t, failedInsideStep: true)), base)
        XCTAssertTrue(cti.hasSuffix(String(reporter.traceText(t, failedInsideStep: true).drop { $0 != "\n" }.dropFirst())), cti)
    }

    /// `weave bmc` and `weave prove` name the `either` branch a step took, as `weave check` does.
    func testBMCTraceNamesTheBranchTaken() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("weave-neutral-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try EitherBranchTests.model.write(to: dir.appendingPathComponent("e.weave"), atomically: true, encoding: .utf8)
        let r = try runWeaveBinary(["bmc", "e.weave", "--depth", "3"], cwd: dir)
        XCTAssertEqual(r.code, 14, r.err)
        XCTAssertTrue(r.out.contains("VIOLATED: "), r.out)
        XCTAssertTrue(r.out.contains("either: branch 2 of 2 (x = 2)"), r.out)
        let j = try runWeaveBinary(["bmc", "e.weave", "--depth", "3", "--format", "json"], cwd: dir)
        XCTAssertEqual(j.code, 14, j.err)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(j.out.utf8)) as? [String: Any])
        XCTAssertEqual(object["engine"] as? String, "bmc")
        XCTAssertEqual(object["verdict"] as? String, "violated")
        XCTAssertEqual(object["kind"] as? String, "assertion")
        XCTAssertEqual(object["property"] as? String, "not two")
        XCTAssertEqual(object["depth"] as? Int, 2)
    }

    /// SARIF places a case at its `expect` line from the range itself (a path with colons
    /// included), and a case without one at the file's first line.
    func testSarifPlacesACaseAtItsRange() {
        let file = SourceFile(path: "Models/odd:name.weave", text: "model m\nvar x: bool = false\nexpect holds\n")
        let start = file.lineStarts[2]
        let range = SourceRange(file: file, start: start, end: start + 6)
        let failed = CaseResult(model: "m", file: "Models/odd:name.weave", property: "all properties", expected: "holds",
                                got: "violated deadlock", status: .failed, detail: "", range: range)
        XCTAssertEqual(failed.location, "Models/odd:name.weave:3:1")
        let bare = CaseResult(model: "n", file: "Models/n.weave", property: "expectations", got: "none", status: .notRun,
                              detail: "nothing checked", range: nil)
        XCTAssertEqual(bare.location, "Models/n.weave")
        let findings = Sarif.findings([failed, bare])
        XCTAssertEqual(findings.map(\.file), ["Models/odd:name.weave", "Models/n.weave"])
        XCTAssertEqual(findings.map(\.line), [3, 1])
        XCTAssertEqual(findings.map(\.column), [1, 1])
        XCTAssertEqual(findings.map(\.rule), [.expectation, .notRun])
        let xml = JUnit.xml([failed, bare])
        XCTAssertTrue(xml.contains("<failure message=\"expected holds, got violated deadlock\">Models/odd:name.weave:3:1: </failure>"), xml)
        XCTAssertTrue(xml.contains("tests=\"2\" failures=\"1\" errors=\"0\" skipped=\"1\""), xml)
    }
}
