import Foundation
import WeaveIR
import WeaveSource
import WeaveExplorer
import WeaveProver
import WeaveReport

/// `weave prove` and `weave bmc`: load a model or proof file, run the Z3 back end,
/// print a readable report.
public enum ProverDriver {
    /// k-induction of `properties` (empty: every invariant, assert and overflow bound);
    /// the file's other invariants are the lemmas. Exit 0 proved, 14 refuted, 15 unknown.
    public static func prove(path: String, overrides: [String: String], properties: [String], k: Int,
                             timeoutMs: UInt32?, smtLog: String?, io: Output) -> WeaveExit {
        if let smtLog, let problem = smtLogProblem(smtLog) {
            io.err("weave: --smt-log '\(smtLog)': \(problem)\n")
            return .fileError
        }
        let loaded = Driver.load(path, overrides: overrides, io: io)
        guard case .model(let model, _, let warnings) = loaded else {
            if case .failed(let code) = loaded { return code }
            return .internalError
        }
        for w in warnings { io.err(w.rendered() + "\n") }
        var options = ProverOptions()
        options.k = max(1, k)
        options.timeoutMs = timeoutMs
        options.smtLogDir = smtLog
        let result = Prover.prove(model, properties: properties, options: options)
        if result.nothingToProve {
            io.err("weave: \(path): \(nothingToProve)\n")
            return .modelError
        }
        io.out(report(model, result))
        if let smtLog { io.out("SMT-LIB queries written to \(smtLog)/ (replay: z3 FILE.smt2)\n") }
        switch result.verdict {
        case .proved: return .holds
        case .refuted: return .proofRefuted
        case .unknown: return .proofUnknown
        }
    }

    /// Bounded model checking to `depth` steps. Exit 0 no violation within `depth` steps (a
    /// bounded result: verdict `bounded`, never "holds"), 14 a violation, 15 unknown.
    /// A violation is printed in `format` as `weave check` prints one (text, JSON, kernel
    /// view, Mermaid), and `traceOut` receives it as ITF, which `weave replay` checks
    /// against the explorer.
    public static func bmc(path: String, overrides: [String: String], depth: Int,
                           format: Driver.Format = .text, traceOut: String? = nil, io: Output) -> WeaveExit {
        let loaded = Driver.load(path, overrides: overrides, io: io)
        guard case .model(let model, let source, let warnings) = loaded else {
            if case .failed(let code) = loaded { return code }
            return .internalError
        }
        if let traceOut, let input = Driver.inputMatching(traceOut, source.units.map(\.file.path)) {
            io.err("weave: --trace-out '\(traceOut)' is an input of this run ('\(input)'); name another file\n")
            return .usage
        }
        for w in warnings { io.err(w.rendered() + "\n") }
        let reporter = Reporter(model: model)
        let head = "model \(model.name) (\(reporter.settingsText.isEmpty ? "no params" : reporter.settingsText))\n"
        let t0 = Date()
        let r = BoundedModelChecker.check(model, depth: depth)
        let seconds = Date().timeIntervalSince(t0)
        let secs = String(format: "%.2f", seconds)
        switch r {
        case .noViolation(let d):
            if format == .json {
                io.out(bmcJSON(model, verdict: "bounded", depth: d, seconds: seconds, extra: []).serialized(pretty: true) + "\n")
            } else {
                let steps = d == 1 ? "1 step" : "\(d) steps"
                io.out(head + "NO VIOLATION within \(steps) (a bounded check: runs longer than \(steps) were not checked; "
                       + "invariants, asserts, overflows and run-time errors, not deadlock) in \(secs) s\n")
            }
            if let traceOut { io.err("weave: no trace written to '\(traceOut)': BMC found no violation\n") }
            return .holds
        case .violation(let property, let message, let trace, let failed):
            let v = violation(model, property: property, message: message, trace: trace, failedInsideStep: failed)
            switch format {
            case .text:
                var out = head + "VIOLATED: \(message)\n"
                if let range = v.range { out += "  at \(range.description)\n" }
                out += "\ntrace (\(trace.steps.count) step\(trace.steps.count == 1 ? "" : "s"), found by BMC in \(secs) s):\n"
                out += reporter.traceText(trace, failedInsideStep: failed)
                io.out(out)
            case .json:
                var kv: [(String, JSON)] = [("property", .string(v.property)), ("kind", .string(v.kind.rawValue)),
                                            ("message", .string(v.message))]
                if let range = v.range { kv.append(("location", .string(range.description))) }
                kv.append(("trace", reporter.traceJSON(trace)))
                io.out(bmcJSON(model, verdict: "violated", depth: trace.steps.count, seconds: seconds, extra: kv)
                    .serialized(pretty: true) + "\n")
            case .kernel:
                io.out(KernelView.render(model: model, trace: trace, violation: v))
            case .mermaid:
                io.out("```mermaid\n" + Mermaid.render(model: model, trace: trace, violation: v) + "```\n")
            }
            if let traceOut {
                let text = reporter.itf(trace, description: v.message, violation: v).serialized(pretty: true) + "\n"
                do {
                    try Driver.writeAtomically(text, to: traceOut)
                    if format == .text { io.out("ITF trace written to \(traceOut)\n") }
                } catch {
                    io.err("weave: cannot write '\(traceOut)': \(error.localizedDescription)\n")
                    return .fileError
                }
            }
            return .proofRefuted
        case .unknown(let why):
            if format == .json {
                io.out(bmcJSON(model, verdict: "unknown", depth: depth, seconds: seconds, extra: [("reason", .string(why))])
                    .serialized(pretty: true) + "\n")
            } else {
                io.out(head + "UNKNOWN: \(why)\n")
            }
            return .proofUnknown
        }
    }

    /// A BMC violation as the explorer reports the same one: its kind, and where in the
    /// model it is checked (the invariant, the assert, the push).
    static func violation(_ model: Model, property: String, message: String, trace: Trace,
                          failedInsideStep: Bool) -> Violation {
        let kind: ViolationKind
        var range: SourceRange? = nil
        if let inv = model.invariants.first(where: { $0.name == property }), !failedInsideStep {
            kind = .invariant
            range = inv.range
        } else if property == Model.runtimeErrorProperty {
            kind = .runtimeError
        } else {
            kind = Model.isOverflowProperty(property) ? .overflow : .assertion
            range = model.siteRange(forViolation: property)
        }
        return Violation(kind: kind, property: property, message: message, range: range, trace: trace,
                         failedInsideStep: failedInsideStep)
    }

    /// The JSON object of a BMC run: the fields `weave check --format json` has that BMC
    /// knows, and `engine: bmc`.
    static func bmcJSON(_ model: Model, verdict: String, depth: Int, seconds: Double, extra: [(String, JSON)]) -> JSON {
        .object([("model", .string(model.name)),
                 ("settings", .object(model.settings.map { ($0.name, .string($0.type.format($0.value))) })),
                 ("engine", .string("bmc")), ("verdict", .string(verdict))]
                + extra + [("depth", .int(Int64(depth))), ("elapsedSeconds", .double(seconds))])
    }

    /// One line per obligation, with its outcome and Z3 time (per-size and symbolic reports).
    static func obligationLines(_ obligations: [Obligation]) -> String {
        var out = ""
        for o in obligations {
            let status: String
            switch o.status {
            case .proved: status = "proved"
            case .refuted: status = "REFUTED"
            case .unknown(let why): status = "unknown (\(why))"
            }
            out += "  \(o.name): \(status)   \(String(format: "%.1f", o.milliseconds)) ms\n"
        }
        return out
    }

    /// Why `--smt-log DIR` cannot take the queries (nil: the directory exists now). A
    /// path that names a file is refused, and the file is left alone.
    static func smtLogProblem(_ dir: String) -> String? {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: dir, isDirectory: &isDir) {
            return isDir.boolValue ? nil : "is a file, not a directory (the queries go into a directory)"
        }
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            return nil
        } catch {
            return "cannot create the directory: \(error.localizedDescription)"
        }
    }

    /// The text report of a proof attempt.
    public static func report(_ model: Model, _ r: ProofResult) -> String {
        let reporter = Reporter(model: model)
        var out = "model \(model.name) (\(reporter.settingsText.isEmpty ? "no params" : reporter.settingsText))\n"
        out += "prove \(r.targets.joined(separator: ", ")) by \(r.k == 1 ? "induction" : "\(r.k)-induction")"
        out += r.lemmas.isEmpty ? " (no lemmas)\n" : " with lemmas \(r.lemmas.joined(separator: ", "))\n"
        out += "encoding: \(r.pathCount) step paths in \(String(format: "%.2f", r.encodingSeconds)) s\n"
        out += obligationLines(r.obligations)
        let total = r.obligations.reduce(0) { $0 + $1.milliseconds }
        switch r.verdict {
        case .proved:
            out += "PROVED (Z3 total \(String(format: "%.1f", total)) ms)\n"
        case .unknown(let why):
            out += "UNKNOWN: \(why)\n"
        case .refuted(let c):
            out += "REFUTED: \(c.obligation)\n"
            let d = diagnose(model, c, lemmas: r.lemmas, k: r.k)
            if c.isInitiation {
                out += "\nan initial state violates \(c.property):\n"
                out += reporter.traceText(c.trace)
            } else if c.obligation.hasPrefix("base") {
                out += c.failedInsideStep ? "\na run from an initial state (the last step fails: \(c.property)):\n"
                                          : "\na run from an initial state (\(c.property) fails in its last state):\n"
                out += reporter.traceText(c.trace, failedInsideStep: c.failedInsideStep)
            } else {
                out += c.failedInsideStep ? "\ncounterexample to induction (the last step fails: \(c.property)):\n"
                                          : "\ncounterexample to induction (\(c.property) fails after the step):\n"
                out += reporter.traceText(c.trace, failedInsideStep: c.failedInsideStep)
                    .replacingOccurrences(of: "  0  initial state\n", with: "  0  a state satisfying every invariant (not necessarily initial)\n")
            }
            out += diagnosisText(model, d)
        }
        return out
    }

    /// The one-line reason for `weave ci` and the nothing-to-prove message.
    static let nothingToProve = "nothing to prove: the model has no invariant, assert or overflow bound, and no step that can hit a run-time error"

    /// What a counterexample means: whether its property fails in a reachable state (a
    /// real bug, or a lemma that is not an invariant) or only in unreachable ones (the
    /// lemmas are too weak), with a run from an initial state when BMC finds one.
    public struct Diagnosis: Sendable {
        /// `reachable (a real bug)`, `unreachable (strengthen the lemmas); ...`, ...: what
        /// follows "the pre-state is".
        public let text: String
        /// A run from an initial state that fails the same property, if BMC found one.
        public let witness: Trace?
        /// The witness's last step fails partway (an assert, overflow or run-time error).
        public let witnessFailsInside: Bool
        /// The property is a lemma (not a target) and fails in a reachable state.
        public let lemmaIsWrong: Bool
    }

    /// How many steps from the initial states the diagnosis searches for a real violation.
    public static func witnessDepth(k: Int) -> Int { max(10, k) }
    /// Seconds the diagnosis gives BMC.
    static let witnessBudget = 30.0

    /// The property the CTI breaks as BMC names it (`runtime error: ...` is `runtime error`).
    static func bmcProperty(_ property: String) -> String {
        property.hasPrefix(Prover.runtimeErrors) ? Prover.runtimeErrors : property
    }

    /// Diagnoses a counterexample of `weave prove`: the explorer tells whether its pre-state
    /// is reachable, and BMC looks for a run of at most `witnessDepth(k)` steps from an
    /// initial state that fails the same property (a step that also fails from a reachable
    /// state is a real bug even when Z3's pre-state is unreachable). A lemma that fails in a
    /// reachable state is reported as wrong (not an invariant), not as a bug of the model.
    public static func diagnose(_ model: Model, _ c: CounterexampleToInduction, lemmas: [String], k: Int) -> Diagnosis {
        diagnose(model, property: c.property, preState: c.isInitiation ? nil : c.preState,
                 fromInitialState: c.isInitiation || c.obligation.hasPrefix("base"), lemmas: lemmas, k: k)
    }

    /// `preState` nil: the CTI is an initial state (initiation); `fromInitialState`: the
    /// CTI is itself a run from an initial state (initiation, or the base case of k-induction).
    public static func diagnose(_ model: Model, property: String, preState: [Int64]?, fromInitialState: Bool,
                                lemmas: [String], k: Int) -> Diagnosis {
        let name = bmcProperty(property)
        let isLemma = lemmas.contains(name)
        let wrong = "the lemma \(name) is not an invariant (it fails in a reachable state); fix or drop it"
        if fromInitialState {
            return Diagnosis(text: isLemma ? "initial: \(wrong)" : "initial: a real bug", witness: nil,
                             witnessFailsInside: false, lemmaIsWrong: isLemma)
        }
        let reach = preState.map { reachability(model, $0) } ?? "unknown (too many states to tell)"
        let depth = witnessDepth(k: k)
        var witness: Trace? = nil
        var inside = false
        var bmcNote = ""
        if name != "type constraints" {
            switch BoundedModelChecker.check(model, depth: depth, properties: [name], timeBudget: witnessBudget) {
            case .violation(_, _, let trace, let failed):
                witness = trace
                inside = failed
            case .noViolation:
                bmcNote = "no run of at most \(depth) steps from an initial state fails it (BMC)"
            case .unknown(let why):
                bmcNote = "BMC cannot tell whether a run of at most \(depth) steps fails it: \(why)"
            }
        }
        let reachable = reach.hasPrefix("reachable")
        if reachable || witness != nil {
            var text = reachable ? "reachable" : reach.hasPrefix("unreachable") ? "unreachable" : "not known to be reachable (too many states to tell)"
            if reachable {
                text += isLemma ? ": \(wrong)" : " (a real bug)"
            } else {
                text += isLemma ? ", but a reachable state violates it too: the lemma \(name) is not an invariant; fix or drop it"
                                : ", but the property fails from a reachable state too (a real bug)"
            }
            return Diagnosis(text: text, witness: witness, witnessFailsInside: inside, lemmaIsWrong: isLemma)
        }
        return Diagnosis(text: bmcNote.isEmpty ? reach : "\(reach); \(bmcNote)", witness: nil, witnessFailsInside: false,
                         lemmaIsWrong: false)
    }

    /// The diagnosis as report lines: "the pre-state is ...", then the run BMC found.
    static func diagnosisText(_ model: Model, _ d: Diagnosis, at suffix: String = "") -> String {
        var out = d.text.hasPrefix("initial: ") ? String(d.text.dropFirst(9)) + "\n" : "the pre-state is \(d.text)\(suffix)\n"
        if let w = d.witness {
            out += w.steps.isEmpty ? "an initial state fails it (BMC):\n"
                                   : "a run from an initial state that fails it (BMC, \(w.steps.count) step\(w.steps.count == 1 ? "" : "s")):\n"
            out += Reporter(model: model).traceText(w, failedInsideStep: d.witnessFailsInside)
        }
        return out
    }

    /// The diagnosis on one line (for `weave ci`).
    public static func diagnosisLine(_ d: Diagnosis, at suffix: String = "") -> String {
        var out = d.text.hasPrefix("initial: ") ? "an initial state: " + d.text.dropFirst(9) : "the pre-state is \(d.text)\(suffix)"
        if let w = d.witness {
            out += w.steps.isEmpty ? " (BMC: an initial state fails it)"
                                   : " (BMC: a run of \(w.steps.count) step\(w.steps.count == 1 ? "" : "s") from an initial state fails it)"
        }
        return out
    }

    /// Whether the explorer can reach `state`: "reachable (a real bug)", "unreachable
    /// (strengthen the lemmas)" or "unknown (too many states to tell)".
    public static func reachability(_ model: Model, _ state: [Int64]) -> String {
        guard Driver.tooManyInitialStates(model) == nil, let space = try? StateSpace(model: model) else {
            return "unknown (too many states to tell)"
        }
        if let all = space.reachableStates(limit: 2_000_000) {
            return all.contains(state) ? "reachable (a real bug)" : "unreachable (strengthen the lemmas)"
        }
        // The explorer stops at the first violation or run-time error (a run-time error CTI
        // is often one); search the states reachable without one instead.
        var seen = Set<[Int64]>()
        var queue = space.initialStates()
        seen.formUnion(queue)
        var next = 0
        while next < queue.count {
            if queue[next] == state { return "reachable (a real bug)" }
            guard let succ = space.successors(of: queue[next]) else { break }
            next += 1
            for x in succ where x.kind == .state && seen.insert(x.state).inserted {
                queue.append(x.state)
            }
            if seen.count > 300_000 { return "unknown (too many states to tell)" }
        }
        return next == queue.count ? "unreachable (strengthen the lemmas)" : "unknown (too many states to tell)"
    }
}
