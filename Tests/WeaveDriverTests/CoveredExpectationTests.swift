import Foundation
import XCTest

/// `expect ...: covered [except p.l, ...]`: weave ci fails when a step never fires, or
/// when a step listed as never firing fires.
final class CoveredExpectationTests: XCTestCase {
    func testCoveredChecksEveryStepBothWays() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("weave-covered-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let model = """
        param design: enum { both, one } = both
        var x: 0..3 = 0
        process p {
          a: x = 1
          b: if design == both { x = 2 }
          c: await x == 3
             x = 0
        }

        """
        func ci(_ expects: String) throws -> (Int32, String) {
            try (model + expects).write(to: dir.appendingPathComponent("m.weave"), atomically: true, encoding: .utf8)
            let r = try runWeave(["ci", "m.weave"], cwd: dir)
            return (r.code, r.out + r.err)
        }
        // p.c never fires (x never becomes 3): listed, it passes; not listed, it fails.
        let ok = try ci("expect: covered except p.c\n")
        XCTAssertEqual(ok.0, 0, ok.1)
        let missing = try ci("expect: covered\n")
        XCTAssertEqual(missing.0, 20, missing.1)
        XCTAssertTrue(missing.1.contains("never fired: p.c"), missing.1)
        let wrong = try ci("expect: covered except p.b, p.c\n")
        XCTAssertEqual(wrong.0, 20, wrong.1)
        XCTAssertTrue(wrong.1.contains("listed after 'except' but fired: p.b"), wrong.1)
    }
}
