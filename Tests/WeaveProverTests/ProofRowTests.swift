import Foundation
import WeaveIR
@testable import WeaveDriver
@testable import WeaveProver
import XCTest

/// The `weave ci` row of a proof (`ProverHook.row`), one function for both provers: the
/// per-size row names no size, the every-N row names the N of its counterexample.
extension InductionTests {
    func testPerSizeRowsListObligationsOrNameTheFailingStep() throws {
        let proved = Prover.prove(try proverModel(Self.mutex + "\ninvariant held: (exists i: 0..<2: at(p(i), cs)) => lock\n"),
                                  properties: ["mutex"])
        let p = ProverHook.row(proved)
        XCTAssertEqual(p.got, "proved")
        XCTAssertTrue(p.passed)
        // Every obligation with its time, even those under a millisecond.
        XCTAssertEqual(p.detail.components(separatedBy: "; ").count, proved.obligations.count, p.detail)
        XCTAssertTrue(p.detail.hasPrefix("initiation: mutex "), p.detail)

        let r = Prover.prove(try proverModel(Self.mutex), properties: ["mutex"])
        guard case .refuted(let c) = r.verdict else { return XCTFail("expected a CTI, got \(r.verdict)") }
        let row = ProverHook.row(r)
        XCTAssertEqual(row.got, "refuted")
        XCTAssertFalse(row.passed)
        XCTAssertTrue(row.detail.hasPrefix("consecution: mutex fails after step \(c.stepName); the pre-state is unreachable"),
                      row.detail)
        XCTAssertFalse(c.stepName.isEmpty)
    }
}

extension SymbolicTests {
    func testEveryNRowNamesTheSizeOfItsCounterexample() throws {
        let text = try String(contentsOfFile: proverRepoRoot + "/Proofs/flush_fput_queued_symbolic.weave", encoding: .utf8)
            .replacingOccurrences(of: "invariant closed_at_rename: forall t: Thread:\n  at(nfsd(t), rename) => closed[t]", with: "")
            .replacingOccurrences(of: "\"../Models/", with: "\"")
        let e = try elaborator(text: text, ["design": "fput_queued"])
        let r = SymbolicProver.prove(constName: "THREADS", properties: ["close completed before rename"], options: options(), elaborate: e)
        guard case .refuted(let c) = r.verdict else { return XCTFail("expected a CTI, got \(r.verdict)") }
        let row = ProverHook.row(r)
        XCTAssertEqual(row.got, "refuted")
        XCTAssertFalse(row.passed)
        XCTAssertTrue(row.detail.hasPrefix("\(c.obligation) fails at THREADS = 1 after step nfsd(0).rename; the pre-state is "),
                      row.detail)
        // The diagnosis was made on the model at THREADS = 1 and says so.
        // (after the obligation's name, which names the size too when the per-size fallback found it).
        XCTAssertEqual(String(row.detail.dropFirst(c.obligation.count)).components(separatedBy: " at THREADS = 1").count, 3, row.detail)
    }
}
