import WeaveExplorer
import WeaveIR
import XCTest

/// `--fairness` overrides every process's declared fairness for one run.
final class FairnessOverrideTests: XCTestCase {
    func run(_ text: String, _ fairness: FairnessKind?) throws -> Verdict {
        var o = CheckOptions()
        o.fairness = fairness
        return try Explorer(model: try model(text), options: o).run().verdict
    }

    func isLiveness(_ v: Verdict) -> Bool {
        if case .violated(let x) = v { return x.kind == .liveness }
        return false
    }

    func testOverrideReplacesTheDeclarations() throws {
        let unfair = "var x: bool = false\nprocess p { s: x = true }\nliveness l: eventually x\n"
        XCTAssertTrue(isLiveness(try run(unfair, nil)))
        XCTAssertTrue(try run(unfair, .weak).isHolds)
        XCTAssertTrue(try run(unfair, .strong).isHolds)
        let fair = "var x: bool = false\nfair process p { s: x = true }\nliveness l: eventually x\n"
        XCTAssertTrue(try run(fair, nil).isHolds)
        XCTAssertTrue(isLiveness(try run(fair, .unfair)))
        // Weak and strong differ where a process is enabled only intermittently.
        let toggling = """
        var go: bool = false
        var x: bool = false
        process t {
          a: go = !go
             goto a
        }
        process p {
          s: await go
             x = true
        }
        liveness l: eventually x
        """
        XCTAssertTrue(isLiveness(try run(toggling, .weak)))
        XCTAssertTrue(try run(toggling, .strong).isHolds)
    }
}
