import Foundation
import WeaveExplorer
import WeaveIR
import WeaveSema
import XCTest

/// Every way of searching must give the same answer: breadth-first with 1, 2 or 3
/// workers, with exact states or fingerprints only, and depth-first. Breadth-first
/// traces must be identical whatever the number of workers, and every trace must be a
/// real execution of the model.
final class SearchAgreementTests: XCTestCase {
    struct Mode: CustomStringConvertible {
        let workers: Int
        let fingerprint: Bool
        let dfs: Bool
        var description: String { dfs ? "dfs" : "bfs/\(workers)\(fingerprint ? "/fp" : "")" }
    }
    static let modes = [Mode(workers: 1, fingerprint: false, dfs: false), Mode(workers: 2, fingerprint: false, dfs: false),
                        Mode(workers: 3, fingerprint: false, dfs: false), Mode(workers: 1, fingerprint: true, dfs: false),
                        Mode(workers: 2, fingerprint: true, dfs: false), Mode(workers: 1, fingerprint: false, dfs: true)]

    func run(_ m: Model, _ mode: Mode, properties: PropertySelection = .all, deadlock: Bool = true,
             liveness: Bool = true) throws -> CheckResult {
        var o = CheckOptions()
        o.workers = mode.workers
        o.fingerprintOnly = mode.fingerprint
        o.depthFirst = mode.dfs
        o.properties = properties
        o.checkDeadlock = deadlock
        o.checkLiveness = liveness
        return try Explorer(model: m, options: o).run()
    }

    /// The full state space of every shipped design: the same distinct and generated
    /// counts in every mode (depth-first generates the same transitions too: each
    /// state is expanded exactly once).
    func testEveryModeCountsTheSameStates() throws {
        for (file, design, expected) in ModelCountTests.pinned + [("../Benchmarks/flush_race", "flush_delayed_fput", 2663)] {
            let overrides = file.hasPrefix("..") ? ["THREADS": "3"] : ["design": design]
            let m = try modelFile("Models/\(file).weave", overrides)
            var generated: Int? = nil
            for mode in Self.modes {
                let r = try run(m, mode, properties: .only([]), deadlock: false, liveness: false)
                XCTAssertTrue(r.verdict.isHolds, "\(file) \(design) \(mode): \(r.verdict)")
                XCTAssertEqual(r.statistics.distinct, expected, "\(file) \(design) \(mode)")
                XCTAssertEqual(r.statistics.workers, mode.workers, "\(file) \(design) \(mode)")
                if let g = generated { XCTAssertEqual(r.statistics.generated, g, "\(file) \(design) \(mode)") }
                generated = r.statistics.generated
            }
        }
    }

    /// A state with 262,144 successors fills the shared table of a multi-worker search
    /// within one round: what does not fit overflows and is inserted after the table
    /// grows. Counts and the trace to a state of the last level are the same for 1, 2
    /// and 3 workers.
    func testWideStateOverflowsTheSharedTable() throws {
        let m = try model("""
        type A = 0..255
        type B = 0..3
        var x: 0..300000 = 0
        var y: 0..3 = 0
        process p {
          a: choose i: A { choose j: A { choose k: B { x = (i * 256 + j) * 4 + k + 1 } } }
          b: y = y + 1
             if y < 3 { goto b }
        }
        invariant not_there: !(y == 3 && x == 123457)
        """)
        var traces: [Trace] = []
        for workers in 1...3 {
            let all = try run(m, Mode(workers: workers, fingerprint: false, dfs: false), properties: .only([]), deadlock: false)
            XCTAssertEqual(all.statistics.distinct, 1 + 4 * 262_144, "workers \(workers)")
            let v = try XCTUnwrap(try run(m, Mode(workers: workers, fingerprint: false, dfs: false), deadlock: false).verdict.violation)
            XCTAssertEqual(v.property, "not_there")
            traces.append(try XCTUnwrap(v.trace))
        }
        XCTAssertEqual(traces[0].states, traces[1].states)
        XCTAssertEqual(traces[0].states, traces[2].states)
        XCTAssertEqual(traces[0].states.count, 5)
    }

    /// Every expectation of every shipped model: the same verdict and property in every
    /// breadth-first mode, the same trace with 1, 2 and 3 workers, exact or with
    /// fingerprints (parents are kept by key in both); each trace replays step by step
    /// through `StateSpace`.
    func testEveryModeGivesTheSameVerdictAndTrace() throws {
        let dir = repoRoot + "/Models"
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".weave") }.sorted()
        XCTAssertGreaterThanOrEqual(files.count, 6)
        var violations = 0
        for f in files {
            let source = try Loader.load(path: dir + "/" + f)
            for exp in Sema.expectations(source) {
                guard case .violated(let property) = exp.verdict else { continue }
                for runSettings in exp.runs {
                    var ov: [String: String] = [:]
                    for (k, v) in runSettings { ov[k] = v }
                    let (m, _) = try Sema.elaborate(source, overrides: ov)
                    var first: Violation? = nil
                    for mode in Self.modes where !mode.dfs {
                        let r = try run(m, mode, properties: .only([property]))
                        let label = "\(f) \(runSettings) \(property) \(mode)"
                        guard let v = r.verdict.violation else { XCTFail("\(label): \(r.verdict)"); continue }
                        XCTAssertEqual(v.property, property, label)
                        if v.kind != .liveness, let t = v.trace { try assertReplays(m, t, label, property, failsInLastStep: v.failedInsideStep) }
                        if let f0 = first {
                            XCTAssertEqual(v.trace?.steps.count, f0.trace?.steps.count, label)
                            XCTAssertEqual(v.trace?.steps.map(\.name), f0.trace?.steps.map(\.name), label)
                            XCTAssertEqual(v.trace?.states, f0.trace?.states, label)
                        } else {
                            first = v
                            violations += 1
                        }
                    }
                }
            }
        }
        XCTAssertGreaterThan(violations, 10)
    }

    /// Each step of `t` leads from its state to the next one, as the step it names (the
    /// last one to the point where it fails, if it fails).
    func assertReplays(_ m: Model, _ t: Trace, _ label: String, _ property: String, failsInLastStep: Bool = false) throws {
        let space = try StateSpace(model: m, properties: .only([property]))
        XCTAssertTrue(space.initialStates().contains(t.states[0]), "\(label): not an initial state")
        for (i, step) in t.steps.enumerated() where i + 1 < t.states.count {
            let failing = failsInLastStep && i == t.steps.count - 1
            let succ = try XCTUnwrap(space.successors(of: t.states[i]), label)
            XCTAssertTrue(succ.contains { $0.step.name == step.name && $0.state == t.states[i + 1] && ($0.kind != .state) == failing },
                          "\(label): step \(i + 1) \(step.name) does not lead to the next state")
        }
    }

    /// A violation deep in a level is the same whichever worker meets it first; and a
    /// limit never hides a violation already found.
    func testTwoWorkersFindTheFlushRaceWithTheOneWorkerTrace() throws {
        let m = try modelFile("Benchmarks/flush_race.weave", ["THREADS": "4"])
        let one = try XCTUnwrap(try run(m, Mode(workers: 1, fingerprint: false, dfs: false)).verdict.violation)
        let two = try XCTUnwrap(try run(m, Mode(workers: 2, fingerprint: false, dfs: false)).verdict.violation)
        XCTAssertEqual(one.property, "close completed before rename")
        XCTAssertEqual(one.trace?.states, two.trace?.states)
        try assertReplays(m, try XCTUnwrap(two.trace), "flush race, 2 workers", "close completed before rename", failsInLastStep: true)
    }
}
