import Foundation
import WeaveDriver
import WeaveExplorer
import WeaveIR
import XCTest

/// The differential soundness harness (issue 16, "No false green"): random models
/// (SoundnessHarnessGenerator.swift), with properties that hold and that fail, through
/// every engine path that should agree (SoundnessHarnessRunner.swift):
/// - `check` with 1 and 2 workers, `--fingerprint`, `--dfs`, symmetry on and off: the
///   same verdict, violated property and shortest trace length; the same distinct and
///   generated counts on complete runs (orbits <= states with symmetry);
/// - checkpoint + resume: in process (stopped by `--max-states`) and through the binary
///   (SIGKILL after a random delay): the uninterrupted run's verdict and counts;
/// - `mpirun -np 2 weave check --distributed` against one process: the same verdict,
///   property, trace length and counts (DistributedTests.swift; skipped without mpirun);
/// - `bmc --depth L` at the BFS violation depth L finds a violation of length L, none at
///   L - 1, none on models whose safety properties hold;
/// - `prove`: PROVED where check finds a violation (of the target or of a lemma) fails;
/// - `prove --symbolic N` (and the per-size prover) against `check` at N = 1..4 and on
///   both sides of every literal the model compares N with.
///
/// A fixed budget runs here; `scripts/soundness.sh COUNT SEED` runs a long campaign
/// through WEAVE_SOUNDNESS_MODELS (explicit models; symbolic models are a quarter of it,
/// binary runs a fifteenth), WEAVE_SOUNDNESS_SEED and WEAVE_SOUNDNESS_OUT (where models that
/// make engines disagree are written; default $TMPDIR/weave-soundness). Each
/// disagreement fails the test with the engines, both outcomes, the model's seed and the
/// path of the model (minimised: lines deleted while the disagreement stays).
final class SoundnessHarnessTests: XCTestCase {
    static func env(_ name: String) -> Int? { ProcessInfo.processInfo.environment[name].flatMap { Int($0) } }
    static var models: Int { env("WEAVE_SOUNDNESS_MODELS") ?? 64 }
    static var baseSeed: UInt64 {
        ProcessInfo.processInfo.environment["WEAVE_SOUNDNESS_SEED"].flatMap { UInt64($0) } ?? 20_261_207
    }
    /// Disagreements minimised per test (each minimisation reruns the comparison up to 150 times).
    static var minimizations: Int { env("WEAVE_SOUNDNESS_MINIMIZE") ?? 3 }

    /// The seed of model `i` of the test named `salt`: printed with a disagreement;
    /// `FuzzRNG(seed:)` with it regenerates the model.
    static func seed(_ salt: UInt64, _ i: Int) -> UInt64 {
        // Multiplied, not xored: seeds S and S + 1 must not give the same models in another order.
        var r = FuzzRNG(seed: baseSeed &* 0xD1B5_4A32_D192_ED03 &+ salt &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(i))
        _ = r.next()
        return r.next()
    }

    override class func tearDown() {
        print(SoundnessLedger.shared.summary)
        print("soundness: engine pairs: " + SoundnessLedger.shared.engines.joined(separator: "; "))
        super.tearDown()
    }

    /// Reports each disagreement once per model (by key), the first few minimised.
    func report(_ findings: [SoundnessFinding], text: String, seed: UInt64, test: String, minimized: inout Int,
                recheck: (SoundnessFinding, String) -> [SoundnessFinding], file: StaticString = #filePath, line: UInt = #line) {
        var seen = Set<String>()
        for f in findings where seen.insert(f.key).inserted {
            var shown = text
            if minimized < Self.minimizations {
                minimized += 1
                shown = SoundnessRunner.minimize(text) { candidate in recheck(f, candidate).contains { $0.key == f.key } }
            }
            let path = SoundnessRunner.writeOut(shown, name: "\(test)-\(seed)-\(seen.count)")
            _ = SoundnessRunner.writeOut(text, name: "\(test)-\(seed)-\(seen.count).original")
            SoundnessLedger.shared.finding("\(f.engines): \(f.what) (\(path))")
            XCTFail("""
                soundness: \(f.engines) disagree: \(f.what)
                  first:  \(f.left)
                  second: \(f.right)
                  model seed \(seed) (WEAVE_SOUNDNESS_SEED=\(Self.baseSeed)), written to \(path)
                --- model ---
                \(shown)
                --- end ---
                """, file: file, line: line)
        }
    }

    // MARK: the explorer's modes, and checkpoint + resume in process

    func testExplorerModesAgree() throws {
        let t0 = Date()
        var minimized = 0, violated = 0, holds = 0, resumed = 0
        for i in 0..<Self.models {
            let seed = Self.seed(1, i)
            var rng = FuzzRNG(seed: seed)
            let text = SoundnessGenerator.explicitModel(&rng)
            guard let m = SoundnessRunner.elaborate(text) else {
                SoundnessLedger.shared.add("rejected")
                XCTFail("the generator wrote a model the front end rejects (seed \(seed)):\n\(SoundnessRunner.rejection(text))\n\(text)")
                continue
            }
            SoundnessLedger.shared.add("explicit models")
            let (findings, bases) = SoundnessRunner.explorerFindings(m)
            for (name, b) in bases where name.hasPrefix("[inv") {
                if b.kind == .holds { holds += 1 } else if b.kind == .safety { violated += 1 }
            }
            report(findings, text: text, seed: seed, test: "modes", minimized: &minimized) { _, t in
                SoundnessRunner.elaborate(t).map { SoundnessRunner.explorerFindings($0, full: true).findings } ?? []
            }
            // Checkpoint at every level, stop partway, resume: under "all" and one other selection.
            let sels = SoundnessRunner.selections(m)
            for sel in [sels[0], sels[1 + rng.below(sels.count - 1)]] {
                guard let full = bases[sel.name] else { continue }
                let workers = 1 + rng.below(2), fraction = Double(1 + rng.below(9)) / 10
                let dir = NSTemporaryDirectory() + "weave-soundness-ckpt-\(getpid())"
                let f = SoundnessRunner.checkpointFindings(m, sel, full: full, workers: workers, limitFraction: fraction, directory: dir)
                if full.kind != .incomplete && full.distinct >= 4 { resumed += 1 }
                report(f, text: text, seed: seed, test: "checkpoint", minimized: &minimized) { _, t in
                    guard let m2 = SoundnessRunner.elaborate(t), let sel2 = SoundnessRunner.selections(m2).first(where: { $0.name == sel.name }),
                          let full2 = SoundnessRunner.explore(m2, SoundnessRunner.Mode(), sel2) else { return [] }
                    return SoundnessRunner.checkpointFindings(m2, sel2, full: full2, workers: workers, limitFraction: fraction, directory: dir)
                }
            }
        }
        print("soundness: explorer modes: \(Self.models) models, per-invariant verdicts \(holds) hold / \(violated) violated, "
              + "\(resumed) checkpoint+resume runs, \(String(format: "%.1f", Date().timeIntervalSince(t0))) s")
        // The generator must exercise both verdicts.
        XCTAssertGreaterThan(holds, Self.models / 4)
        XCTAssertGreaterThan(violated, Self.models / 4)
    }

    // MARK: bmc and prove against check

    func testBMCAndProveAgreeWithCheck() throws {
        let t0 = Date()
        var minimized = 0
        let count = max(1, Self.models * 2 / 3)
        for i in 0..<count {
            let seed = Self.seed(2, i)
            var rng = FuzzRNG(seed: seed)
            let text = SoundnessGenerator.explicitModel(&rng)
            guard let m = SoundnessRunner.elaborate(text) else { SoundnessLedger.shared.add("rejected"); continue }
            SoundnessLedger.shared.add("explicit models")
            func bases(_ m: Model) -> [String: EngineOutcome] {
                var out: [String: EngineOutcome] = [:]
                for sel in SoundnessRunner.selections(m) where sel.name != "all" {
                    out[sel.name] = SoundnessRunner.explore(m, SoundnessRunner.Mode(), sel)
                }
                return out
            }
            func findings(_ m: Model) -> [SoundnessFinding] {
                let b = bases(m)
                var f: [SoundnessFinding] = []
                if let safety = b["[safety]"] { f += SoundnessRunner.bmcFindings(m, safety: safety) }
                return f + SoundnessRunner.proveFindings(m, bases: b)
            }
            let f = findings(m)
            report(f, text: text, seed: seed, test: "prove", minimized: &minimized) { _, t in
                SoundnessRunner.elaborate(t).map(findings) ?? []
            }
        }
        print("soundness: bmc and prove: \(count) models, \(String(format: "%.1f", Date().timeIntervalSince(t0))) s")
    }

    // MARK: prove --symbolic against check

    func testSymbolicProverAgreesWithCheckAtEverySize() throws {
        let t0 = Date()
        var minimized = 0
        var verdicts: [String: Int] = [:]
        let count = max(1, Self.models / 4)
        for i in 0..<count {
            let seed = Self.seed(3, i)
            var rng = FuzzRNG(seed: seed)
            let g = SoundnessGenerator.symbolicModel(&rng)
            SoundnessLedger.shared.add("symbolic models")
            let f = SoundnessRunner.symbolicFindings(g)
            verdicts[f.isEmpty ? "agree" : "disagree", default: 0] += 1
            report(f, text: g.text, seed: seed, test: "symbolic", minimized: &minimized) { finding, t in
                // Rerun only the engines and the size of this disagreement.
                let size = finding.engines.components(separatedBy: "N=").last.flatMap { Int($0.prefix { $0.isNumber }) }
                return SoundnessRunner.symbolicFindings(SoundnessGenerator.SymbolicModel(text: t, literals: [], variant: g.variant),
                                                        checkSizes: size.map { [$0] } ?? [1, 2, 3, 4],
                                                        perSize: finding.engines.hasPrefix("prove --const"))
            }
        }
        print("soundness: prove --symbolic: \(count) models, \(verdicts), \(String(format: "%.1f", Date().timeIntervalSince(t0))) s")
    }

    // MARK: the binary: checkpoint, SIGKILL, resume

    func testKilledCheckpointedRunResumesToTheUninterruptedResult() throws {
        let exe = try FuzzTests.binary()
        let t0 = Date()
        let work = NSTemporaryDirectory() + "weave-soundness-kill-\(getpid())"
        try? FileManager.default.removeItem(atPath: work)
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        var minimized = 0
        var outcomes: [String: Int] = [:]
        let count = max(2, Self.models / 15)
        for i in 0..<count {
            let seed = Self.seed(4, i)
            var rng = FuzzRNG(seed: seed)
            // Three processes in the family and an independent ticker, so that the search
            // takes long enough for the kill to land in it.
            var text = SoundnessGenerator.explicitModel(&rng)
            text = text.replacingOccurrences(of: #"const N = \d"#, with: "const N = 3", options: .regularExpression)
            if rng.below(2) == 0 { text = text.replacingOccurrences(of: "= symmetric ", with: "= ") }
            /// The selection with the longest complete search, and its distinct count.
            func longest(_ m: Model) -> (SoundnessRunner.Selection, Int)? {
                var best: (SoundnessRunner.Selection, Int)? = nil
                for sel in SoundnessRunner.selections(m) {
                    if let r = SoundnessRunner.explore(m, SoundnessRunner.Mode(), sel), r.kind != .incomplete, r.distinct > best?.1 ?? -1 {
                        best = (sel, r.distinct)
                    }
                }
                return best
            }
            guard let small = SoundnessRunner.elaborate(text), let (_, d) = longest(small) else {
                SoundnessLedger.shared.add("rejected")
                XCTFail("the generator wrote a model the front end rejects (seed \(seed)):\n\(SoundnessRunner.rejection(text))\n\(text)")
                continue
            }
            // About 15,000 states in all.
            let k = min(60, 15_000 / max(1, d))
            if k >= 2 {
                text += "\nvar tick: 0..\(k) = 0\nprocess ticker {\n  z: if tick < \(k) {\n       tick = tick + 1\n       goto z\n     }\n}\n"
            }
            guard let m = SoundnessRunner.elaborate(text), let (sel, _) = longest(m) else { continue }
            SoundnessLedger.shared.add("explicit models")
            var flags = ["--workers", "1", "--format", "json", "--quiet"]
            if case .only(let names) = sel.properties {
                flags += ["--no-deadlock", "--no-liveness"]
                for n in names.sorted() { flags += ["--property", n] }
            }
            if rng.below(3) == 0 { flags.append("--no-symmetry") }
            if rng.below(3) == 0 { flags.append("--fingerprint") }
            let fraction = 0.1 + Double(rng.below(80)) / 100
            let (f, what) = try Self.killAndResume(exe, text: text, flags: flags, delayFraction: fraction, work: work + "/m\(i)")
            outcomes[what, default: 0] += 1
            report(f, text: text, seed: seed, test: "kill", minimized: &minimized) { _, t in
                (try? Self.killAndResume(exe, text: t, flags: flags, delayFraction: fraction, work: work + "/min"))?.0 ?? []
            }
        }
        print("soundness: binary checkpoint+SIGKILL+resume: \(count) models, \(outcomes.sorted { $0.key < $1.key }), "
              + "\(String(format: "%.1f", Date().timeIntervalSince(t0))) s")
        XCTAssertGreaterThan(outcomes["killed, resumed", default: 0], 0, "no kill landed after a checkpoint")
    }

    /// The facts of a `weave check --format json` run that a resumed run must reproduce.
    static func jsonOutcome(_ out: String) -> EngineOutcome? {
        guard let data = out.data(using: .utf8),
              let o = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let verdict = o["verdict"] as? String else { return nil }
        let kindName = o["kind"] as? String
        let kind: EngineOutcome.Kind
        switch (verdict, kindName) {
        case ("holds", _): kind = .holds
        case ("incomplete", _): kind = .incomplete
        case (_, "unreachable"): kind = .unreachable
        case (_, "liveness"): kind = .liveness
        default: kind = .safety
        }
        let trace = o["trace"] as? [Any]
        return EngineOutcome(kind: kind, violation: kindName, property: o["property"] as? String,
                             length: trace.map { $0.count - 1 }, distinct: o["distinct"] as? Int ?? -1,
                             generated: o["states"] as? Int ?? -1)
    }

    /// Runs the model uninterrupted; then with a checkpoint at every level, killed with
    /// SIGKILL after `delayFraction` of the uninterrupted run's wall time; then resumed.
    /// Returns the disagreements, and what happened: `killed, resumed`, `killed before a
    /// checkpoint`, `finished, resumed` (from the last checkpoint), `skipped`.
    static func killAndResume(_ exe: String, text: String, flags: [String], delayFraction: Double, work: String) throws
        -> ([SoundnessFinding], String) {
        try? FileManager.default.removeItem(atPath: work)
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        let model = work + "/model.weave", dir = work + "/ckpt"
        try text.write(toFile: model, atomically: true, encoding: .utf8)
        let started = Date()
        let whole = try FuzzTests.run(exe, ["check", model] + flags, timeout: 120)
        let delay = Date().timeIntervalSince(started) * delayFraction
        guard !whole.timedOut, let full = jsonOutcome(whole.out), full.kind != .incomplete else {
            SoundnessLedger.shared.add("skipped")
            return ([], "skipped")
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = ["check", model] + flags + ["--checkpoint", dir, "--checkpoint-interval", "0"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(delay)
        while p.isRunning && Date() < deadline { usleep(2_000) }
        let wasKilled = p.isRunning
        if wasKilled { kill(p.processIdentifier, SIGKILL) }
        let firstOut = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        var findings: [SoundnessFinding] = []
        SoundnessLedger.shared.pair("binary check vs checkpoint+SIGKILL+resume")
        if !wasKilled {
            // Finished before the kill: checkpointing must not change the result.
            if let first = jsonOutcome(firstOut) {
                findings += SoundnessRunner.compare(full, first, engines: "weave check vs weave check --checkpoint", dfs: false, reduced: false)
            }
        }
        let what = wasKilled ? "killed, resumed" : "finished, resumed"
        guard FileManager.default.fileExists(atPath: dir + "/search.ckpt") else {
            return (findings, wasKilled ? "killed before a checkpoint" : "finished, no checkpoint")
        }
        let resumed = try FuzzTests.run(exe, ["check", model] + flags + ["--resume", dir], timeout: 120)
        guard let again = jsonOutcome(resumed.out) else {
            return (findings + [SoundnessFinding(engines: "weave check vs checkpoint+SIGKILL+resume", what: "resume failed",
                                                 left: "\(full)", right: "exit \(resumed.code): \(resumed.err.prefix(300))")], what)
        }
        findings += SoundnessRunner.compare(full, again, engines: "weave check vs checkpoint+SIGKILL+resume", dfs: false, reduced: false)
        return (findings, what)
    }
}
