import Foundation
import XCTest

/// A deadlock is explained as lockdep explains one: who is blocked on what, who set it,
/// and the cycle of waits.
final class DeadlockExplanationTests: XCTestCase {
    static let abba = """
    var lock: [0..1] bool = false
    process t(i: 0..<2) {
      var mine: 0..1 = 0
      first:  mine = i
              await !lock[mine]             // mutex_lock(&lock[i])
              lock[mine] = true
      second: await !lock[1 - i]            // mutex_lock(&lock[1 - i])
              lock[1 - i] = true
      out:    lock[0] = false
              lock[1] = false
    }
    """

    func testABBADeadlockNamesHoldersAndTheCycle() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("weave-abba-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Self.abba.write(to: dir.appendingPathComponent("abba.weave"), atomically: true, encoding: .utf8)
        let r = try runWeaveBinary(["check", "abba.weave", "--quiet"], cwd: dir)
        XCTAssertEqual(r.code, 11, r.out + r.err)
        XCTAssertTrue(r.out.contains("who waits for whom:"), r.out)
        XCTAssertTrue(r.out.contains("t(0) is blocked at second: await !lock[1 - self]"), r.out)
        XCTAssertTrue(r.out.contains("lock[1] = true (set by t(1) at step"), r.out)
        XCTAssertTrue(r.out.contains("lock[0] = true (set by t(0) at step"), r.out)
        XCTAssertTrue(r.out.contains("cycle: t(0) -> t(1) -> t(0)"), r.out)
        let k = try runWeaveBinary(["check", "abba.weave", "--quiet", "--format", "kernel"], cwd: dir)
        XCTAssertTrue(k.out.contains("cycle: t(0) -> t(1) -> t(0)"), k.out)
    }
}
