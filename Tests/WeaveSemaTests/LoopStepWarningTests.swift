import WeaveSema
import WeaveSource
import XCTest

/// A loop whose iterations are separate steps is warned about; one that runs inside
/// one step is not.
final class LoopStepWarningTests: XCTestCase {
    func testLabelledLoopsAreWarnedAbout() {
        let text = """
        var i: 0..5 = 0
        process atomic {
          a: i = 0
             while i < 3 {
               i = i + 1
             }
        }
        process labelled {
          b: while i < 3 {
               i = i + 1
             }
        }
        process inner {
          c: skip
             while i < 5 {
          d:   i = i + 1
             }
        }
        """
        let warnings = diagnostics(text).filter { $0.id == "loopStepPerIteration" }
        XCTAssertEqual(warnings.count, 2, "\(warnings.map(\.message))")
        assertReports(text, .loopStepPerIteration(label: "b", onLoop: true), at: "9:6")
        assertReports(text, .loopStepPerIteration(label: "d", onLoop: false), at: "15:6")
        XCTAssertTrue(warnings.allSatisfy { $0.severity == .warning })
    }
}
