import WeaveExplorer
import WeaveIR
import XCTest

/// Small models with known liveness answers, including ones where weak and
/// strong fairness give different verdicts.
final class LivenessTests: XCTestCase {
    /// The flag is toggled forever by `toggler`; `waiter` can only step when the flag is set.
    /// Under weak fairness the waiter may be enabled only intermittently and never step:
    /// violated. Under strong fairness it must eventually step: holds.
    func fairnessModel(_ waiterFairness: String) -> String {
        """
        var flag: bool = false
        var got: bool = false
        fair process toggler {
          t: flag = !flag
             goto t
        }
        \(waiterFairness) process waiter {
          w: await flag
             got = true
        }
        liveness eventually_got: eventually got
        """
    }

    func testWeakFairnessAllowsStarvation() throws {
        let v = try XCTUnwrap(try check(try model(fairnessModel("fair"))).verdict.violation)
        XCTAssertEqual(v.kind, .liveness)
        let t = try XCTUnwrap(v.trace)
        XCTAssertNotNil(t.loopStart)
        XCTAssertLessThan(t.loopStart ?? 0, t.states.count - 1, "a real cycle, not a stuck state")
    }

    /// The graph a liveness run records counts against the memory limit: a limit between
    /// what the safety search needs and what the liveness search needs stops the
    /// liveness run (incomplete, "memory limit") and lets the safety run finish.
    func testRecordedGraphCountsAgainstTheMemoryLimit() throws {
        let text = try String(contentsOfFile: repoRoot + "/Benchmarks/flush_race.weave", encoding: .utf8)
            + "\nliveness all_idle: forall t: Thread: eventually at(nfsd(t), idle)\n"
        // The design fails its assert: check only all_idle, so the whole space is explored.
        let live = try assertLivenessGraphCountsAgainstMemoryLimit(try model(text, ["THREADS": "4"]), property: "all_idle")
        // 109,759 states: about 36 bytes each of graph against ~130 of store.
        XCTAssertEqual(live.statistics.distinct, 109_759)
    }

    func testStrongFairnessForbidsStarvation() throws {
        XCTAssertTrue(try check(try model(fairnessModel("strong fair"))).verdict.isHolds)
    }

    func testUnfairProcessMayStop() throws {
        let v = try XCTUnwrap(try check(try model(fairnessModel(""))).verdict.violation)
        XCTAssertEqual(v.kind, .liveness)
    }

    /// Weak fairness suffices when the waiter stays enabled.
    func testWeakFairnessSufficesWhenContinuouslyEnabled() throws {
        let m = try model("""
        var x: 0..2 = 0
        fair process a { s: x = 1 }
        fair process b { s: await x >= 1
                            x = 2 }
        liveness done_eventually: eventually x == 2
        liveness leads: x == 1 leadsto x == 2
        """)
        XCTAssertTrue(try check(m).verdict.isHolds)
    }

    /// A stuck state where the goal never happens: "every thread waits".
    func testStuckStateIsALivenessViolation() throws {
        let m = try model("""
        var lock: bool = true
        var done_: bool = false
        fair process p {
          end w: await !lock
                 done_ = true
        }
        liveness finishes: eventually done_
        """)
        let v = try XCTUnwrap(try check(m).verdict.violation)
        XCTAssertEqual(v.kind, .liveness)
        XCTAssertEqual(v.trace?.loopStart, (v.trace?.states.count ?? 0) - 1)
    }

    func testQuantifiedLeadsTo() throws {
        let m = try model("""
        var req: [0..1] bool = false
        var ack: [0..1] bool = false
        fair process client(i: 0..1) { r: req[i] = true }
        fair process server {
          end s: choose i in 0..1 {
                   await req[i] && !ack[i]
                   ack[i] = true
                 }
                 goto s
        }
        liveness served: forall i: 0..1: req[i] leadsto ack[i]
        """)
        XCTAssertTrue(try check(m).verdict.isHolds)
    }

    /// always eventually: a process that stops toggling violates it.
    func testAlwaysEventually() throws {
        let m = try model("""
        var x: bool = false
        fair process p {
          a: x = true
          b: x = false
          c: if true { goto c }
        }
        liveness infinitely_often: always eventually x
        """)
        XCTAssertNotNil(try check(m).verdict.violation)
    }

    /// Liveness rows of the verdict table (PROTOCOLS.md).
    func testProtocolLivenessRows() throws {
        let k = try modelFile("Models/task_work_fput.weave", ["design": "kthread_no_run"])
        XCTAssertEqual(try check(k, properties: .only(["every_fput_completes"])).verdict.violation?.kind, .liveness)
        let sys = try modelFile("Models/kernfs_notify.weave", ["design": "system_wq"])
        XCTAssertEqual(try check(sys, properties: .only(["md_write_completes"])).verdict.violation?.kind, .liveness)
        let fixed = try modelFile("Models/kernfs_notify.weave", ["design": "kernfs_wq_reclaim"])
        XCTAssertTrue(try check(fixed, properties: .only(["md_write_completes"])).verdict.isHolds)
    }

    /// BFS records the graph while searching; DFS rebuilds it afterwards: same verdicts.
    func testRecordedAndRebuiltGraphsAgree() throws {
        for text in [fairnessModel("fair"), fairnessModel("strong fair"), fairnessModel("")] {
            let m = try model(text)
            let a = try check(m), b = try check(m, dfs: true)
            XCTAssertEqual(a.verdict.isHolds, b.verdict.isHolds)
            XCTAssertEqual(a.verdict.violation?.property, b.verdict.violation?.property)
        }
        for design in ["system_wq", "kernfs_wq_reclaim"] {
            let m = try modelFile("Models/kernfs_notify.weave", ["design": design])
            let a = try check(m, properties: .only(["md_write_completes"]))
            let b = try check(m, dfs: true, properties: .only(["md_write_completes"]))
            XCTAssertEqual(a.verdict.isHolds, b.verdict.isHolds, design)
        }
    }
}
