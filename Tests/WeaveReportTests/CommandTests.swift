import Foundation
import XCTest

/// The new subcommands and flags through the built `weave` binary: exit codes and output.
final class CommandTests: XCTestCase {
    func weave(_ args: [String]) throws -> (code: Int32, out: String) {
        let r = try runWeaveBinary(args, cwd: URL(fileURLWithPath: repoRoot))
        return (r.code, r.out)
    }

    func testFormatsAndExitCodes() throws {
        let k = try weave(["check", "Models/flush_delayed_fput.weave", "--quiet", "--format", "kernel"])
        XCTAssertEqual(k.code, 12)
        XCTAssertTrue(k.out.hasPrefix("  flush_delayed_fput (design=flush_delayed_fput"), k.out)
        let m = try weave(["check", "Models/flush_delayed_fput.weave", "--quiet", "--format", "mermaid"])
        XCTAssertEqual(m.code, 12)
        XCTAssertTrue(m.out.hasPrefix("```mermaid\nsequenceDiagram\n"), m.out)
        XCTAssertEqual(try weave(["check", "Models/flush_delayed_fput.weave", "--format", "bogus"]).code, 64)
        // --no-minimize keeps the BFS trace (nfsd(2) fails), the default minimises it (nfsd(0) fails).
        // THREADS = 3: at the default size the BFS trace is already a best one.
        let raw = try weave(["check", "Models/flush_delayed_fput.weave", "--const", "THREADS=3", "--quiet", "--no-minimize"])
        XCTAssertTrue(raw.out.contains("fails in nfsd(2)") && !raw.out.contains("trace minimised"), raw.out)
        let min = try weave(["check", "Models/flush_delayed_fput.weave", "--const", "THREADS=3", "--quiet"])
        XCTAssertTrue(min.out.contains("fails in nfsd(0)") && min.out.contains("2 context switches (BFS trace: 3)"), min.out)
        // A model that holds: the diagram formats fall back to the text report.
        let ok = try weave(["check", "Models/flush_delayed_fput.weave", "--quiet", "--format", "kernel", "--param", "design=fput_sync"])
        XCTAssertEqual(ok.code, 0)
        XCTAssertTrue(ok.out.contains("HOLDS"), ok.out)
    }

    /// The shipped liveness violation of task_work_fput: the lasso's prefix is minimised
    /// (the same 16 steps to the stuck state, one context switch instead of seven), and
    /// the minimised lasso still replays with its loop closing.
    func testLivenessLassoIsMinimised() throws {
        let args = ["check", "Models/task_work_fput.weave", "--param", "design=kthread_no_run", "--property", "every_fput_completes", "--quiet"]
        let raw = try weave(args + ["--no-minimize"])
        XCTAssertEqual(raw.code, 13)
        XCTAssertFalse(raw.out.contains("trace minimised"), raw.out)
        let min = try weave(args)
        XCTAssertEqual(min.code, 13)
        XCTAssertTrue(min.out.contains("trace minimised: 2 processes take part, 1 context switch (BFS lasso: 7), 16 steps before the loop"), min.out)
        XCTAssertTrue(min.out.contains("<- stuck here forever"), min.out)
        let itf = try scratch("cli-lasso").appendingPathComponent("t.itf.json").path
        XCTAssertEqual(try weave(args + ["--trace-out", itf]).code, 13)
        let r = try weave(["replay", "Models/task_work_fput.weave", itf, "--param", "design=kthread_no_run"])
        XCTAssertEqual(r.code, 0, r.out)
        XCTAssertTrue(r.out.contains("the cycle closes"), r.out)
    }

    func testGraphAndReplayCommands() throws {
        let g = try weave(["graph", "Tests/Golden/tiny.weave"])
        XCTAssertEqual(g.code, 0)
        XCTAssertEqual(g.out, try String(contentsOfFile: repoRoot + "/Tests/Golden/tiny.dot", encoding: .utf8))
        XCTAssertEqual(try weave(["graph", "Models/flush_delayed_fput.weave", "--max-states", "10"]).code, 10)
        let dir = try scratch("cli-replay")
        let itf = dir.appendingPathComponent("t.itf.json").path
        XCTAssertEqual(try weave(["check", "Models/flush_delayed_fput.weave", "--quiet", "--trace-out", itf]).code, 12)
        let r = try weave(["replay", "Models/flush_delayed_fput.weave", itf])
        XCTAssertEqual(r.code, 0, r.out)
        XCTAssertEqual(try weave(["replay", "Models/flush_delayed_fput.weave", itf, "--param", "design=fput_queued"]).code, 20)
        XCTAssertEqual(try weave(["replay", "Models/flush_delayed_fput.weave", dir.appendingPathComponent("none.json").path]).code, 74)
    }
}
