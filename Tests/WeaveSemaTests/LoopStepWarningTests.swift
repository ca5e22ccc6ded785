import WeaveSema
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
        let warnings = elaborate(text).1.filter { $0.contains("each iteration of this loop is a step of its own") }
        XCTAssertEqual(warnings.count, 2, "\(warnings)")
        XCTAssertTrue(warnings.contains { $0.hasPrefix("9:6:") && $0.contains("label 'b' is on the loop") }, "\(warnings)")
        XCTAssertTrue(warnings.contains { $0.hasPrefix("15:6:") && $0.contains("label 'd' is inside it") }, "\(warnings)")
    }
}
