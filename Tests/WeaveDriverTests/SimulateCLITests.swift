import Foundation
import XCTest

/// `weave simulate` through the binary: exit codes, the wording of a run that finds
/// nothing (a sample, never "holds"), and a found trace that `weave replay` reproduces.
final class SimulateCLITests: XCTestCase {
    let root = CLITests.root

    func tempFile(_ name: String) -> String {
        NSTemporaryDirectory() + "weave-simulate-\(getpid())-\(name)"
    }

    func testFlushRaceIsFoundAndItsTraceReplays() throws {
        let itf = tempFile("flush.itf.json")
        defer { try? FileManager.default.removeItem(atPath: itf) }
        let r = try runWeave(["simulate", "Models/flush_delayed_fput.weave", "--seed", "4", "--walks", "3", "--quiet",
                              "--trace-out", itf], cwd: root)
        XCTAssertEqual(r.code, 12, r.out + r.err)
        XCTAssertTrue(r.out.contains("VIOLATED: assertion \"close completed before rename\" fails"), r.out)
        XCTAssertTrue(r.out.contains("found by random walk"), r.out)
        XCTAssertTrue(r.out.contains("not checked: liveness and reachable properties"), r.out)
        let replay = try runWeave(["replay", "Models/flush_delayed_fput.weave", itf], cwd: root)
        XCTAssertEqual(replay.code, 0, replay.out + replay.err)
        XCTAssertTrue(replay.out.contains("REPRODUCED"), replay.out)
    }

    func testTaskWorkOverflowExitsAsCheckDoes() throws {
        let itf = tempFile("tw.itf.json")
        defer { try? FileManager.default.removeItem(atPath: itf) }
        let r = try runWeave(["simulate", "Models/task_work_fput.weave", "--const", "BOUND=4", "--walks", "1", "--quiet",
                              "--format", "json", "--trace-out", itf], cwd: root)
        XCTAssertEqual(r.code, 12, r.out + r.err)
        let o = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        XCTAssertEqual(o["verdict"] as? String, "violated")
        XCTAssertEqual(o["engine"] as? String, "simulate")
        XCTAssertEqual(o["property"] as? String, "overflow(delayed_fput_list)")
        XCTAssertEqual(o["walk"] as? Int, 1)
        let replay = try runWeave(["replay", "Models/task_work_fput.weave", itf], cwd: root)
        XCTAssertEqual(replay.code, 0, replay.out + replay.err)
    }

    func testDeadlockExits11() throws {
        let r = try runWeave(["simulate", "Models/flush_delayed_fput.weave", "--param", "design=fput_sync", "--param", "release_takes_held_lock=true",
                              "--walks", "200", "--quiet"], cwd: root)
        XCTAssertEqual(r.code, 11, r.out + r.err)
        XCTAssertTrue(r.out.contains("VIOLATED: deadlock"), r.out)
    }

    func testNoViolationIsASampleNeverHolds() throws {
        let r = try runWeave(["simulate", "Models/flush_delayed_fput.weave", "--param", "design=fput_sync",
                              "--walks", "300", "--depth", "50", "--seed", "9", "--quiet"], cwd: root)
        XCTAssertEqual(r.code, 0, r.out + r.err)
        XCTAssertTrue(r.out.contains("NO VIOLATION FOUND in 300 walks of at most 50 steps (seed 9): a random search, not a proof"), r.out)
        XCTAssertFalse(r.out.lowercased().contains("holds"), r.out)
        let j = try runWeave(["simulate", "Models/flush_delayed_fput.weave", "--param", "design=fput_sync",
                              "--walks", "300", "--quiet", "--format", "json"], cwd: root)
        XCTAssertEqual(j.code, 0, j.out + j.err)
        let o = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(j.out.utf8)) as? [String: Any])
        XCTAssertEqual(o["verdict"] as? String, "sampled")
        XCTAssertEqual(o["walks"] as? Int, 300)
        XCTAssertFalse(j.out.lowercased().contains("holds"), j.out)
    }

    func testSameSeedSameReport() throws {
        let args = ["simulate", "Models/flush_delayed_fput.weave", "--const", "THREADS=1", "--seed", "13", "--walks", "100",
                    "--quiet", "--no-minimize"]
        let a = try runWeave(args, cwd: root), b = try runWeave(args, cwd: root)
        XCTAssertEqual(a.code, 12)
        // Everything but the timing line.
        func body(_ s: String) -> String { s.split(separator: "\n").filter { !$0.hasPrefix("simulate:") }.joined(separator: "\n") }
        XCTAssertEqual(body(a.out), body(b.out))
    }

    func testLimitsAndUsage() throws {
        let t = try runWeave(["simulate", "Models/flush_delayed_fput.weave", "--param", "design=fput_sync", "--time-limit", "0",
                              "--quiet"], cwd: root)
        XCTAssertEqual(t.code, 10, t.out + t.err)
        XCTAssertTrue(t.out.contains("INCOMPLETE: --time-limit"), t.out)
        let w = try runWeave(["simulate", "Models/flush_delayed_fput.weave", "--walks", "0"], cwd: root)
        XCTAssertEqual(w.code, 64, w.err)
        let p = try runWeave(["simulate", "Models/flush_delayed_fput.weave", "--property", "renamed"], cwd: root)
        XCTAssertEqual(p.code, 64, p.err)
        XCTAssertTrue(p.err.contains("not checked by random simulation"), p.err)
    }
}

/// `weave check --dfs --seed S`: the seeded depth-first search of a swarm task.
final class SeededCheckCLITests: XCTestCase {
    func testSeedNeedsDFSAndFindsTheRace() throws {
        let root = CLITests.root
        let no = try runWeave(["check", "Models/flush_delayed_fput.weave", "--seed", "3"], cwd: root)
        XCTAssertEqual(no.code, 64, no.err)
        XCTAssertTrue(no.err.contains("--seed permutes the depth-first search's successor order"), no.err)
        let r = try runWeave(["check", "Models/flush_delayed_fput.weave", "--dfs", "--seed", "3", "--quiet"], cwd: root)
        XCTAssertEqual(r.code, 12, r.out + r.err)
        XCTAssertTrue(r.out.contains("close completed before rename"), r.out)
        let h = try runWeave(["check", "Models/flush_delayed_fput.weave", "--param", "design=fput_sync", "--dfs", "--seed", "3",
                              "--quiet"], cwd: root)
        XCTAssertEqual(h.code, 0, h.out + h.err)
    }
}
