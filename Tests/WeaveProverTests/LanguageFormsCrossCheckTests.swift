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

    /// Records are lowered to one variable per field: their field reads, field updates,
    /// whole-record copies and field-wise `==`/`!=` agree between the explorer and Z3.
    func testRecordFieldsAgree() throws {
        let m = try proverModel("""
        type S = enum { idle, busy, gone }
        type File = record { refs: 0..3, state: S, queued: bool }
        var file: [0..1] File = [t: { refs: t + 1, state: idle, queued: false }]
        var last: File = { refs: 0, state: gone, queued: true }
        process p(i: 0..<2) {
          var mine: File = { refs: 0, state: idle, queued: false }
          a:
            either {
              file[i].refs += 1
              file[1 - i].queued = file[i].refs > 2
            }
            or {
              mine = file[1 - i]
              mine.state = if mine.refs == 0 then gone else busy
            }
            or {
              await file[i] != last && mine == { refs: 1, state: busy, queued: false }
              last = file[i]
              file[i] = { refs: 0, state: gone, queued: true }
            }
            goto a
        }
        invariant fields: forall t: 0..1: file[t] == last || file[t].refs < 3 || file[t].state != busy
        invariant copy: last != { refs: 3, state: busy, queued: true }
        """)
        let cc = try CrossChecker(m)
        try cc.run(random: 400, seed: 7)
        XCTAssertGreaterThan(cc.counts["ok", default: 0], 100)
    }
}
