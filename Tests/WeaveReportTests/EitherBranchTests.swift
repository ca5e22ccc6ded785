import Foundation
import XCTest

/// A trace names the `either` branch each step took (issue 19 item 8), in text and in the
/// kernel view, by the branch's first line.
final class EitherBranchTests: XCTestCase {
    /// A step with two branches; the second leads to a failing assert.
    static let model = """
        var x: 0..3 = 0
        process p {
          a: either {
               x = 1
             } or {
               x = 2                 // the second way
             }
          b: assert x != 2 "not two"
        }
        """

    func testTraceNamesTheBranchTaken() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("weave-either-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Self.model.write(to: dir.appendingPathComponent("e.weave"), atomically: true, encoding: .utf8)
        let r = try runWeaveBinary(["check", "e.weave", "--quiet"], cwd: dir)
        XCTAssertEqual(r.code, 12, r.err)
        XCTAssertTrue(r.out.contains("either: branch 2 of 2 (x = 2)"), r.out)
        XCTAssertFalse(r.out.contains("branch 1 of 2"), r.out)
        let k = try runWeaveBinary(["check", "e.weave", "--quiet", "--format", "kernel"], cwd: dir)
        XCTAssertTrue(k.out.contains("either: branch 2 of 2 (x = 2)"), k.out)
    }
}
