import Foundation
import WeaveExplorer
import WeaveIR
import XCTest

/// `Simulator` (weave simulate's walks): its generator, determinism by seed, the walks
/// needed to find the two bugs the README quotes (a fixed list of seeds, so the counts are
/// exact), and no violation where the properties hold.
final class SimulationTests: XCTestCase {
    func simulate(_ m: Model, seed: UInt64, walks: Int, depth: Int = 1000, deadlock: Bool = true) throws -> SimulationResult {
        var o = SimulationOptions()
        o.seed = seed
        o.walks = walks
        o.depth = depth
        o.checkDeadlock = deadlock
        return try Simulator(model: m, options: o).run()
    }

    func testSplitMixMatchesTheReferenceSequence() {
        // SplitMix64 from state 0: the first outputs of the reference implementation.
        var g = SplitMix64(seed: 0)
        XCTAssertEqual(g.next(), 0xE220_A839_7B1D_CDAF)
        XCTAssertEqual(g.next(), 0x6E78_9E6A_A1B9_65F4)
    }

    func testBelowIsInRangeAndRoughlyUniform() {
        var g = Xoshiro256(seed: 7, walk: 3)
        var counts = [Int](repeating: 0, count: 6)
        for _ in 0..<60_000 { counts[g.below(6)] += 1 }
        for c in counts { XCTAssert((9_400...10_600).contains(c), "\(counts)") }
        var h = Xoshiro256(seed: 7, walk: 3)
        var again = [Int](repeating: 0, count: 6)
        for _ in 0..<60_000 { again[h.below(6)] += 1 }
        XCTAssertEqual(counts, again, "the same seed and walk give the same numbers")
        var other = Xoshiro256(seed: 7, walk: 4)
        var g2 = Xoshiro256(seed: 7, walk: 3)
        XCTAssertNotEqual((0..<8).map { _ in other.next() }, (0..<8).map { _ in g2.next() })
    }

    /// Walks that find the flush race, per seed 0-19 (median 1, max 3 in the README).
    func testFlushRaceFoundWithinTheDocumentedWalks() throws {
        let m = try modelFile("Models/flush_delayed_fput.weave")
        try assertFound(m, property: "close completed before rename", maxWalks: 3)
        let one = try modelFile("Models/flush_delayed_fput.weave", ["THREADS": "1"])
        try assertFound(one, property: "close completed before rename", maxWalks: 33)
    }

    /// The task_work overflow: found by the first walk of every seed 0-19.
    func testTaskWorkOverflowFoundWithinTheDocumentedWalks() throws {
        let m = try modelFile("Models/task_work_fput.weave")
        try assertFound(m, property: "overflow(delayed_fput_list)", maxWalks: 1)
        let b8 = try modelFile("Models/task_work_fput.weave", ["BOUND": "8"])
        try assertFound(b8, property: "overflow(delayed_fput_list)", maxWalks: 1)
    }

    func assertFound(_ m: Model, property: String, maxWalks: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let tools = TraceTools(space: try StateSpace(model: m))
        var needed: [Int] = []
        for seed in UInt64(0)..<20 {
            let r = try simulate(m, seed: seed, walks: maxWalks)
            guard case .violated(let v, let walk, let steps) = r.outcome else {
                XCTFail("seed \(seed): no violation in \(maxWalks) walks", file: file, line: line)
                continue
            }
            needed.append(walk + 1)
            XCTAssertEqual(v.property, property, file: file, line: line)
            XCTAssertEqual(r.statistics.walks, walk + 1, file: file, line: line)
            // The trace is an execution of the model ending in the violation, never longer than the walk.
            let t = try XCTUnwrap(v.trace)
            XCTAssertNil(tools.check(t, goal: TraceGoal(v, model: m)), "seed \(seed)", file: file, line: line)
            XCTAssertLessThanOrEqual(t.steps.count, steps, file: file, line: line)
        }
        XCTAssertLessThanOrEqual(needed.max() ?? .max, maxWalks, file: file, line: line)
    }

    func testSameSeedSameWalksOtherSeedsOtherWalks() throws {
        let m = try modelFile("Models/flush_delayed_fput.weave", ["THREADS": "1"])
        var found: [Int] = []
        for seed in UInt64(0)..<6 {
            let a = try simulate(m, seed: seed, walks: 100), b = try simulate(m, seed: seed, walks: 100)
            guard case .violated(let va, let wa, let sa) = a.outcome, case .violated(let vb, let wb, let sb) = b.outcome else {
                return XCTFail("seed \(seed): no violation")
            }
            XCTAssertEqual(wa, wb)
            XCTAssertEqual(sa, sb)
            XCTAssertEqual(va.trace?.steps.map(\.name), vb.trace?.steps.map(\.name))
            XCTAssertEqual(a.statistics.steps, b.statistics.steps)
            found.append(wa)
        }
        XCTAssertGreaterThan(Set(found).count, 1, "different seeds should need different walks: \(found)")
    }

    func testHoldingModelGivesNoViolationAndCountsItsStates() throws {
        let m = try modelFile("Models/flush_delayed_fput.weave", ["design": "fput_sync"])
        let r = try simulate(m, seed: 11, walks: 500)
        guard case .noViolation = r.outcome else { return XCTFail("\(r.outcome)") }
        XCTAssertEqual(r.statistics.walks, 500)
        // Every walk of this model ends with every process done, before the depth bound.
        XCTAssertEqual(r.statistics.terminated, 500)
        // The states seen are reachable states: no more than a complete search finds
        // without symmetry, and on a model this small 500 walks see all of them.
        let bfs = try check(m, liveness: false, symmetryOff: true)
        XCTAssertEqual(r.statistics.distinct, bfs.statistics.distinct)
    }

    func testDepthBoundAndDeadlock() throws {
        let m = try modelFile("Models/flush_delayed_fput.weave", ["design": "fput_sync"])
        let r = try simulate(m, seed: 1, walks: 50, depth: 2)
        guard case .noViolation = r.outcome else { return XCTFail("\(r.outcome)") }
        XCTAssertEqual(r.statistics.steps, 100, "50 walks of exactly 2 steps")
        XCTAssertEqual(r.statistics.longestWalk, 2)
        let dl = try modelFile("Models/flush_delayed_fput.weave", ["design": "fput_sync", "release_takes_held_lock": "true"])
        let d = try simulate(dl, seed: 0, walks: 200)
        guard case .violated(let v, _, _) = d.outcome else { return XCTFail("\(d.outcome)") }
        XCTAssertEqual(v.kind, .deadlock)
        let off = try simulate(dl, seed: 0, walks: 200, deadlock: false)
        if case .violated(let v2, _, _) = off.outcome { XCTAssertNotEqual(v2.kind, .deadlock) }
    }
}

private func check(_ m: Model, liveness: Bool, symmetryOff: Bool) throws -> CheckResult {
    var o = CheckOptions()
    o.checkLiveness = liveness
    o.symmetry = !symmetryOff
    return try Explorer(model: m, options: o).run()
}

/// `check --dfs --seed` (swarm search's other form): the successor order is permuted by
/// the seed, the states explored are the same when the search completes.
final class SeededDepthFirstTests: XCTestCase {
    func run(_ m: Model, seed: UInt64?, maxStates: Int? = nil) throws -> CheckResult {
        var o = CheckOptions()
        o.depthFirst = true
        o.dfsSeed = seed
        o.checkLiveness = false
        o.maxStates = maxStates
        return try Explorer(model: m, options: o).run()
    }

    func testSeedsChangeTheOrderNotTheStates() throws {
        let m = try modelFile("Models/flush_delayed_fput.weave", ["design": "fput_queued", "THREADS": "3"])
        let plain = try run(m, seed: nil)
        XCTAssertTrue(plain.verdict.isHolds)
        var traces = Set<[String]>()
        for seed in UInt64(0)..<6 {
            let r = try run(m, seed: seed)
            XCTAssertTrue(r.verdict.isHolds)
            XCTAssertEqual(r.statistics.distinct, plain.statistics.distinct)
            XCTAssertEqual(r.statistics.generated, plain.statistics.generated)
        }
        // On a violated model the seed picks which violation trace the search runs into first.
        let bug = try modelFile("Models/flush_delayed_fput.weave", ["THREADS": "3"])
        for seed in UInt64(0)..<6 {
            let r = try run(bug, seed: seed)
            let v = try XCTUnwrap(r.verdict.violation)
            XCTAssertEqual(v.property, "close completed before rename")
            traces.insert(v.trace?.steps.map(\.name) ?? [])
            XCTAssertEqual(try run(bug, seed: seed).verdict.violation?.trace?.steps.map(\.name), v.trace?.steps.map(\.name),
                           "the same seed gives the same search")
        }
        XCTAssertGreaterThan(traces.count, 1, "different seeds should find different traces")
    }
}
