import Foundation
import WeaveIR
import WeaveSema
@testable import WeaveProver
import XCTest

/// The per-size and the every-N prover sort requested names the same way (one
/// `ProofTargets`): invariant targets, step targets, the other invariants as lemmas,
/// and the same refusal for a name they cannot prove.
final class ProofTargetsTests: XCTestCase {
    let text = """
    const N = 2
    type T = 0..<N
    var x: 0..3 = 0
    var seen: set<T> = {}
    process p(i: T) {
      a: await !(i in seen)
         seen = seen + {i}
         assert x <= 3 "x small"
    }
    invariant small: x <= 3
    invariant few: x == 0
    """

    func elaborate(_ n: Int64) throws -> SymbolicElaboration {
        let src = try Loader.load(text: text, path: "test.weave", directory: proverRepoRoot + "/Models")
        let log = FoldLog()
        return SymbolicElaboration(model: try Sema.elaborate(src, overrides: ["N": String(n)], foldLog: log).0, folds: log.records)
    }

    func symbolic(_ names: [String]) -> ProofResult {
        var o = ProverOptions()
        o.timeoutMs = 20_000
        return SymbolicProver.prove(constName: "N", properties: names, options: o, elaborate: { try self.elaborate($0) })
    }

    func testBothProversRefuseNamesTheyCannotProveWithTheSameReason() throws {
        let model = try proverModel(text)
        for (name, why) in [("nope", "the model has no property named 'nope'"),
                            (Model.deadlockProperty, "'deadlock' is not an invariant, an assert or an overflow bound; the prover handles only those")] {
            guard case .unknown(let a) = Prover.prove(model, properties: [name]).verdict else { return XCTFail("per size: \(name) not refused") }
            XCTAssertEqual(a, why)
            guard case .unknown(let b) = symbolic([name]).verdict else { return XCTFail("every N: \(name) not refused") }
            XCTAssertEqual(b, why)
        }
    }

    func testNamedTargetsLeaveTheOtherInvariantsAsLemmasInBothProvers() throws {
        let model = try proverModel(text)
        let names = ["small", "x small", "small", Prover.runtimeErrors]
        let perSize = Prover.prove(model, properties: names)
        let everyN = symbolic(names)
        XCTAssertEqual(perSize.lemmas, ["few"])
        XCTAssertEqual(everyN.lemmas, ["few"])
        guard case .proved = perSize.verdict else { return XCTFail("per size: \(perSize.verdict)") }
        guard case .proved = everyN.verdict else { return XCTFail("every N: \(everyN.verdict)") }
        // One obligation per distinct target: the repeated name is proved once.
        for r in [perSize.obligations.map(\.name), everyN.obligations.map(\.name)] {
            XCTAssertEqual(r.filter { $0 == "initiation: small" }.count, 1, "\(r)")
            XCTAssertEqual(r.filter { $0 == "no step fails \"x small\"" }.count, 1, "\(r)")
            XCTAssertEqual(r.filter { $0 == "no step hits a run-time error" }.count, 1, "\(r)")
        }
        XCTAssertEqual(Prover.defaultTargets(model), ["small", "few", "x small", Prover.runtimeErrors])
    }
}
