import Foundation
import WeaveDriver
import WeaveExplorer
import WeaveIR
import XCTest

/// The random simulation engine (`weave simulate`) in the differential soundness harness:
/// on the generated models, under every selection of `SoundnessRunner.selections`,
/// - a violation simulate reports replays (its trace is checked through `StateSpace`),
///   and BFS finds a violation of the same property (for a run-time error: some
///   violation) with a trace no longer than the one simulate shows;
/// - where BFS says the selection's safety properties hold, simulate reports no violation
///   (and completes its walks).
extension SoundnessRunner {
    static func simulateFindings(_ m: Model, seed: UInt64, walks: Int = 150, depth: Int = 40)
        -> (findings: [SoundnessFinding], simulated: Int, violated: Int) {
        let ledger = SoundnessLedger.shared
        var out: [SoundnessFinding] = []
        var simulated = 0, violated = 0
        for sel in selections(m) {
            guard let bfs = explore(m, Mode(), sel), bfs.kind != .incomplete else { ledger.add("skipped"); continue }
            var o = SimulationOptions()
            o.seed = seed
            o.walks = walks
            o.depth = depth
            o.properties = sel.properties
            o.checkDeadlock = sel.deadlock
            o.timeLimit = 30
            guard let sim = try? Simulator(model: m, options: o) else { ledger.add("skipped"); continue }
            let r = sim.run()
            simulated += 1
            let engines = "simulate vs bfs/1"
            ledger.pair(engines)
            switch r.outcome {
            case .incomplete(let why):
                out.append(SoundnessFinding(engines: engines, what: "\(sel.name): simulate incomplete", left: "\(bfs)", right: why))
            case .noViolation:
                break
            case .violated(let v, _, _):
                violated += 1
                let shown: Driver.Shortened
                switch Driver.confirmAndShorten(v, model: m, properties: sel.properties, minimize: true) {
                case .failure(let why):
                    out.append(SoundnessFinding(engines: engines, what: "\(sel.name): simulate trace does not replay", left: "\(bfs)",
                                                right: "\(v.property): \(why)"))
                    continue
                case .success(let s): shown = s
                }
                let length = shown.violation.trace?.steps.count ?? -1
                let desc = "\(v.kind.rawValue) '\(v.property)' in \(length) steps (walk trace \(v.trace?.steps.count ?? -1))"
                if bfs.kind == .holds {
                    out.append(SoundnessFinding(engines: engines, what: "\(sel.name): holds but simulate violated", left: "\(bfs)", right: desc))
                    continue
                }
                // The same property alone, searched breadth-first.
                let single = v.kind == .runtimeError
                    ? sel
                    : Selection(name: "[\(v.property)]", properties: .only([v.property]), deadlock: v.kind == .deadlock, liveness: false)
                guard let same = explore(m, Mode(), single), same.kind != .incomplete else { ledger.add("skipped"); continue }
                let sameProperty = v.kind == .runtimeError ? same.kind == .safety : same.kind == .safety && same.property == v.property
                if !sameProperty {
                    out.append(SoundnessFinding(engines: engines, what: "\(sel.name): simulate violated, BFS does not", left: "\(same)", right: desc))
                } else if let l = same.length, l > length {
                    out.append(SoundnessFinding(engines: engines, what: "\(sel.name): simulate trace shorter than BFS", left: "\(same)", right: desc))
                }
            }
            // BFS safety verdict holds: simulate must find nothing (checked above), and
            // BFS violated while simulate found nothing is allowed (a sample, not a proof).
        }
        return (out, simulated, violated)
    }
}

extension SoundnessHarnessTests {
    func testSimulateAgreesWithBFS() throws {
        let t0 = Date()
        var minimized = 0, runs = 0, found = 0
        let count = max(1, Self.models / 2)
        for i in 0..<count {
            let seed = Self.seed(5, i)
            var rng = FuzzRNG(seed: seed)
            let text = SoundnessGenerator.explicitModel(&rng)
            guard let m = SoundnessRunner.elaborate(text) else { SoundnessLedger.shared.add("rejected"); continue }
            SoundnessLedger.shared.add("explicit models")
            let r = SoundnessRunner.simulateFindings(m, seed: seed)
            runs += r.simulated
            found += r.violated
            report(r.findings, text: text, seed: seed, test: "simulate", minimized: &minimized) { _, t in
                SoundnessRunner.elaborate(t).map { SoundnessRunner.simulateFindings($0, seed: seed).findings } ?? []
            }
        }
        print("soundness: simulate: \(count) models, \(runs) runs, \(found) violations found and confirmed by BFS, "
              + "\(String(format: "%.1f", Date().timeIntervalSince(t0))) s")
        // The comparison must not be vacuous: the walks find violations on the generated models.
        XCTAssertGreaterThan(found, runs / 10)
    }
}
