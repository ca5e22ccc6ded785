import Foundation
import XCTest

/// Kernel-view captions come from the kernel library and the model's comments, never
/// from model control code, and a comment that runs on is not cut mid-sentence.
final class CaptionTests: XCTestCase {
    func testCaptions() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("weave-captions-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try """
        param design: enum { plain, checked } = checked
        var list: 0..3 = 0
        var flag: bool = false
        macro llist_add(l) {
          push:
            l = l + 1
        }
        process p {
          first:  flag = true           // filp_close(): the last reference
                                        // goes, and the file is queued.
          second: if design == checked && !flag {
                    skip
                  }
                  llist_add(list)
          third:  assert list == 0 "list empty"
        }
        """.write(to: dir.appendingPathComponent("c.weave"), atomically: true, encoding: .utf8)
        let r = try runWeaveBinary(["check", "c.weave", "--quiet", "--format", "kernel"], cwd: dir)
        XCTAssertEqual(r.code, 12, r.out + r.err)
        let text = r.out.replacingOccurrences(of: "\n      ", with: " ")
        XCTAssertTrue(text.contains("first: filp_close(): the last reference goes, and the file is queued."), r.out)
        XCTAssertTrue(text.contains("second: llist_add()"), r.out)
        XCTAssertFalse(text.contains("if design"), r.out)
        XCTAssertTrue(text.contains("second.push: llist_add(): push"), r.out)
    }
}
