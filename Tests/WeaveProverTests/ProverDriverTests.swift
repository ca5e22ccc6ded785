import Foundation
import WeaveDriver
import WeaveExplorer
import WeaveIR
import WeaveProver
import XCTest

/// `weave prove`, `weave bmc` and `weave ci` on proof files: reports and exit codes.
final class ProverDriverTests: XCTestCase {
    func temp(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "weave-prover-\(getpid())-\(UUID().uuidString).weave"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    func testProveReportsObligationsAndExitCodes() throws {
        let proved = try temp(InductionTests.mutex + "\ninvariant held: (exists i: 0..<2: at(p(i), cs)) => lock\n")
        let (c1, out1) = capture { ProverDriver.prove(path: proved, overrides: [:], properties: ["mutex"], k: 1, timeoutMs: 10_000, smtLog: nil, io: $0) }
        XCTAssertEqual(c1, .holds, out1)
        XCTAssertTrue(out1.contains("consecution: mutex: proved"), out1)
        XCTAssertTrue(out1.contains("PROVED"), out1)

        let cti = try temp(InductionTests.mutex)
        let (c2, out2) = capture { ProverDriver.prove(path: cti, overrides: [:], properties: ["mutex"], k: 1, timeoutMs: nil, smtLog: nil, io: $0) }
        XCTAssertEqual(c2, .proofRefuted, out2)
        XCTAssertTrue(out2.contains("REFUTED: consecution: mutex"), out2)
        XCTAssertTrue(out2.contains("unreachable (strengthen the lemmas)"), out2)

        let buggy = try temp(InductionTests.mutex.replacingOccurrences(of: "a:  await !lock\n      ", with: "a:  "))
        let (c3, out3) = capture { ProverDriver.prove(path: buggy, overrides: [:], properties: [], k: 1, timeoutMs: nil, smtLog: nil, io: $0) }
        XCTAssertEqual(c3, .proofRefuted, out3)
        XCTAssertTrue(out3.contains("reachable (a real bug)"), out3)

        let (c4, _) = capture { ProverDriver.prove(path: proved, overrides: [:], properties: ["deadlock"], k: 1, timeoutMs: nil, smtLog: nil, io: $0) }
        XCTAssertEqual(c4, .proofUnknown)
        let (c5, _) = capture { ProverDriver.prove(path: "/nonexistent.weave", overrides: [:], properties: [], k: 1, timeoutMs: nil, smtLog: nil, io: $0) }
        XCTAssertEqual(c5, .fileError)
    }

    /// `--smt-log` naming a file is a file error, and the file is left as it was.
    func testSMTLogNamingAFileIsRefused() throws {
        let model = proverRepoRoot + "/Proofs/flush_fput_queued.weave"
        let file = try temp("not a directory\n")
        let (c1, out1) = capture { ProverDriver.prove(path: model, overrides: ["design": "fput_queued"], properties: [], k: 1,
                                                      timeoutMs: nil, smtLog: file, io: $0) }
        XCTAssertEqual(c1, .fileError, out1)
        XCTAssertTrue(out1.contains("is a file, not a directory"), out1)
        let (c2, _) = capture { ProverDriver.proveSymbolic(path: model, overrides: ["design": "fput_queued"], constName: "THREADS",
                                                           properties: [], timeoutMs: nil, smtLog: file, io: $0) }
        XCTAssertEqual(c2, .fileError)
        XCTAssertEqual(try String(contentsOfFile: file, encoding: .utf8), "not a directory\n")
    }

    func testBMCPrintsTheFlushRace() {
        let path = proverRepoRoot + "/Models/flush_delayed_fput.weave"
        let (c1, out1) = capture { ProverDriver.bmc(path: path, overrides: [:], depth: 6, io: $0) }
        XCTAssertEqual(c1, .proofRefuted, out1)
        XCTAssertTrue(out1.contains("VIOLATED: assertion \"close completed before rename\""), out1)
        XCTAssertTrue(out1.contains(".rename   (fails during this step)"), out1)
        let (c2, out2) = capture { ProverDriver.bmc(path: path, overrides: ["design": "fput_sync"], depth: 6, io: $0) }
        XCTAssertEqual(c2, .holds, out2)
        XCTAssertTrue(out2.contains("NO VIOLATION within 6 steps"), out2)
    }

    /// BMC's trace in check's formats, and its ITF file replayed by the explorer: the
    /// Z3 encoding's counterexample must be a real run of the native semantics.
    func testBMCTraceFormatsAndReplayThroughTheExplorer() throws {
        let path = proverRepoRoot + "/Models/flush_delayed_fput.weave"
        let itf = NSTemporaryDirectory() + "weave-bmc-\(getpid())-\(UUID().uuidString).itf.json"
        addTeardownBlock { try? FileManager.default.removeItem(atPath: itf) }
        let (c1, out1) = capture { ProverDriver.bmc(path: path, overrides: [:], depth: 8, traceOut: itf, io: $0) }
        XCTAssertEqual(c1, .proofRefuted, out1)
        // Where the assert is, as `weave check` says it (the explorer's report of the same model).
        XCTAssertNotNil(out1.range(of: #"\n  at .*/Models/flush_delayed_fput\.weave:\d+:\d+\n"#, options: .regularExpression), out1)
        let (c2, out2) = capture { ReplayDriver.replay(modelPath: path, tracePath: itf, overrides: [:], io: $0) }
        XCTAssertEqual(c2, .holds, out2)
        XCTAssertTrue(out2.contains("REPRODUCED: all 6 steps apply"), out2)
        // The same trace under another design no longer reproduces.
        let (c3, out3) = capture { ReplayDriver.replay(modelPath: path, tracePath: itf, overrides: ["design": "fput_queued"], io: $0) }
        XCTAssertEqual(c3, .ciMismatch, out3)

        let (c4, out4) = capture { ProverDriver.bmc(path: path, overrides: [:], depth: 8, format: .json, io: $0) }
        XCTAssertEqual(c4, .proofRefuted, out4)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(out4.utf8)) as? [String: Any])
        XCTAssertEqual(json["engine"] as? String, "bmc")
        XCTAssertEqual(json["verdict"] as? String, "violated")
        XCTAssertEqual(json["kind"] as? String, "assertion")
        XCTAssertEqual(json["property"] as? String, "close completed before rename")
        let steps = try XCTUnwrap((json["trace"] as? [String: Any])?["steps"] as? [[String: Any]])
        XCTAssertEqual(steps.count, 7)
        // Which nfsd loses the race is Z3's choice; the failing step is some nfsd's rename.
        let last = try XCTUnwrap(steps.last?["action"] as? String)
        XCTAssertTrue(last.hasPrefix("nfsd(") && last.hasSuffix(").rename"), last)

        let (c5, out5) = capture { ProverDriver.bmc(path: path, overrides: [:], depth: 8, format: .kernel, io: $0) }
        XCTAssertEqual(c5, .proofRefuted, out5)
        XCTAssertTrue(out5.contains("<-- VIOLATED: close completed before rename"), out5)
        let (c6, out6) = capture { ProverDriver.bmc(path: path, overrides: ["design": "fput_sync"], depth: 4, format: .json, io: $0) }
        XCTAssertEqual(c6, .holds, out6)
        XCTAssertTrue(out6.contains("\"verdict\": \"bounded\""), out6)
        // An output that is an input of the run is refused, and the model is left alone.
        let before = try String(contentsOfFile: path, encoding: .utf8)
        let (c7, _) = capture { ProverDriver.bmc(path: path, overrides: [:], depth: 8, traceOut: path, io: $0) }
        XCTAssertEqual(c7, .usage)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), before)
    }

    func testProofFilesProve() throws {
        let queued = proverRepoRoot + "/Proofs/flush_fput_queued.weave"
        for threads in ["2", "8"] {
            let (c, out) = capture { ProverDriver.prove(path: queued, overrides: ["design": "fput_queued", "THREADS": threads],
                                                       properties: ["close completed before rename"], k: 1, timeoutMs: 60_000, smtLog: nil, io: $0) }
            XCTAssertEqual(c, .holds, out)
        }
        // The flush_delayed_fput design is refuted with the same lemmas, by a reachable CTI: the race.
        let (c2, out2) = capture { ProverDriver.prove(path: queued, overrides: ["design": "flush_delayed_fput"],
                                                     properties: ["close completed before rename"], k: 1, timeoutMs: 60_000, smtLog: nil, io: $0) }
        XCTAssertEqual(c2, .proofRefuted, out2)
    }

    func testWorkExitedProvesTheSentinelAndRefutesFlagThenRun() throws {
        let path = proverRepoRoot + "/Proofs/work_exited.weave"
        let targets = ["no_work_lost", "adds after exit fail", "runtime error"]
        for files in ["1", "2"] {
            let (c, out) = capture { ProverDriver.prove(path: path, overrides: ["design": "sentinel", "FILES": files],
                                                       properties: targets, k: 1, timeoutMs: 60_000, smtLog: nil, io: $0) }
            XCTAssertEqual(c, .holds, "FILES = \(files): \(out)")
            XCTAssertTrue(out.contains("PROVED"), out)
        }
        // flag_then_run with the same lemmas: induction breaks a target, not a lemma ...
        let (c2, out2) = capture { ProverDriver.prove(path: path, overrides: ["design": "flag_then_run"],
                                                     properties: targets, k: 1, timeoutMs: 60_000, smtLog: nil, io: $0) }
        XCTAssertEqual(c2, .proofRefuted, out2)
        XCTAssertTrue(out2.contains("REFUTED: consecution: no_work_lost\n"), out2)
        // ... and every lemma holds in every reachable state of flag_then_run, so the refutation
        // is not the doing of a lemma that only the sentinel satisfies.
        let m = try proverModelFile("Proofs/work_exited.weave", ["design": "flag_then_run"])
        var options = CheckOptions()
        options.properties = .only(Set(m.invariants.map(\.name).filter { $0 != "no_work_lost" }))
        options.checkDeadlock = false
        options.checkLiveness = false
        let lemmas = try Explorer(model: m, options: options).run()
        guard case .holds = lemmas.verdict else { return XCTFail("a lemma fails in flag_then_run: \(lemmas.verdict)") }
        // With k = 8 the base case finds the race itself: a run from an initial state whose
        // every step is an explorer step, and whose last step fails a target.
        var o = ProverOptions()
        o.k = 8
        guard case .refuted(let c) = Prover.prove(m, properties: targets, options: o).verdict else {
            return XCTFail("k = 8 does not refute flag_then_run")
        }
        XCTAssertTrue(c.obligation.hasPrefix("base"), c.obligation)
        XCTAssertTrue(["no_work_lost", "adds after exit fail"].contains(c.property), c.property)
        let space = try StateSpace(model: m)
        let trace = try XCTUnwrap(c.trace)
        XCTAssertTrue(space.initialStates().contains(trace.states[0]))
        for (i, st) in trace.steps.enumerated() {
            let succ = try XCTUnwrap(space.successors(of: trace.states[i]))
            let last = i == trace.steps.count - 1 && c.failedInsideStep
            XCTAssertTrue(succ.contains { $0.step.name == st.name && (last ? $0.kind == .violation(c.property) : $0.state == trace.states[i + 1]) },
                          "step \(i) \(st.name)")
        }
    }

    func testCIRunsProvedExpectations() {
        let (code, out) = capture { CI.run(paths: [proverRepoRoot + "/Proofs/flush_waits_for_all.weave"], junit: nil, io: $0) }
        XCTAssertEqual(code, .holds, out)
        XCTAssertTrue(out.contains("expected proved, got proved"), out)
    }
}
