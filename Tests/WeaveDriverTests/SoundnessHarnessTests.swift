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
/// - `bmc --depth L` at the BFS violation depth L finds a violation of length L, none at
///   L - 1, none on models whose safety properties hold;
/// - `prove`: PROVED where check finds a violation (of the target or of a lemma) fails;
/// - `prove --symbolic N` (and the per-size prover) against `check` at N = 1..4 and on
///   both sides of every literal the model compares N with.
///
/// A fixed budget runs here; `scripts/soundness.sh COUNT SEED` runs a long campaign
/// through WEAVE_SOUNDNESS_MODELS (explicit models; symbolic models are a quarter of it,
/// binary runs a tenth), WEAVE_SOUNDNESS_SEED and WEAVE_SOUNDNESS_OUT (where models that
/// make engines disagree are written; default $TMPDIR/weave-soundness). Each
/// disagreement fails the test with the engines, both outcomes, the model's seed and the
/// path of the model (minimised: lines deleted while the disagreement stays).
final class SoundnessHarnessTests: XCTestCase {
    static func env(_ name: String) -> Int? { ProcessInfo.processInfo.environment[name].flatMap { Int($0) } }
    static var models: Int { env("WEAVE_SOUNDNESS_MODELS") ?? 36 }
    static var baseSeed: UInt64 {
        ProcessInfo.processInfo.environment["WEAVE_SOUNDNESS_SEED"].flatMap { UInt64($0) } ?? 20_261_207
    }
    /// Disagreements minimised per test (each minimisation reruns the comparison up to 150 times).
    static var minimizations: Int { env("WEAVE_SOUNDNESS_MINIMIZE") ?? 3 }

    /// The seed of model `i` of the test named `salt`: printed with a disagreement;
    /// `FuzzRNG(seed:)` with it regenerates the model.
    static func seed(_ salt: UInt64, _ i: Int) -> UInt64 {
        var r = FuzzRNG(seed: baseSeed ^ (salt &* 0x9E37_79B9_7F4A_7C15) ^ UInt64(i))
        return r.next()
    }

    override class func tearDown() {
        print(SoundnessLedger.shared.summary)
        print("soundness: engine pairs: " + SoundnessLedger.shared.engines.joined(separator: "; "))
        super.tearDown()
    }

    /// Reports each disagreement once per model (by key), the first few minimised.
    func report(_ findings: [SoundnessFinding], text: String, seed: UInt64, test: String, minimized: inout Int,
                recheck: (String) -> [SoundnessFinding], file: StaticString = #filePath, line: UInt = #line) {
        var seen = Set<String>()
        for f in findings where seen.insert(f.key).inserted {
            var shown = text
            if minimized < Self.minimizations {
                minimized += 1
                shown = SoundnessRunner.minimize(text) { candidate in recheck(candidate).contains { $0.key == f.key } }
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
            report(findings, text: text, seed: seed, test: "modes", minimized: &minimized) { t in
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
                report(f, text: text, seed: seed, test: "checkpoint", minimized: &minimized) { t in
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
            report(f, text: text, seed: seed, test: "prove", minimized: &minimized) { t in
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
            report(f, text: g.text, seed: seed, test: "symbolic", minimized: &minimized) { t in
                SoundnessRunner.symbolicFindings(SoundnessGenerator.SymbolicModel(text: t, literals: g.literals, variant: g.variant))
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
        var minimized = 0, killed = 0, finished = 0
        let count = max(2, Self.models / 9)
        for i in 0..<count {
            let seed = Self.seed(4, i)
            var rng = FuzzRNG(seed: seed)
            // Three processes in the family: large enough that a kill can land mid-search.
            var text = SoundnessGenerator.explicitModel(&rng)
            text = text.replacingOccurrences(of: #"const N = \d"#, with: "const N = 3", options: .regularExpression)
            guard SoundnessRunner.elaborate(text) != nil else { SoundnessLedger.shared.add("rejected"); continue }
            SoundnessLedger.shared.add("explicit models")
            var flags = ["--workers", "1", "--format", "json", "--quiet"]
            if rng.below(3) == 0 { flags.append("--no-symmetry") }
            if rng.below(3) == 0 { flags.append("--fingerprint") }
            if rng.below(4) == 0 { flags.append("--no-deadlock") }
            let delay = Double(rng.below(400)) / 1000
            let (f, wasKilled) = try Self.killAndResume(exe, text: text, flags: flags, delay: delay, work: work + "/m\(i)")
            if wasKilled { killed += 1 } else { finished += 1 }
            report(f, text: text, seed: seed, test: "kill", minimized: &minimized) { t in
                (try? Self.killAndResume(exe, text: t, flags: flags, delay: delay, work: work + "/min"))?.0 ?? []
            }
        }
        print("soundness: binary checkpoint+SIGKILL+resume: \(count) models, \(killed) killed mid-search, "
              + "\(finished) finished before the kill, \(String(format: "%.1f", Date().timeIntervalSince(t0))) s")
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
    /// SIGKILL after `delay` seconds; then resumed. Returns the disagreements, and
    /// whether the kill landed before the run finished.
    static func killAndResume(_ exe: String, text: String, flags: [String], delay: Double, work: String) throws
        -> ([SoundnessFinding], Bool) {
        try? FileManager.default.removeItem(atPath: work)
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        let model = work + "/model.weave", dir = work + "/ckpt"
        try text.write(toFile: model, atomically: true, encoding: .utf8)
        let whole = try FuzzTests.run(exe, ["check", model] + flags, timeout: 120)
        guard !whole.timedOut, let full = jsonOutcome(whole.out), full.kind != .incomplete else {
            SoundnessLedger.shared.add("skipped")
            return ([], false)
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
        guard FileManager.default.fileExists(atPath: dir + "/search.ckpt") else { return (findings, wasKilled) }
        let resumed = try FuzzTests.run(exe, ["check", model] + flags + ["--resume", dir], timeout: 120)
        guard let again = jsonOutcome(resumed.out) else {
            return (findings + [SoundnessFinding(engines: "weave check vs checkpoint+SIGKILL+resume", what: "resume failed",
                                                 left: "\(full)", right: "exit \(resumed.code): \(resumed.err.prefix(300))")], wasKilled)
        }
        findings += SoundnessRunner.compare(full, again, engines: "weave check vs checkpoint+SIGKILL+resume", dfs: false, reduced: false)
        return (findings, wasKilled)
    }
}
