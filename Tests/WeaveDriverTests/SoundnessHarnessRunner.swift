import Foundation
import WeaveDriver
import WeaveExplorer
import WeaveIR
import WeaveProver
import WeaveSema
import WeaveSource

/// The engines of the differential soundness harness and the rules by which their
/// answers must agree (SoundnessHarnessTests.swift runs them on generated models).
///
/// A disagreement is a `SoundnessFinding`: which engines, what each said, and a key
/// (engines and what differs) by which `SoundnessRunner.minimize` recognises it in a
/// smaller model.
struct SoundnessFinding: CustomStringConvertible {
    /// `bfs/1 vs dfs`, `prove [inv0] vs check`, ...
    let engines: String
    /// What differs: `verdict`, `distinct`, `length`, `PROVED but violated`, ...
    let what: String
    let left: String
    let right: String
    var key: String { engines + " | " + what }
    var description: String { "\(engines): \(what): \(left) <> \(right)" }
}

/// Totals over the whole run, for the closing summary line.
final class SoundnessLedger: @unchecked Sendable {
    static let shared = SoundnessLedger()
    private let lock = NSLock()
    private var counts: [String: Int] = [:]
    private var pairNames: Set<String> = []
    private var found: [String] = []

    /// While minimising, the reruns are not counted.
    private var muted = false

    func add(_ what: String, _ n: Int = 1) { lock.lock(); if !muted { counts[what, default: 0] += n }; lock.unlock() }
    func pair(_ engines: String) {
        lock.lock()
        if !muted { counts["comparisons", default: 0] += 1; pairNames.insert(engines) }
        lock.unlock()
    }
    func mute(_ on: Bool) { lock.lock(); muted = on; lock.unlock() }
    func finding(_ line: String) { lock.lock(); found.append(line); lock.unlock() }
    func count(_ what: String) -> Int { lock.lock(); defer { lock.unlock() }; return counts[what, default: 0] }

    var summary: String {
        lock.lock(); defer { lock.unlock() }
        let counts = self.counts
        let c = { (k: String) in counts[k, default: 0] }
        let verdicts = counts.keys.filter { $0.hasPrefix("prove") }.sorted().map { "\($0) \(counts[$0]!)" }
        return "soundness: \(c("explicit models") + c("symbolic models")) models (\(c("explicit models")) explicit, "
            + "\(c("symbolic models")) symbolic, \(c("rejected")) rejected by the front end), \(c("comparisons")) comparisons "
            + "over \(pairNames.count) engine pairs, \(found.count) disagreements, \(c("skipped")) comparisons skipped "
            + "(incomplete or unknown); " + verdicts.joined(separator: ", ")
    }
    var engines: [String] { lock.lock(); defer { lock.unlock() }; return pairNames.sorted() }
}

/// One engine's answer, in the terms on which engines must agree.
struct EngineOutcome: CustomStringConvertible {
    enum Kind: String { case holds, safety, unreachable, liveness, incomplete }
    let kind: Kind
    let violation: String?
    let property: String?
    let length: Int?
    let distinct: Int
    let generated: Int

    init(_ r: CheckResult) {
        distinct = r.statistics.distinct
        generated = r.statistics.generated
        switch r.verdict {
        case .holds:
            kind = .holds; violation = nil; property = nil; length = nil
        case .incomplete(let why):
            kind = .incomplete; violation = why; property = nil; length = nil
        case .violated(let v):
            switch v.kind {
            case .unreachable: kind = .unreachable
            case .liveness: kind = .liveness
            default: kind = .safety
            }
            violation = v.kind.rawValue
            property = v.property
            length = v.trace?.steps.count
        }
    }

    init(kind: Kind, violation: String?, property: String?, length: Int?, distinct: Int, generated: Int) {
        self.kind = kind; self.violation = violation; self.property = property; self.length = length
        self.distinct = distinct; self.generated = generated
    }

    var description: String {
        var s = kind.rawValue
        if let violation, kind != .incomplete { s += " \(violation) '\(property ?? "")'" }
        if let length { s += " in \(length) steps" }
        if kind == .incomplete { s += " (\(violation ?? ""))" }
        return s + ", \(distinct) distinct, \(generated) generated"
    }
}

enum SoundnessRunner {
    /// A search mode of the explorer.
    struct Mode: CustomStringConvertible {
        var workers = 1
        var fingerprint = false
        var dfs = false
        var symmetry = true
        /// Depth-first with the successor order permuted by this seed (`check --dfs --seed`).
        var seed: UInt64? = nil
        /// Expressions compiled to machine code (`Explorer(nativeCode:)`).
        var native = false
        var description: String {
            (dfs ? "dfs" : "bfs/\(workers)") + (seed == nil ? "" : "/seeded") + (fingerprint ? "/fp" : "") + (symmetry ? "" : "/nosym") + (native ? "/native" : "")
        }
    }

    /// Which properties a run checks, as `weave check` would be told.
    struct Selection {
        let name: String
        let properties: PropertySelection
        let deadlock: Bool
        let liveness: Bool
    }

    /// Runs no explorer search past this many states (the generated models are far smaller).
    static let stateCap = 200_000

    static func elaborate(_ text: String, _ overrides: [String: String] = [:]) -> Model? {
        guard let src = try? Loader.load(text: text, path: "generated.weave", directory: NSTemporaryDirectory()),
              let (m, _) = try? Sema.elaborate(src, overrides: overrides) else { return nil }
        return m
    }

    /// Why the front end rejects `text` (empty: it does not).
    static func rejection(_ text: String) -> String {
        do {
            let src = try Loader.load(text: text, path: "generated.weave", directory: NSTemporaryDirectory())
            _ = try Sema.elaborate(src)
            return ""
        } catch {
            return error.diagnostics.map { $0.rendered() }.joined(separator: "\n")
        }
    }

    static func options(_ mode: Mode, _ sel: Selection) -> CheckOptions {
        var o = CheckOptions()
        o.workers = mode.workers
        o.fingerprintOnly = mode.fingerprint
        o.depthFirst = mode.dfs
        o.dfsSeed = mode.seed
        o.symmetry = mode.symmetry
        o.properties = sel.properties
        o.checkDeadlock = sel.deadlock
        o.checkLiveness = sel.liveness
        o.maxStates = stateCap
        o.timeLimit = 60
        return o
    }

    static func explore(_ m: Model, _ mode: Mode, _ sel: Selection) -> EngineOutcome? {
        guard let e = try? Explorer(model: m, options: options(mode, sel), nativeCode: mode.native) else { return nil }
        // No C compiler here: the native engine is not there to compare.
        if mode.native && e.nativeStatus?.hasPrefix("native: off") != false { return nil }
        return EngineOutcome(e.run())
    }

    /// The selections every model is checked under: everything (as `weave check`), each
    /// invariant with the asserts and overflows (a failing assert ends a run, as in the
    /// prover; an unchecked one would be stepped over), and the asserts and overflows alone.
    static func selections(_ m: Model) -> [Selection] {
        let steps = m.assertNames + m.overflowNames
        var out = [Selection(name: "all", properties: .all, deadlock: true, liveness: true)]
        for inv in m.invariants {
            out.append(Selection(name: "[\(inv.name)]", properties: .only(Set([inv.name] + steps)), deadlock: false, liveness: false))
        }
        out.append(Selection(name: "[steps]", properties: .only(Set(steps)), deadlock: false, liveness: false))
        out.append(Selection(name: "[safety]", properties: .only(Set(m.invariants.map(\.name) + steps)),
                             deadlock: false, liveness: false))
        return out
    }

    // MARK: explorer modes against each other

    /// BFS with 1 and 2 workers, with fingerprints, DFS, and symmetry off: verdict,
    /// property, shortest depth and counts as each pair must agree on them.
    static func explorerFindings(_ m: Model, full: Bool = true) -> (findings: [SoundnessFinding], base: [String: EngineOutcome]) {
        let ledger = SoundnessLedger.shared
        var out: [SoundnessFinding] = []
        var bases: [String: EngineOutcome] = [:]
        let symmetric = !m.symmetricTypes.isEmpty
        for sel in selections(m) {
            guard let base = explore(m, Mode(), sel) else { ledger.add("skipped"); continue }
            bases[sel.name] = base
            if base.kind == .incomplete { ledger.add("skipped"); continue }
            var modes = [Mode(workers: 2), Mode(dfs: true), Mode(dfs: true, seed: m.hashSeed)]
            if full || sel.name == "all" { modes += [Mode(fingerprint: true), Mode(workers: 2, fingerprint: true)] }
            // Compiled expressions: one C compile per run, so under "all" only (which checks
            // every property, so every expression runs).
            if sel.name == "all" { modes += [Mode(native: true), Mode(workers: 2, native: true)] }
            if symmetric {
                modes += [Mode(symmetry: false), Mode(workers: 2, symmetry: false)]
                if full || sel.name == "all" { modes += [Mode(dfs: true, symmetry: false), Mode(fingerprint: true, symmetry: false)] }
            }
            var fullBFS: EngineOutcome? = nil
            for mode in modes {
                guard let r = explore(m, mode, sel) else { ledger.add("skipped"); continue }
                if r.kind == .incomplete { ledger.add("skipped"); continue }
                let engines = "bfs/1 vs \(mode) \(sel.name)"
                ledger.pair("bfs/1 vs \(mode)")
                out += compare(base, r, engines: engines, dfs: mode.dfs, reduced: symmetric && !mode.symmetry)
                if symmetric && !mode.symmetry && !mode.dfs {
                    if let f = fullBFS {
                        ledger.pair("bfs/1/nosym vs \(mode)")
                        out += compare(f, r, engines: "bfs/1/nosym vs \(mode) \(sel.name)", dfs: false, reduced: false)
                    } else {
                        fullBFS = r
                    }
                }
            }
        }
        return (out, bases)
    }

    /// What engines `a` (BFS, one worker) and `b` must agree on. `reduced`: `a` stores
    /// orbits and `b` every state (then a's count is at most b's).
    static func compare(_ a: EngineOutcome, _ b: EngineOutcome, engines: String, dfs: Bool, reduced: Bool) -> [SoundnessFinding] {
        func f(_ what: String) -> [SoundnessFinding] { [SoundnessFinding(engines: engines, what: what, left: "\(a)", right: "\(b)")] }
        if a.kind != b.kind { return f("verdict") }
        switch a.kind {
        case .holds:
            if reduced {
                if a.distinct > b.distinct { return f("more orbits than states") }
            } else if a.distinct != b.distinct {
                return f("distinct count")
            } else if a.generated != b.generated {
                return f("generated count")
            }
        case .safety:
            if dfs {
                // Depth-first: some violation, never shorter than the shortest.
                if let la = a.length, let lb = b.length, lb < la { return f("DFS trace shorter than BFS's shortest") }
            } else {
                if a.property != b.property || a.violation != b.violation { return f("violated property") }
                if a.length != b.length { return f("shortest trace length") }
            }
        case .unreachable, .liveness:
            if a.property != b.property { return f("violated property") }
        case .incomplete:
            break
        }
        return []
    }

    // MARK: checkpoint and resume, in process

    /// Stops the search (`maxStates`) with a checkpoint at every level, resumes it, and
    /// compares the result with the uninterrupted run `full`.
    static func checkpointFindings(_ m: Model, _ sel: Selection, full: EngineOutcome, workers: Int, limitFraction: Double,
                                   directory: String) -> [SoundnessFinding] {
        guard full.kind != .incomplete, full.distinct >= 4 else { return [] }
        try? FileManager.default.removeItem(atPath: directory)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let engines = "bfs/\(workers) checkpoint+resume vs bfs/1 \(sel.name)"
        var o = options(Mode(workers: workers), sel)
        o.checkpointDirectory = directory
        o.checkpointInterval = 0
        o.maxStates = max(1, Int(Double(full.distinct) * limitFraction))
        guard let first = try? Explorer(model: m, options: o) else { return [] }
        let stopped = EngineOutcome(first.run())
        SoundnessLedger.shared.pair("bfs checkpoint+resume vs bfs/1")
        if stopped.kind != .incomplete {
            // A violation found before the limit is one of the shortest: the same verdict and
            // length as the uninterrupted run. (Not necessarily the same property: the limit
            // can stop the level before a violation of the same length that comes first in
            // declaration order is found, and a violation found is never hidden by a limit.)
            if stopped.kind == .holds {
                // Only a search that saw every state may say HOLDS.
                return full.kind == .holds && stopped.distinct == full.distinct ? []
                    : [SoundnessFinding(engines: "bfs/\(workers) with --max-states vs bfs/1 \(sel.name)", what: "HOLDS under a limit",
                                        left: "\(full)", right: "\(stopped)")]
            }
            if stopped.kind != full.kind || stopped.length != full.length {
                return [SoundnessFinding(engines: "bfs/\(workers) with --max-states vs bfs/1 \(sel.name)", what: "verdict or shortest length",
                                         left: "\(full)", right: "\(stopped)")]
            }
            return []
        }
        guard FileManager.default.fileExists(atPath: directory + "/search.ckpt") else { return [] }
        var o2 = options(Mode(workers: workers), sel)
        o2.resumeDirectory = directory
        guard let second = try? Explorer(model: m, options: o2) else { return [] }
        do { try second.resume(from: directory) } catch {
            return [SoundnessFinding(engines: engines, what: "resume refused", left: "\(full)", right: "\(error)")]
        }
        return compare(full, EngineOutcome(second.run()), engines: engines, dfs: false, reduced: false)
    }

    // MARK: bmc against BFS

    /// BMC to the BFS violation depth L finds a violation of length L, and none to L - 1;
    /// on a model whose safety properties hold, none to a small depth.
    static func bmcFindings(_ m: Model, safety: EngineOutcome, maxDepth: Int = 7, timeoutMs: UInt32 = 8000) -> [SoundnessFinding] {
        let ledger = SoundnessLedger.shared
        var po = ProverOptions()
        po.timeoutMs = timeoutMs
        func describe(_ r: BMCResult) -> String {
            switch r {
            case .violation(let p, _, let t, _): return "violation '\(p)' in \(t.steps.count) steps"
            case .noViolation(let d): return "no violation to depth \(d)"
            case .unknown(let why): return "unknown (\(why))"
            }
        }
        var out: [SoundnessFinding] = []
        switch safety.kind {
        case .safety:
            guard let l = safety.length, l <= maxDepth else { ledger.add("skipped"); return [] }
            let at = BoundedModelChecker.check(m, depth: l, options: po)
            ledger.pair("bmc vs bfs")
            switch at {
            case .violation(_, _, let t, _):
                if t.steps.count != l {
                    out.append(SoundnessFinding(engines: "bmc vs bfs/1 [safety]", what: "violation length at the BFS depth",
                                                left: "\(safety)", right: describe(at)))
                }
            case .noViolation:
                out.append(SoundnessFinding(engines: "bmc vs bfs/1 [safety]", what: "bmc to the BFS depth misses the violation",
                                            left: "\(safety)", right: describe(at)))
            case .unknown: ledger.add("skipped")
            }
            if l > 0 {
                let before = BoundedModelChecker.check(m, depth: l - 1, options: po)
                ledger.pair("bmc vs bfs")
                if case .violation = before {
                    out.append(SoundnessFinding(engines: "bmc vs bfs/1 [safety]", what: "bmc violation shorter than BFS's shortest",
                                                left: "\(safety)", right: describe(before)))
                }
            }
        case .holds:
            let d = min(4, maxDepth)
            let r = BoundedModelChecker.check(m, depth: d, options: po)
            ledger.pair("bmc vs bfs")
            if case .violation = r {
                out.append(SoundnessFinding(engines: "bmc vs bfs/1 [safety]", what: "bmc violation where BFS holds",
                                            left: "\(safety)", right: describe(r)))
            } else if case .unknown = r { ledger.add("skipped") }
        default:
            ledger.add("skipped")
        }
        return out
    }

    // MARK: prove against check

    /// Tallies a proof verdict (`prove: proved`, ...) for the test's closing line.
    static func tally(_ engine: String, _ r: ProofResult) {
        SoundnessLedger.shared.add("\(engine): \(r.verdict.name)")
    }

    static func describe(_ r: ProofResult) -> String {
        switch r.verdict {
        case .proved: return "PROVED \(r.targets) (lemmas \(r.lemmas))"
        case .refuted(let c): return "refuted (\(c.obligation))"
        case .unknown(let why): return "unknown (\(why))"
        case .unsupported(let why): return "unsupported (\(why))"
        }
    }

    /// A PROVED where check finds a violation is a failure; an unproved true property is fine.
    /// `bases` are the explorer's outcomes per selection (`explorerFindings`).
    static func proveFindings(_ m: Model, bases: [String: EngineOutcome], timeoutMs: UInt32 = 4000) -> [SoundnessFinding] {
        let ledger = SoundnessLedger.shared
        var po = ProverOptions()
        po.timeoutMs = timeoutMs
        var out: [SoundnessFinding] = []
        // What check says about each invariant (violated: on a run with no failing step).
        var violated: [String: EngineOutcome] = [:]
        for inv in m.invariants {
            if let b = bases["[\(inv.name)]"], b.kind == .safety, b.property == inv.name { violated[inv.name] = b }
        }
        for inv in m.invariants {
            let r = Prover.prove(m, properties: [inv.name], options: po)
            ledger.pair("prove vs check")
            tally("prove", r)
            guard case .proved = r.verdict else { continue }
            // PROVED proves the lemmas too: every invariant must hold.
            for other in m.invariants {
                if let v = violated[other.name] {
                    out.append(SoundnessFinding(engines: "prove [\(inv.name)] vs check [\(other.name)]",
                                                what: other.name == inv.name ? "PROVED but check violates it" : "PROVED with a lemma check violates",
                                                left: describe(r), right: "\(v)"))
                }
            }
        }
        // Asserts and overflows: the first one check finds violated.
        if let steps = bases["[steps]"], steps.kind == .safety, let p = steps.property {
            let target = p == "runtime error" ? Prover.runtimeErrors : p
            let r = Prover.prove(m, properties: [target], options: po)
            ledger.pair("prove vs check")
            tally("prove", r)
            if case .proved = r.verdict {
                out.append(SoundnessFinding(engines: "prove [\(target)] vs check [steps]", what: "PROVED but check violates it",
                                            left: describe(r), right: "\(steps)"))
            }
        }
        // `weave prove MODEL` with no --property: PROVED while `weave check` finds a safety violation.
        if let safety = bases["[safety]"], safety.kind == .safety {
            let r = Prover.prove(m, properties: [], options: po)
            ledger.pair("prove (default targets) vs check")
            tally("prove", r)
            if case .proved = r.verdict {
                let what = r.targets.isEmpty ? "PROVED with nothing to prove"
                    : safety.property == "runtime error" ? "PROVED; the default targets leave out run-time errors"
                    : "PROVED but check finds a violation"
                out.append(SoundnessFinding(engines: "prove (no --property) vs check [safety]", what: what,
                                            left: describe(r), right: "\(safety)"))
            }
        }
        return out
    }

    // MARK: prove --symbolic against check at N on both sides of every literal

    /// `checkSizes`: the sizes check runs at besides each literal c and c + 1 (default 1...4);
    /// `perSize`: also run the per-size prover at each size up to 6.
    static func symbolicFindings(_ g: SoundnessGenerator.SymbolicModel, timeoutMs: UInt32 = 5000,
                                 checkSizes: [Int] = [1, 2, 3, 4], perSize: Bool = true) -> [SoundnessFinding] {
        let ledger = SoundnessLedger.shared
        guard let src = try? Loader.load(text: g.text, path: "generated.weave", directory: NSTemporaryDirectory()),
              let base = elaborate(g.text) else { ledger.add("rejected"); return [] }
        let targets = base.invariants.map(\.name) + base.assertNames + base.overflowNames + [Prover.runtimeErrors]
        var po = ProverOptions()
        po.timeoutMs = timeoutMs
        let sym = ProverDriver.proveSymbolic(source: src, overrides: [:], constName: "N", properties: targets, options: po)
        let symText: String
        ledger.add("prove --symbolic: " + String("\(sym.verdict)".prefix { $0 != "(" }))
        switch sym.verdict {
        case .proved: symText = "PROVED for every N >= 1"
        case .refuted(let c): symText = "refuted (\(c.obligation), N = \(c.n.map(String.init) ?? "?"))"
        case .unknown(let why): symText = "unknown (\(why.prefix(120)))"
        case .unsupported(let why): symText = "refused (\(why.prefix(160)))"
        }
        if ProcessInfo.processInfo.environment["WEAVE_SOUNDNESS_VERBOSE"] != nil {
            print("soundness: symbolic model (\(g.variant.joined(separator: "; "))): \(symText)")
        }
        var sizes = Set(checkSizes)
        for c in g.literals { for n in [c, c + 1] where n >= 1 { sizes.insert(n) } }
        var out: [SoundnessFinding] = []
        let sel = Selection(name: "[safety]", properties: .only(Set(targets)), deadlock: false, liveness: false)
        for n in sizes.sorted() {
            guard let m = elaborate(g.text, ["N": String(n)]) else { ledger.add("skipped"); continue }
            var o = options(Mode(), sel)
            // Beyond N = 10 a literal's violation is a step or two deep; the full space is not needed.
            o.maxStates = n <= 10 ? 50_000 : 5_000
            o.timeLimit = 20
            guard let e = try? Explorer(model: m, options: o) else { ledger.add("skipped"); continue }
            let r = EngineOutcome(e.run())
            ledger.pair("prove --symbolic vs check")
            if r.kind == .safety, case .proved = sym.verdict {
                out.append(SoundnessFinding(engines: "prove --symbolic N vs check --const N=\(n)", what: "PROVED for every N but violated at a size",
                                            left: symText, right: "\(r)"))
            }
            // The per-size prover at small sizes, against the same check.
            if perSize && n <= 6 {
                let per = Prover.prove(m, properties: targets, options: po)
                ledger.pair("prove vs check")
                tally("prove per size", per)
                if r.kind == .safety, case .proved = per.verdict {
                    out.append(SoundnessFinding(engines: "prove --const N=\(n) vs check --const N=\(n)", what: "PROVED but check finds a violation",
                                                left: describe(per), right: "\(r)"))
                }
            }
            if r.kind == .incomplete { ledger.add("skipped") }
        }
        return out
    }

    // MARK: minimising and writing out

    /// Deletes lines (and replaces a step's statements with `skip`) while `stillFails`
    /// holds, at most `budget` attempts and `seconds` seconds.
    static func minimize(_ text: String, budget: Int = 150, seconds: Double = 30, stillFails: (String) -> Bool) -> String {
        let ledger = SoundnessLedger.shared
        ledger.mute(true)
        defer { ledger.mute(false) }
        let deadline = Date().addingTimeInterval(seconds)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var tries = 0
        var changed = true
        while changed && tries < budget {
            changed = false
            var i = lines.count - 1
            while i >= 0 && tries < budget && Date() < deadline {
                var candidates: [[String]] = []
                var removed = lines
                removed.remove(at: i)
                candidates.append(removed)
                if let colon = lines[i].firstIndex(of: ":"), lines[i].hasPrefix("  "),
                   lines[i][..<colon].allSatisfy({ $0 == " " || $0.isLetter || $0.isNumber || $0 == "_" }),
                   !lines[i].hasSuffix(": skip"), !lines[i].contains("var ") {
                    var skipped = lines
                    skipped[i] = String(lines[i][...colon]) + " skip"
                    candidates.append(skipped)
                }
                for c in candidates where tries < budget {
                    tries += 1
                    if stillFails(c.joined(separator: "\n")) { lines = c; changed = true; break }
                }
                i = min(i, lines.count) - 1
            }
        }
        return lines.joined(separator: "\n")
    }

    /// Writes a model that made engines disagree; returns its path.
    static func writeOut(_ text: String, name: String) -> String {
        let dir = (ProcessInfo.processInfo.environment["WEAVE_SOUNDNESS_OUT"] ?? NSTemporaryDirectory() + "weave-soundness")
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/" + name + ".weave"
        try? text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}

extension Model {
    /// A seed for the seeded depth-first mode that differs between models (from the name
    /// and sizes, deterministic across runs: never Swift's per-process `Hasher`).
    var hashSeed: UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in (name + "\(processes.count) \(globals.count) \(invariants.count)").utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
        return h
    }
}
