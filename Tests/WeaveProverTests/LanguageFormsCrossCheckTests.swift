import WeaveIR
@testable import WeaveProver
import XCTest

/// The forms added to the language for issue 20 agree between the explorer and the Z3
/// encoding, like every other expression and statement.
final class LanguageFormsCrossCheckTests: XCTestCase {
    func testShorthandsAndLiteralSetsAgree() throws {
        let m = try proverModel("""
        var x: 0..7 = 0
        var y: [0..1] 0..7 = 3
        process p(i: 0..<2) {
          a:
            choose v in {0, 1, 5} { x = (x + v) % 8 }
            y[i]++
          b:
            either {
              y[i] -= 2
            }
            or {
              choose w in {x, 2} { x += w % 2 }
            }
            if x > 3 { x-- }
            else { x += 1 }
            goto a
        }
        invariant small: x < 7
        """)
        let cc = try CrossChecker(m)
        try cc.run(random: 400, seed: 5)
        XCTAssertGreaterThan(cc.counts["ok", default: 0], 100)
        XCTAssertGreaterThan(cc.counts["error", default: 0] + cc.counts["expr error", default: 0], 0)
    }
}
