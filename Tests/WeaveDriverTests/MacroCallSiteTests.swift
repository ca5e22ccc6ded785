import Foundation
import XCTest

/// A violation inside a macro is reported at the model's call site, with the chain of
/// macros down to the failing line, in text and JSON.
final class MacroCallSiteTests: XCTestCase {
    func testViolationInAMacroIsReportedAtTheCallSite() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("weave-macro-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try """
        var x: 0..2 = 0
        macro bump(v) {
          v = v + 1
        }
        macro twice(v) {
          bump(v)
          bump(v)
        }
        process p {
          a: twice(x)
             twice(x)
        }
        """.write(to: dir.appendingPathComponent("mac.weave"), atomically: true, encoding: .utf8)
        let r = try runWeave(["check", "mac.weave", "--quiet"], cwd: dir)
        XCTAssertEqual(r.code, 12, r.err)
        XCTAssertTrue(r.out.contains("at mac.weave:11:6, in twice() at mac.weave:6:3, in bump() at mac.weave:3:3"), r.out)
        let j = try runWeave(["check", "mac.weave", "--quiet", "--format", "json"], cwd: dir)
        let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(j.out.utf8)) as? [String: Any])
        XCTAssertEqual(obj["location"] as? String, "mac.weave:11:6")
        let chain = try XCTUnwrap(obj["expansion"] as? [[String: String]])
        XCTAssertEqual(chain.map { $0["macro"] ?? "" }, ["twice", "bump"])
        XCTAssertEqual(chain.last?["location"], "mac.weave:3:3")
    }
}
