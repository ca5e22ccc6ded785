import Foundation
import WeaveDriver
import WeaveExplorer
import WeaveIR
@testable import WeaveProver
import XCTest

/// Issue 16, prover side: `weave prove` and `weave bmc` say PROVED or exit 0 only
/// after the check they name ran, and name what they found as what it is.
final class NoFalseGreenTests: XCTestCase {
    func temp(_ text: String, name: String = "m") throws -> String {
        let dir = NSTemporaryDirectory() + "weave-nfg-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/\(name).weave"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func prove(_ path: String, _ properties: [String] = [], _ overrides: [String: String] = [:]) -> (WeaveExit, String) {
        capture { ProverDriver.prove(path: path, overrides: overrides, properties: properties, k: 1, timeoutMs: 20_000, smtLog: nil, io: $0) }
    }

    func proveSymbolic(_ path: String, _ const: String, _ properties: [String] = [], _ overrides: [String: String] = [:]) -> (WeaveExit, String) {
        capture { ProverDriver.proveSymbolic(path: path, overrides: overrides, constName: const, properties: properties,
                                             timeoutMs: 20_000, smtLog: nil, io: $0) }
    }

    // MARK: B9: nothing but a run-time error to prove

    static let overflow = """
    const BIG = 9223372036854775807
    var x: 0..3 = 1
    process p { s: x = (x * BIG * 4) % 4 }

    """

    /// No invariant, assert or overflow bound, but a reachable integer overflow: plain
    /// `weave prove` proves "runtime error" too, so this is refuted with a reachable run.
    func testProveWithNoPropertiesProvesRuntimeErrors() throws {
        let (code, out) = prove(try temp(Self.overflow))
        XCTAssertEqual(code, .proofRefuted, out)
        XCTAssertTrue(out.contains("prove runtime error by induction"), out)
        XCTAssertTrue(out.contains("REFUTED: no step hits a run-time error"), out)
        XCTAssertFalse(out.contains("PROVED"), out)
        // The reachable run: from the initial state x = 1, the step fails.
        XCTAssertTrue(out.contains("a real bug"), out)
        XCTAssertTrue(out.contains("  0  initial state\n       x = 1\n"), out)
        XCTAssertFalse(out.contains("strengthen the lemmas"), out)
        // The default target set, in the library as well.
        let m = try proverModel(Self.overflow)
        XCTAssertEqual(Prover.prove(m, properties: []).targets, [Prover.runtimeErrors])
    }

    /// A model with nothing to prove (no property, and no step that can fail) is not PROVED.
    func testNothingToProveIsAModelError() throws {
        let (code, out) = prove(try temp("var x: bool = false\nprocess p { s: x = true }\n"))
        XCTAssertEqual(code, .modelError, out)
        XCTAssertTrue(out.contains("nothing to prove"), out)
        XCTAssertFalse(out.contains("PROVED"), out)
        // Asked for by name, "runtime error" is proved (no step can hit one).
        let (c2, out2) = prove(try temp("var x: bool = false\nprocess p { s: x = true }\n"), [Prover.runtimeErrors])
        XCTAssertEqual(c2, .holds, out2)
        XCTAssertTrue(out2.contains("PROVED"), out2)
        // The same for every N.
        let sym = try temp("const N = 2\ntype T = 0..<N\nvar x: [T] bool = false\nprocess p(i: T) { s: x[i] = true }\n")
        let (c3, out3) = proveSymbolic(sym, "N")
        XCTAssertEqual(c3, .modelError, out3)
        XCTAssertTrue(out3.contains("nothing to prove"), out3)
        XCTAssertFalse(out3.contains("PROVED"), out3)
    }

    /// The symbolic prover's default targets include "runtime error" too.
    func testSymbolicDefaultTargetsIncludeRuntimeErrors() throws {
        let path = try temp("""
        const N = 2
        type T = 0..<N
        var x: 0..3 = 0
        process p(i: T) { s: x = x + 1 }
        invariant small: x <= 3

        """)
        let (code, out) = proveSymbolic(path, "N")
        XCTAssertEqual(code, .proofRefuted, out)
        XCTAssertTrue(out.contains("prove small, runtime error for every N"), out)
        XCTAssertTrue(out.contains("no step hits a run-time error: REFUTED"), out)
    }

    // MARK: B13: a CTI from an unreachable state, but the step fails from a reachable one too

    static let negateMin = """
    const MIN = -9223372036854775807 - 1
    var x: 0..3 = 1
    process p { s: x = -MIN % 4 }

    """

    func testUnreachableCTIWithAReachableWitnessIsARealBug() throws {
        let (code, out) = prove(try temp(Self.negateMin), [Prover.runtimeErrors])
        XCTAssertEqual(code, .proofRefuted, out)
        XCTAssertFalse(out.contains("strengthen the lemmas"), out)
        XCTAssertTrue(out.contains("a real bug"), out)
        XCTAssertTrue(out.contains("  0  initial state\n       x = 1\n"), out)
        XCTAssertTrue(out.contains("  1  p.s   (fails during this step)"), out)
        // weave ci says the same in its detail.
        let path = try temp(Self.negateMin + "expect: proved \"runtime error\"\n")
        let (c2, out2) = capture { CI.run(paths: [path], junit: nil, io: $0) }
        XCTAssertEqual(c2, .ciMismatch, out2)
        XCTAssertFalse(out2.contains("strengthen the lemmas"), out2)
        XCTAssertTrue(out2.contains("a real bug"), out2)
    }

    /// A CTI from an unreachable state with no reachable violation within the bound still
    /// asks for stronger lemmas (and says how far BMC looked).
    func testUnreachableCTIWithoutAWitnessAsksForLemmas() throws {
        let m = try proverModel(RuntimeErrorTests.guarded)
        guard case .refuted(let c) = Prover.prove(m, properties: [Prover.runtimeErrors]).verdict else {
            return XCTFail("expected a CTI")
        }
        let d = try XCTUnwrap(ProverDriver.diagnose(c, lemmas: m.invariants.map(\.name), k: 1))
        XCTAssertNil(d.witness)
        XCTAssertTrue(d.text.hasPrefix("unreachable (strengthen the lemmas)"), d.text)
        XCTAssertTrue(d.text.contains("no run of at most 10 steps"), d.text)
    }

    // MARK: friction 11: a lemma that fails in a reachable state is wrong, not the protocol

    func testLemmaFailingFromAReachableStateIsCalledWrong() throws {
        let base = """
        var x: 0..3 = 0
        process p {
          s: x = 1
          t: x = 2
        }
        invariant target: x <= 2

        """
        // The pre-state of the CTI is the initial state: reachable.
        let (c1, out1) = prove(try temp(base + "invariant wrong: x == 0\n"), ["target"])
        XCTAssertEqual(c1, .proofRefuted, out1)
        XCTAssertTrue(out1.contains("REFUTED: consecution: wrong (lemma)"), out1)
        XCTAssertTrue(out1.contains("the lemma wrong is not an invariant"), out1)
        XCTAssertFalse(out1.contains("a real bug"), out1)
        // The CTI may start anywhere at t; either the pre-state or a BMC run is reachable.
        let (c2, out2) = prove(try temp(base + "invariant wrong: x != 2\n"), ["target"])
        XCTAssertEqual(c2, .proofRefuted, out2)
        XCTAssertTrue(out2.contains("the lemma wrong is not an invariant"), out2)
        XCTAssertFalse(out2.contains("a real bug"), out2)
        XCTAssertFalse(out2.contains("strengthen the lemmas"), out2)
        // An initial state that violates a lemma: the lemma is wrong.
        let (c3, out3) = prove(try temp(base + "invariant wrong: x == 1\n"), ["target"])
        XCTAssertEqual(c3, .proofRefuted, out3)
        XCTAssertTrue(out3.contains("the lemma wrong is not an invariant"), out3)
    }

    // MARK: item 9 (b): a process that cannot terminate is never at `done`

    /// Tests/Fixtures/peterson.weave with the lemmas of its mutual exclusion proof: no
    /// `!at(P(i), done)` lemma is needed, since P has no way to terminate.
    func testNonTerminatingProcessIsNeverDoneInThePreState() throws {
        let text = try String(contentsOfFile: proverRepoRoot + "/Tests/Fixtures/peterson.weave", encoding: .utf8) + """

        invariant counted: incs == (count i: 0..1: at(P(i), cs))
        invariant flags: forall i: 0..1: flag[i] == (at(P(i), t) || at(P(i), w) || at(P(i), cs) || at(P(i), leave))
        invariant entry: forall i: 0..1: at(P(i), cs) => (at(P(1 - i), again) || at(P(1 - i), t) || at(P(1 - i), leave) || turn == i)

        """
        let r = Prover.prove(try proverModel(text), properties: ["mutual exclusion"])
        guard case .proved = r.verdict else { return XCTFail("not proved: \(r.verdict)") }
    }

    static func terminated(canTerminate: Bool) -> String {
        """
        const N = 2
        type T = 0..<N
        var flag: [T] bool = false
        process p(i: T) {
          a: flag[i] = true
          b: flag[i] = false
             \(canTerminate ? "if flag[i] { goto a }" : "goto a")
        }
        process q {
          c: await exists t: T: at(p(t), done)
             assert false "a p terminated"
        }

        """
    }

    func testTerminatedPcOnlyForProcessesThatCanTerminate() throws {
        let never = try temp(Self.terminated(canTerminate: false))
        let (c1, out1) = prove(never, ["a p terminated"])
        XCTAssertEqual(c1, .holds, out1)
        let (c2, out2) = proveSymbolic(never, "N", ["a p terminated"])
        XCTAssertEqual(c2, .holds, out2)
        // p can terminate (the branch is not folded): then `done` is a value of its pc,
        // and the assert really fails.
        let can = try temp(Self.terminated(canTerminate: true))
        let (c3, out3) = prove(can, ["a p terminated"])
        XCTAssertEqual(c3, .proofRefuted, out3)
        XCTAssertTrue(out3.contains("a real bug"), out3)
        let (c4, out4) = proveSymbolic(can, "N", ["a p terminated"])
        XCTAssertEqual(c4, .proofRefuted, out4)
    }

    // MARK: friction 10: BMC with no violation is bounded, not "holds"

    func testBMCWithoutViolationSaysBounded() throws {
        let path = proverRepoRoot + "/Models/flush_delayed_fput.weave"
        let (c1, out1) = capture { ProverDriver.bmc(path: path, overrides: ["design": "fput_sync"], depth: 4, io: $0) }
        XCTAssertEqual(c1, .holds, out1)
        XCTAssertTrue(out1.contains("NO VIOLATION within 4 steps"), out1)
        XCTAssertTrue(out1.contains("runs longer than 4 steps were not checked"), out1)
        XCTAssertFalse(out1.lowercased().contains("holds"), out1)
        let (c2, out2) = capture { ProverDriver.bmc(path: path, overrides: ["design": "fput_sync"], depth: 4, format: .json, io: $0) }
        XCTAssertEqual(c2, .holds, out2)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(out2.utf8)) as? [String: Any])
        XCTAssertEqual(json["verdict"] as? String, "bounded")
        XCTAssertEqual(json["depth"] as? Int, 4)
    }
}

/// `weave prove --help` and `weave bmc --help` state their defaults and what exit 0 means.
final class ProverHelpTests: XCTestCase {
    func help(_ command: String) throws -> String {
        let bin = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        var exe = bin.appendingPathComponent("weave")
        if !FileManager.default.fileExists(atPath: exe.path) { exe = bin.deletingLastPathComponent().appendingPathComponent("weave") }
        try XCTSkipUnless(FileManager.default.fileExists(atPath: exe.path), "weave binary not built next to the tests")
        let p = Process()
        p.executableURL = exe
        p.arguments = [command, "--help"]
        let o = Pipe()
        p.standardOutput = o
        p.standardError = o
        try p.run()
        let data = o.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        // Joined into one line: the help text is wrapped at the terminal width.
        return String(decoding: data, as: UTF8.self).split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    func testProveHelpStatesDefaults() throws {
        let text = try help("prove")
        XCTAssertTrue(text.contains("Z3 time limit per query, in milliseconds (default: none; 120000 with --symbolic)"), text)
        XCTAssertTrue(text.contains("default: every invariant, assert, overflow bound and \"runtime error\""), text)
        XCTAssertTrue(text.contains("65: nothing to prove"), text)
    }

    func testBMCHelpStatesTheDepthAndWhatExitZeroMeans() throws {
        let text = try help("bmc")
        XCTAssertTrue(text.contains("(default: 10)"), text)
        XCTAssertTrue(text.contains("a bounded check, not a proof"), text)
    }
}
