import WeaveExplorer
import WeaveIR
import XCTest

/// The minimiser against an exhaustive enumeration of every execution of the same length.
final class MinimizeTests: XCTestCase {
    /// (processes taking part, context switches) of the best violating path of exactly
    /// `length` steps, and how many violating paths are shorter, found by enumerating every
    /// path through `StateSpace` (no pruning, no layering: independent of the minimiser).
    func bruteForce(_ space: StateSpace, _ model: Model, length: Int, ends: (StateSpace.Successor, Bool) -> Bool)
        -> (best: (Int, Int)?, shorter: Int, paths: Int) {
        var offset: [Int] = []
        var n = 0
        for p in model.processes { offset.append(n); n += p.instanceCount }
        var best: (Int, Int)? = nil
        var shorter = 0
        var paths = 0
        func walk(_ s: [Int64], _ insts: [Int], _ depth: Int) {
            guard let succ = space.successors(of: s) else { return }
            for x in succ {
                let inst = offset[x.step.process.index] + x.step.instance
                let seq = insts + [inst]
                let last = depth + 1 == length
                if ends(x, succ.isEmpty) {
                    if depth + 1 < length { shorter += 1 }
                    if last {
                        paths += 1
                        var sw = 0
                        for i in seq.indices.dropFirst() where seq[i] != seq[i - 1] { sw += 1 }
                        let key = (Set(seq).count, sw)
                        if best == nil || key < best! { best = key }
                    }
                }
                if x.kind == .state && !last { walk(x.state, seq, depth + 1) }
            }
        }
        for s in space.initialStates() { walk(s, [], 0) }
        return (best, shorter, paths)
    }

    func testFlushRaceMinimisedIsBestOfAllSixStepTraces() throws {
        // THREADS = 3: at the default size, which of the shortest traces BFS keeps (the one whose
        // state has the smallest fingerprint, so it depends on the state layout) is already a best one.
        let m = try loadModel("Models/flush_delayed_fput.weave", ["THREADS": "3"])
        let v = try bfsViolation(m)
        let t = try XCTUnwrap(v.trace)
        XCTAssertEqual(t.steps.count, 6)
        let space = try StateSpace(model: m)
        let tools = TraceTools(space: space)
        let goal = try XCTUnwrap(TraceGoal(v, model: m))
        XCTAssertEqual(goal, .stepViolation("close completed before rename"))
        XCTAssertNil(tools.check(t, goal: goal), "the BFS trace replays")
        let r = tools.minimize(t, goal: goal)
        XCTAssertTrue(r.complete)
        XCTAssertEqual(r.trace.steps.count, 6, "never longer than the BFS trace")
        XCTAssertNil(tools.check(r.trace, goal: goal), "the minimised trace is an execution ending in the same violation")
        let brute = bruteForce(space, m, length: 6) { x, _ in x.kind == .violation("close completed before rename") }
        XCTAssertEqual(brute.shorter, 0, "no shorter violating path exists")
        XCTAssertGreaterThan(brute.paths, 1)
        let best = try XCTUnwrap(brute.best)
        XCTAssertEqual(r.processesAfter, best.0)
        XCTAssertEqual(r.switchesAfter, best.1)
        XCTAssertEqual(tools.participants(r.trace).count, best.0)
        XCTAssertEqual(tools.contextSwitches(r.trace), best.1)
        // Checked by hand: the BFS trace is nfsd(0).close, nfsd(2).close, nfsd(0).schedule,
        // nfsd(0).flush, nfsd(2).flush, nfsd(2).rename (3 switches); minimised, nfsd(0) closes
        // and schedules, nfsd(1) closes and flushes both files, nfsd(0) flushes an empty list
        // and renames: 2 switches.
        XCTAssertEqual(r.switchesBefore, 3)
        XCTAssertEqual(best.1, 2)
        XCTAssertEqual(r.trace.steps.map(\.name),
                       ["nfsd(0).close", "nfsd(0).schedule", "nfsd(1).close", "nfsd(1).flush", "nfsd(0).flush", "nfsd(0).rename"])
    }

    func testOneThreadAndTheWorker() throws {
        // THREADS = 1: the other flusher is the worker.
        let m = try loadModel("Models/flush_delayed_fput.weave", ["THREADS": "1"])
        let v = try bfsViolation(m, properties: .only(["close completed before rename"]))
        let t = try XCTUnwrap(v.trace)
        let space = try StateSpace(model: m, properties: .only(["close completed before rename"]))
        let tools = TraceTools(space: space)
        let goal = try XCTUnwrap(TraceGoal(v, model: m))
        let r = tools.minimize(t, goal: goal)
        XCTAssertNil(tools.check(r.trace, goal: goal))
        let brute = bruteForce(space, m, length: t.steps.count) { x, _ in x.kind == .violation("close completed before rename") }
        XCTAssertEqual(brute.shorter, 0)
        let best = try XCTUnwrap(brute.best)
        XCTAssertEqual(r.processesAfter, best.0)
        XCTAssertEqual(r.switchesAfter, best.1)
        XCTAssertEqual(r.trace.steps.count, t.steps.count)
    }

    func testDeadlockTraceMinimised() throws {
        let m = try loadModel("Models/flush_delayed_fput.weave", ["design": "fput_sync", "release_takes_held_lock": "true"])
        let v = try bfsViolation(m, properties: .only(["deadlock"]))
        XCTAssertEqual(v.kind, .deadlock)
        let t = try XCTUnwrap(v.trace)
        let space = try StateSpace(model: m, properties: .only(["deadlock"]))
        let tools = TraceTools(space: space)
        let goal = try XCTUnwrap(TraceGoal(v, model: m))
        XCTAssertEqual(goal, .deadlock)
        XCTAssertNil(tools.check(t, goal: goal))
        let r = tools.minimize(t, goal: goal)
        XCTAssertNil(tools.check(r.trace, goal: goal))
        XCTAssertEqual(r.trace.steps.count, t.steps.count)
        // A deadlock judged independently: no successor, and some pc neither done nor at an end label.
        let layout = Layout(m)
        func deadlocked(_ s: [Int64]) -> Bool {
            guard let succ = space.successors(of: s), succ.isEmpty else { return false }
            for (pi, p) in m.processes.enumerated() {
                for b in layout.instanceBase[pi] {
                    let pc = Int(s[b])
                    if pc < p.labels.count && !p.labels[pc].isEnd { return true }
                }
            }
            return false
        }
        XCTAssertTrue(deadlocked(try XCTUnwrap(r.trace.states.last)))
        let brute = bruteForce(space, m, length: t.steps.count) { x, _ in x.kind == .state && deadlocked(x.state) }
        XCTAssertEqual(brute.shorter, 0)
        let best = try XCTUnwrap(brute.best)
        XCTAssertEqual(r.processesAfter, best.0)
        XCTAssertEqual(r.switchesAfter, best.1)
    }

    func testInvariantTraceMinimised() throws {
        let m = try loadModel("Models/work_exited.weave", ["design": "flag_then_run"])
        let v = try bfsViolation(m, properties: .only(["no_work_lost"]))
        XCTAssertEqual(v.kind, .invariant)
        let t = try XCTUnwrap(v.trace)
        // As the explorer checking no_work_lost alone: the failing assert does not stop a step.
        let space = try StateSpace(model: m, properties: .only(["no_work_lost"]))
        let tools = TraceTools(space: space)
        let goal = try XCTUnwrap(TraceGoal(v, model: m))
        let inv = try XCTUnwrap(m.invariants.firstIndex { $0.name == "no_work_lost" })
        XCTAssertEqual(goal, .invariant(inv))
        let r = tools.minimize(t, goal: goal, avoidInvariants: [inv])
        XCTAssertNil(tools.check(r.trace, goal: goal))
        XCTAssertEqual(r.trace.steps.count, t.steps.count)
        let brute = bruteForce(space, m, length: t.steps.count) { x, _ in
            x.kind == .state && space.invariantHolds(inv, in: x.state) == false
        }
        XCTAssertEqual(brute.shorter, 0)
        let best = try XCTUnwrap(brute.best)
        XCTAssertEqual(r.processesAfter, best.0)
        XCTAssertEqual(r.switchesAfter, best.1)
    }

    func testCheckRejectsATraceThatIsNotAnExecution() throws {
        let m = try loadModel("Models/flush_delayed_fput.weave")
        let v = try bfsViolation(m)
        var t = try XCTUnwrap(v.trace)
        let tools = TraceTools(space: try StateSpace(model: m))
        let goal = try XCTUnwrap(TraceGoal(v, model: m))
        // Swap two dependent steps: both closes push onto the same list, so the states no longer follow.
        t.steps.swapAt(0, 2)
        XCTAssertEqual(tools.check(t, goal: goal)?.step, 1)
        // A trace that stops before the failing step does not show the violation.
        let u = try XCTUnwrap(v.trace)
        let cut = Trace(states: Array(u.states.dropLast()), steps: Array(u.steps.dropLast()))
        XCTAssertEqual(tools.check(cut, goal: goal)?.step, 5)
    }
}
