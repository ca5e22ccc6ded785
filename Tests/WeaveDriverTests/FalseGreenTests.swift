import Foundation
import XCTest

/// Issue 16: no run ends green (exit 0) unless the check it names ran, no output
/// destroys an input, and no report states a fact about another state than the one shown.
/// Each test reproduces a case that went wrong before its fix.
final class FalseGreenTests: XCTestCase {
    static let root = CLITests.root

    func weave(_ args: [String], cwd: URL = FalseGreenTests.root) throws -> (code: Int32, out: String, err: String) {
        try runWeave(args, cwd: cwd)
    }

    /// A fresh scratch directory for one test.
    func scratch(_ name: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("weave-fg-\(getpid())-\(name)")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    // MARK: item 1, contradictory flags

    func testPropertyOfAKindTheRunTurnsOffIsAUsageError() throws {
        let live = try weave(["check", "Models/task_work_fput.weave", "--param", "design=kthread_no_run",
                              "--property", "every_fput_completes", "--no-liveness", "--quiet"])
        XCTAssertEqual(live.code, 64, live.out + live.err)
        XCTAssertTrue(live.err.contains("--property every_fput_completes") && live.err.contains("--no-liveness"), live.err)
        XCTAssertFalse(live.out.contains("HOLDS"), live.out)
        let dead = try weave(["check", "Models/flush_delayed_fput.weave", "--param", "release_takes_held_lock=true",
                              "--property", "deadlock", "--no-deadlock", "--quiet"])
        XCTAssertEqual(dead.code, 64, dead.out + dead.err)
        XCTAssertTrue(dead.err.contains("--property deadlock") && dead.err.contains("--no-deadlock"), dead.err)
        // Without the contradicting flag the same runs find their violations.
        XCTAssertEqual(try weave(["check", "Models/flush_delayed_fput.weave", "--param", "release_takes_held_lock=true",
                                  "--property", "deadlock", "--quiet"]).code, 11)
    }

    func testFlagsADepthFirstSearchWouldIgnoreAreRefused() throws {
        let w = try weave(["check", "Models/flush_delayed_fput.weave", "--dfs", "--workers", "4", "--quiet"])
        XCTAssertEqual(w.code, 64, w.out + w.err)
        XCTAssertTrue(w.err.contains("--dfs") && w.err.contains("--workers"), w.err)
        let f = try weave(["check", "Models/flush_delayed_fput.weave", "--dfs", "--fingerprint", "--quiet"])
        XCTAssertEqual(f.code, 64, f.out + f.err)
        XCTAssertTrue(f.err.contains("--fingerprint"), f.err)
    }

    /// An empty model, or one with declarations only, has nothing to check: not HOLDS.
    func testAModelWithNoProcessHasNothingToCheck() throws {
        let dir = try scratch("empty")
        for (name, text) in [("empty.weave", ""), ("decls.weave", "var x: bool = false\ninvariant i: !x\n")] {
            try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
            let r = try weave(["check", name, "--quiet"], cwd: dir)
            XCTAssertEqual(r.code, 65, "\(name): \(r.out) \(r.err)")
            XCTAssertFalse(r.out.contains("HOLDS"), r.out)
            XCTAssertTrue(r.err.contains("nothing to check"), r.err)
        }
        // A run that checks only run-time errors says so.
        try "var x: bool = false\nprocess p { s: x = true }\n".write(to: dir.appendingPathComponent("p.weave"), atomically: true, encoding: .utf8)
        let r = try weave(["check", "p.weave", "--quiet", "--no-deadlock"], cwd: dir)
        XCTAssertTrue(r.err.contains("only run-time errors are checked"), r.err)
        let d = try weave(["check", "p.weave", "--quiet"], cwd: dir)
        XCTAssertEqual(d.code, 0, d.err)
        XCTAssertTrue(d.err.contains("declares no property: only deadlock and run-time errors are checked"), d.err)
    }

    // MARK: item 6, outputs never overwrite inputs

    func testNoOutputIsAnInputOfTheRun() throws {
        let dir = try scratch("outputs")
        let model = "import \"lib.weave\"\nvar x: 0..3 = 3\nprocess p { s: x = x + 1 }\n"
        let lib = "const K = 1\n"
        let m = dir.appendingPathComponent("m.weave"), l = dir.appendingPathComponent("lib.weave")
        try model.write(to: m, atomically: true, encoding: .utf8)
        try lib.write(to: l, atomically: true, encoding: .utf8)
        let cases: [[String]] = [
            ["check", "m.weave", "--html", "m.weave", "--quiet"],
            ["check", "m.weave", "--html", "lib.weave", "--quiet"],
            ["check", "m.weave", "--html", "./sub/../m.weave", "--quiet"],
            ["graph", "m.weave", "--output", "m.weave"],
            ["graph", "m.weave", "--output", "lib.weave"],
            ["check", "m.weave", "--checkpoint", "m.weave", "--quiet"],
        ]
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("sub"), withIntermediateDirectories: true)
        for args in cases {
            let r = try weave(args, cwd: dir)
            XCTAssertEqual(r.code, 64, "\(args): \(r.out) \(r.err)")
            XCTAssertTrue(r.err.contains("input of this run"), "\(args): \(r.err)")
            XCTAssertEqual(try String(contentsOf: m, encoding: .utf8), model, "\(args) changed the model")
            XCTAssertEqual(try String(contentsOf: l, encoding: .utf8), lib, "\(args) changed the import")
        }
        // Two outputs naming one file: refused before anything is written.
        let both = try weave(["check", "m.weave", "--html", "out.txt", "--trace-out", "out.txt", "--quiet"], cwd: dir)
        XCTAssertEqual(both.code, 64, both.err)
        XCTAssertTrue(both.err.contains("--html") && both.err.contains("--trace-out"), both.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("out.txt").path))
        // A checkpoint directory that is a file is refused at once, not at the first checkpoint.
        try "x".write(to: dir.appendingPathComponent("plain"), atomically: true, encoding: .utf8)
        let cp = try weave(["check", "m.weave", "--checkpoint", "plain", "--quiet"], cwd: dir)
        XCTAssertEqual(cp.code, 64, cp.err)
        XCTAssertEqual(try String(contentsOf: dir.appendingPathComponent("plain"), encoding: .utf8), "x")
    }

    // MARK: item 9, reports that state wrong facts

    /// Minimisation keeps the same deadlock: every "X is blocked at L" of the message is
    /// true of the last state of the trace shown (it described the BFS trace's state before).
    func testMinimisedDeadlockIsTheDeadlockTheMessageNames() throws {
        let r = try weave(["check", "Models/flush_delayed_fput.weave", "--param", "design=flush_waits_for_all",
                           "--param", "release_takes_held_lock=true", "--format", "json", "--quiet"])
        XCTAssertEqual(r.code, 11, r.err)
        let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        let message = try XCTUnwrap(obj["message"] as? String)
        let steps = try XCTUnwrap((obj["trace"] as? [String: Any])?["steps"] as? [[String: Any]])
        var pcs: [String: String] = [:]
        for s in steps {
            for (k, v) in (s["changes"] as? [String: Any]) ?? [:] where k.hasSuffix(".pc") {
                pcs[String(k.dropLast(3))] = "\(v)"
            }
        }
        let claims = message.components(separatedBy: "and ").last?.components(separatedBy: ", ") ?? []
        XCTAssertFalse(claims.isEmpty, message)
        for c in claims {
            let parts = c.components(separatedBy: " is blocked at ")
            XCTAssertEqual(parts.count, 2, c)
            XCTAssertEqual(pcs[parts[0]], parts[1], "\(c), but the trace ends with \(pcs)")
        }
    }

    func testTwoAssertsWithOneMessageEachReportTheirOwnPosition() throws {
        let dir = try scratch("asserts")
        let text = "var x: bool = false\nprocess a {\n  s: assert true \"same message\"\n}\nprocess b {\n  s: assert x \"same message\"\n}\n"
        try text.write(to: dir.appendingPathComponent("dup.weave"), atomically: true, encoding: .utf8)
        let r = try weave(["check", "dup.weave", "--quiet"], cwd: dir)
        XCTAssertEqual(r.code, 12, r.err)
        XCTAssertTrue(r.out.contains("at dup.weave:6:6"), r.out)
        let j = try weave(["check", "dup.weave", "--quiet", "--no-minimize", "--format", "json"], cwd: dir)
        XCTAssertTrue(j.out.contains("dup.weave:6:6"), j.out)
    }

    func testDepthFirstTraceIsNotCalledShortest() throws {
        let r = try weave(["check", "Models/flush_delayed_fput.weave", "--dfs", "--quiet"])
        XCTAssertEqual(r.code, 12)
        XCTAssertFalse(r.out.contains("shortest trace"), r.out)
        XCTAssertTrue(r.out.contains("depth-first search, not the shortest"), r.out)
        let bfs = try weave(["check", "Models/flush_delayed_fput.weave", "--quiet"])
        XCTAssertTrue(bfs.out.contains("shortest trace (6 steps)"), bfs.out)
    }

    func testAnUnfairProcessThatCanMoveIsNotCalledBlocked() throws {
        let dir = try scratch("unfair")
        try "var x: bool = false\nprocess p { s: x = true }\nliveness l: eventually x\n"
            .write(to: dir.appendingPathComponent("u.weave"), atomically: true, encoding: .utf8)
        let r = try weave(["check", "u.weave", "--quiet"], cwd: dir)
        XCTAssertEqual(r.code, 13, r.err)
        XCTAssertFalse(r.out.contains("is blocked"), r.out)
        XCTAssertTrue(r.out.contains("p can move at s but is not fair"), r.out)
    }

    /// A loop that ends after 600,000 iterations inside one step is not a violation: the
    /// engine's limit stops the run incomplete, names the limit, and the option raises it.
    func testStepInstructionLimitIsAnEngineLimitNotAViolation() throws {
        let dir = try scratch("limit")
        let text = "const N = 600000\nvar i: 0..N = 0\nvar d: bool = false\nprocess p {\n  s: d = false\n     while i < N {\n"
            + "       i = i + 1\n     }\n     d = true\n  t: skip\n}\n"
        try text.write(to: dir.appendingPathComponent("l.weave"), atomically: true, encoding: .utf8)
        let r = try weave(["check", "l.weave", "--quiet"], cwd: dir)
        XCTAssertEqual(r.code, 10, r.out + r.err)
        XCTAssertFalse(r.out.contains("VIOLATED"), r.out)
        XCTAssertTrue(r.out.contains("engine limit") && r.out.contains("--max-step-instructions"), r.out)
        let raised = try weave(["check", "l.weave", "--quiet", "--max-step-instructions", "5000000"], cwd: dir)
        XCTAssertEqual(raised.code, 0, raised.out + raised.err)
    }

    func testReplayOfAnotherSizeNamesTheStateThatDoesNotFit() throws {
        let dir = try scratch("replay")
        let itf = dir.appendingPathComponent("f.itf.json").path
        XCTAssertEqual(try weave(["check", "Models/flush_delayed_fput.weave", "--trace-out", itf, "--quiet"]).code, 12)
        let r = try weave(["replay", "Models/flush_delayed_fput.weave", itf, "--const", "THREADS=1"])
        XCTAssertEqual(r.code, 20, r.out + r.err)
        XCTAssertFalse(r.out.contains("the trace has no states"), r.out)
        XCTAssertTrue(r.out.contains("does not fit the model"), r.out)
        // Settings saved in the trace that the model rejects are an error, not a silent default.
        let data = try Data(contentsOf: URL(fileURLWithPath: itf))
        var obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var meta = try XCTUnwrap(obj["#meta"] as? [String: Any])
        var settings = try XCTUnwrap(meta["settings"] as? [String: Any])
        for bad in ["abc", "1000000"] {
            settings["THREADS"] = bad
            meta["settings"] = settings
            obj["#meta"] = meta
            let path = dir.appendingPathComponent("bad-\(bad).itf.json").path
            try JSONSerialization.data(withJSONObject: obj).write(to: URL(fileURLWithPath: path))
            let b = try weave(["replay", "Models/flush_delayed_fput.weave", path])
            XCTAssertEqual(b.code, 65, "THREADS=\(bad): \(b.out) \(b.err)")
            XCTAssertFalse(b.out.contains("REPRODUCED"), b.out)
            XCTAssertTrue(b.err.contains("THREADS=\(bad)"), b.err)
        }
    }
}

extension FalseGreenTests {
    /// A checkpoint of a search that finished is removed (it can be gigabytes), one of a
    /// search that stopped early is kept for --resume.
    func testFinishedSearchRemovesItsCheckpoint() throws {
        let dir = try scratch("ckpt-done")
        try "var x: 0..255 = 0\nprocess p {\n  s: if x < 100 { x = x + 1 }\n     goto s\n}\ninvariant never: x != 75\n"
            .write(to: dir.appendingPathComponent("c.weave"), atomically: true, encoding: .utf8)
        let early = try weave(["check", "c.weave", "--max-states", "50", "--checkpoint", "cp", "--checkpoint-interval", "0", "--workers", "1", "--quiet"], cwd: dir)
        XCTAssertEqual(early.code, 10, early.err)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("cp/search.ckpt").path))
        let done = try weave(["check", "c.weave", "--resume", "cp", "--checkpoint", "cp", "--workers", "1"], cwd: dir)
        XCTAssertEqual(done.code, 12, done.err)
        XCTAssertTrue(done.err.contains("removed its checkpoint"), done.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("cp/search.ckpt").path))
    }
}
