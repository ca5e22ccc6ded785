import WeaveExplorer
import WeaveIR
import XCTest

/// The shorthands of issue 20 (`x += e`, `x -= e`, `x++`, `x--`, `else` and `or` on the
/// line after `}`) mean exactly what their long forms mean: the same state space, the
/// same verdict and the same trace, state for state.
final class ShorthandTests: XCTestCase {
    func testShorthandsExploreLikeTheirLongForms() throws {
        let short = """
        var x: 0..9 = 0
        var y: [0..1] 0..9 = 5
        process p {
          a: x++
             y[1] -= 2
          b: if x > 3 {
               skip
             }
             else {
               x += 2
             }
          c: either {
               y[0]--
             }
             or {
               y[x % 2] += 1
             }
             goto a
        }
        invariant small: x < 9
        """
        let long = """
        var x: 0..9 = 0
        var y: [0..1] 0..9 = 5
        process p {
          a: x = x + 1
             y[1] = y[1] - 2
          b: if x > 3 { skip } else { x = x + 2 }
          c: either { y[0] = y[0] - 1 } or { y[x % 2] = y[x % 2] + 1 }
             goto a
        }
        invariant small: x < 9
        """
        let a = try check(try model(short)), b = try check(try model(long))
        XCTAssertEqual(a.statistics.distinct, b.statistics.distinct)
        XCTAssertEqual(a.statistics.generated, b.statistics.generated)
        guard case .violated(let va) = a.verdict, case .violated(let vb) = b.verdict else {
            return XCTFail("both forms must be violated: \(a.verdict) / \(b.verdict)")
        }
        XCTAssertEqual(va.kind, vb.kind)
        XCTAssertEqual(va.trace?.states, vb.trace?.states)
        XCTAssertEqual(va.trace?.steps.map(\.name), vb.trace?.steps.map(\.name))
    }
}
