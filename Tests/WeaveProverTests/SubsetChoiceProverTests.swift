import Foundation
import WeaveDriver
import WeaveExplorer
import WeaveIR
import WeaveSema
@testable import WeaveProver
import XCTest

/// `choose s: subset S` (issue 20 item 3): the Z3 step encoding agrees with the explorer
/// state by state, the per-size prover proves and refutes through it, and the symbolic
/// prover refuses it at its line (never PROVED).
final class SubsetChoiceProverTests: XCTestCase {
    static let model = """
    type E = 0..3
    var base: set<E> = {1, 2}
    var picked: set<E> = {}
    var mask: set<0..2> = {}
    var arr: [E] 0..3 = 0
    process p(i: 0..<2) {
      a:
        choose s: subset base {
          picked = s
          choose v in s { arr[v] = (arr[v] + 1) % 4 }
        }
      b:
        choose t: subset 0..2 { mask = mask + t }
        choose u: subset E {
          if size(u) == 4 { base = base - {0} }
          else { base = base + u }
        }
        if mask == {0, 1, 2} { arr[3] = 4 / (size(picked) - 1) % 4 }
        goto a
    }
    invariant within: picked <= base
    invariant small: size(picked) < 4
    """

    func testSubsetChoiceAgreesBetweenExplorerAndZ3() throws {
        let m = try proverModel(Self.model)
        let cc = try CrossChecker(m)
        try cc.run(random: 200, seed: 11)
        XCTAssertGreaterThan(cc.counts["ok", default: 0], 1000)
        XCTAssertGreaterThan(cc.counts["error", default: 0], 0)
    }

    func testPerSizeProverProvesAndRefutesThroughSubsetChoice() throws {
        let text = """
        type E = 0..3
        var base: set<E> = {}
        var picked: set<E> = {}
        process p {
          a: choose b: subset E { base = b; picked = picked * b }
          b: choose s: subset base { picked = s }
             goto a
        }
        invariant within: picked <= base

        """
        // Inductive only because every subset chosen at b is a subset of base.
        let w = Prover.prove(try proverModel(text), properties: ["within"])
        guard case .proved = w.verdict else { return XCTFail("within not proved: \(w.verdict)") }
        // picked = E is reachable (base = E, then s = E): refuted, as the explorer finds.
        let m = try proverModel(text + "invariant small: size(picked) < 4\n")
        let r = Prover.prove(m, properties: ["small"])
        guard case .refuted(let c) = r.verdict else { return XCTFail("expected small refuted, got \(r.verdict)") }
        let succ = try XCTUnwrap(StateSpace(model: m).successors(of: XCTUnwrap(c.preState)))
        XCTAssertTrue(succ.contains { $0.state == c.postState })
        XCTAssertEqual(try check(m).verdict.violationName, "small")
        // Without the subset restriction at b (any subset of E), within fails.
        let loose = try proverModel(text.replacingOccurrences(of: "subset base", with: "subset E"))
        guard case .refuted = Prover.prove(loose, properties: ["within"]).verdict else { return XCTFail("loose within not refuted") }
    }

    func testSymbolicProverRefusesSubsetChoiceAtItsLine() throws {
        let text = """
        const THREADS = 2
        type T = 0..<THREADS
        var s: set<0..3> = {}
        process p(i: T) {
          a: choose t: subset s { s = t }
        }
        invariant ok: size(s) == 0

        """
        let src = try Loader.load(text: text, path: "frag.weave", directory: proverRepoRoot + "/Models")
        var o = ProverOptions()
        o.timeoutMs = 20_000
        let r = ProverDriver.proveSymbolic(source: src, overrides: [:], constName: "THREADS", properties: [], options: o)
        guard case .unsupported(let why) = r.verdict else { return XCTFail("expected a refusal, got \(r.verdict)") }
        XCTAssertTrue(why.hasPrefix("frag.weave:5:"), why)
        XCTAssertTrue(why.contains("subset"), why)
    }
}

private func check(_ m: Model) throws -> CheckResult {
    try Explorer(model: m, options: CheckOptions()).run()
}

private extension Verdict {
    var violationName: String? { if case .violated(let v) = self { return v.property }; return nil }
}
