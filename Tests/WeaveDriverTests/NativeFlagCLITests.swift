import Foundation
import XCTest

/// `weave check --native` through the binary: the compiled engine's report equals the
/// interpreter's (verdict, counts, trace), it says on stderr whether the code was
/// compiled, and without a compiler the run interprets and says so.
final class NativeFlagCLITests: XCTestCase {
    let root = CLITests.root

    /// The JSON report without the figures that vary from run to run.
    func stable(_ json: String) throws -> NSDictionary {
        let o = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let varying: Set<String> = ["elapsedSeconds", "statesPerSecond", "memoryBytes", "peakMemoryBytes", "visitedBytes"]
        return o.filter { !varying.contains($0.key) } as NSDictionary
    }

    func testNativeReportEqualsTheInterpreters() throws {
        for (model, args, code) in [("Models/flush_delayed_fput.weave", [String](), Int32(12)),
                                    ("Models/task_work_fput.weave", ["--const", "BOUND=2"], Int32(12)),
                                    ("Models/kernfs_notify.weave", [], Int32(11))] {
            let plain = try runWeave(["check", model, "--format", "json", "--quiet", "--workers", "1"] + args, cwd: root)
            let native = try runWeave(["check", model, "--format", "json", "--quiet", "--workers", "1", "--native"] + args, cwd: root)
            XCTAssertEqual(plain.code, native.code, model + native.err)
            XCTAssertEqual(plain.code, code, model + plain.err)
            XCTAssertEqual(try stable(plain.out), try stable(native.out), model)
            XCTAssertTrue(native.err.contains("weave: native: "), native.err)
            XCTAssertTrue(native.err.contains("process steps compiled"), native.err)
            XCTAssertFalse(plain.err.contains("native"), plain.err)
        }
    }

    func testWithoutACompilerTheRunInterpretsAndSaysSo() throws {
        let r = try runWeave(["check", "Models/flush_delayed_fput.weave", "--native", "--quiet"], cwd: root,
                             environment: ["WEAVE_CC": "/nonexistent/cc"])
        XCTAssertEqual(r.code, 12, r.out + r.err)
        XCTAssertTrue(r.err.contains("native: off"), r.err)
        XCTAssertTrue(r.err.contains("interpreted"), r.err)
        XCTAssertTrue(r.out.contains("VIOLATED: assertion \"close completed before rename\""), r.out)
    }
}
