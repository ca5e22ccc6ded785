import WeaveExplorer
import WeaveIR
import XCTest

/// Distinct-state counts checked against counts known independently
/// (by hand, or by SPIN on the same model at the same atomicity).
final class StateCountTests: XCTestCase {
    /// Three independent processes, each with states (a,0), (b,1), (done,2):
    /// 3^3 = 27 states; each state offers one step per unfinished process,
    /// 3 processes x 2 unfinished states x 9 = 54 transitions; depth 6.
    func testIndependentCountersByHand() throws {
        let m = try model("""
        process p(i: 0..<3) {
          var c: 0..2 = 0
          a: c = c + 1
          b: c = c + 1
        }
        """)
        for dfs in [false, true] {
            let r = try check(m, dfs: dfs)
            XCTAssertTrue(r.verdict.isHolds)
            XCTAssertEqual(r.statistics.distinct, 27)
            XCTAssertEqual(r.statistics.generated, 55)  // 54 transitions + the initial state
        }
        XCTAssertEqual(try check(m).statistics.depth, 6)
    }

    /// `either` fans out: the initial state, three after the choice, three terminated: 7.
    func testEitherFanOutByHand() throws {
        let m = try model("""
        var x: 0..3 = 0
        process p {
          a: either { x = 1 } or { x = 2 } or { x = 3 }
          b: skip
        }
        """)
        let r = try check(m)
        XCTAssertEqual(r.statistics.distinct, 7)
        XCTAssertEqual(r.statistics.generated, 7)
    }

    /// A lock shared by N processes: unlocked with all at `a`, or locked by exactly one: N + 1 states.
    func testMutexByHand() throws {
        for n in 1...4 {
            let m = try model("""
            const N = \(n)
            var locked: bool = false
            process p(i: 0..<N) {
              end a: await !locked
                     locked = true
              b:     locked = false
                     goto a
            }
            invariant one_holder: (count i: 0..<N: at(p(i), b)) <= 1
            """)
            let r = try check(m)
            XCTAssertTrue(r.verdict.isHolds)
            XCTAssertEqual(r.statistics.distinct, n + 1)
        }
    }

    /// Peterson's algorithm; Benchmarks/spin/peterson.pml at the same atomicity:
    /// SPIN 6.5.2 (-DNOREDUCE -DSAFETY) stores 26 states, 45 transitions counting its initial one.
    func testPetersonMatchesSpin() throws {
        let m = try modelFile("Tests/Fixtures/peterson.weave")
        for dfs in [false, true] {
            let r = try check(m, dfs: dfs)
            XCTAssertTrue(r.verdict.isHolds, "\(r.verdict)")
            XCTAssertEqual(r.statistics.distinct, 26)
            XCTAssertEqual(r.statistics.generated, 45)
        }
    }

    /// `choose` over a set expression and a nondeterministic initial value.
    func testChooseAndNondeterministicInit() throws {
        let m = try model("""
        var s: set<0..3> = {1, 3}
        var x: 0..3 in {0, 2}
        process p {
          a: choose v in s { x = v }
        }
        """)
        // Initial: x in {0, 2} (2 states); after: x in {1, 3} (2 states): 4.
        let r = try check(m)
        XCTAssertEqual(r.statistics.distinct, 4)
        XCTAssertEqual(r.statistics.generated, 6)
    }

    /// BFS and DFS agree on every shipped model's default design.
    func testBFSandDFSAgreeOnModels() throws {
        for file in ["flush_delayed_fput", "work_exited", "kernfs_release", "task_work_fput", "umount_delayed_fput", "kernfs_notify"] {
            let m = try modelFile("Models/\(file).weave")
            let a = try check(m, properties: .only([]), deadlock: false, liveness: false)
            let b = try check(m, dfs: true, properties: .only([]), deadlock: false, liveness: false)
            XCTAssertEqual(a.statistics.distinct, b.statistics.distinct, file)
            XCTAssertEqual(a.statistics.generated, b.statistics.generated, file)
        }
    }

    /// A queue whose element type excludes 0: unused slots hold the lowest value, so
    /// `[]` and a drained queue are the same state (found by the prover's cross-check).
    func testQueueOfNonZeroElements() throws {
        let m = try model("""
        var q: queue<1..3, 2> = [1, 2]
        var r: queue<1..3, 2> = []
        process p {
          a: q = []
          b: push(q, 3)
             push(r, 3)
          c: q = r
        }
        invariant same_when_done: at(p, done) => len(q) == 1 && head(q) == 3
        """)
        let r = try check(m)
        XCTAssertTrue(r.verdict.isHolds, "\(r.verdict)")
        XCTAssertEqual(r.statistics.distinct, 4)
    }
}
