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
        return exitCode(result.verdict)
    }

    /// Exit 0 proved, 14 refuted, 15 unknown, 65 outside the symbolic fragment.
    static func exitCode(_ v: ProofVerdict) -> WeaveExit {
        switch v {
        case .proved: return .holds
        case .refuted: return .proofRefuted
        case .unknown: return .proofUnknown
        case .unsupported: return .modelError
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
        let reporter = Reporter(model: model, branches: Driver.stepBranches(model))
        let t0 = Date()
        let r = BoundedModelChecker.check(model, depth: depth)
        let result = bounded(model, r, depth: depth, seconds: Date().timeIntervalSince(t0))
        if format == .json {
            io.out(reporter.boundedJSON(result).serialized(pretty: true) + "\n")
        }
        switch result.outcome {
        case .noViolation:
            if format != .json { io.out(reporter.boundedText(result)) }
            if let traceOut { io.err("weave: no trace written to '\(traceOut)': BMC found no violation\n") }
            return .holds
        case .violated(let v):
            switch format {
            case .text: io.out(reporter.boundedText(result))
            case .json: break
            case .kernel: if let trace = v.trace { io.out(KernelView.render(model: model, trace: trace, violation: v, branches: reporter.branches)) }
            case .mermaid:
                if let trace = v.trace { io.out("```mermaid\n" + Mermaid.render(model: model, trace: trace, violation: v, branches: reporter.branches) + "```\n") }
            }
            if let traceOut, let trace = v.trace,
               let failed = Driver.writeTrace(trace, of: v, reporter: reporter, to: traceOut, format: format, io: io) {
                return failed
            }
            return .proofRefuted
        case .unknown:
            if format != .json { io.out(reporter.boundedText(result)) }
            return .proofUnknown
        }
    }

    /// The prover's BMC result as the neutral one the reports read.
    static func bounded(_ model: Model, _ r: BMCResult, depth: Int, seconds: Double) -> BoundedResult {
        switch r {
        case .noViolation(let d):
            return BoundedResult(outcome: .noViolation(depth: d), depth: depth, seconds: seconds)
        case .violation(let property, let message, let trace, let failed):
            return BoundedResult(outcome: .violated(violation(model, property: property, message: message, trace: trace,
                                                              failedInsideStep: failed)),
                                 depth: depth, seconds: seconds)
        case .unknown(let why):
            return BoundedResult(outcome: .unknown(why), depth: depth, seconds: seconds)
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
        } else {
            switch PropertyID(property) {
            case .runtimeError: kind = .runtimeError
            case .overflow: kind = .overflow
            default: kind = .assertion
            }
            if kind != .runtimeError { range = model.siteRange(forViolation: property) }
        }
        return Violation(kind: kind, property: property, message: message, range: range, trace: trace,
                         failedInsideStep: failedInsideStep)
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
        Reporter(model: model, branches: Driver.stepBranches(model)).proofText(induction(model, r))
    }

    /// The prover's per-size result as the neutral one the reports read (a counterexample
    /// diagnosed).
    static func induction(_ model: Model, _ r: ProofResult) -> InductionResult {
        let outcome: InductionResult.Outcome
        switch r.verdict {
        case .proved: outcome = .proved
        case .unknown(let why), .unsupported(let why): outcome = .unknown(why)
        case .refuted(let c):
            let stage: InductionCounterexample.Stage = c.isInitiation ? .initiation : c.obligation.hasPrefix("base") ? .base : .consecution
            outcome = .refuted(InductionCounterexample(obligation: c.obligation, property: c.property, stage: stage,
                                                       trace: c.trace ?? Trace(states: [], steps: []),
                                                       failedInsideStep: c.failedInsideStep,
                                                       diagnosis: diagnose(c, lemmas: r.lemmas, k: r.k)))
        }
        return InductionResult(outcome: outcome, obligations: r.obligations, targets: r.targets, lemmas: r.lemmas,
                               k: r.k, pathCount: r.pathCount, encodingSeconds: r.encodingSeconds)
    }

    /// The one-line reason for `weave ci` and the nothing-to-prove message.
    static let nothingToProve = "nothing to prove: the model has no invariant, assert or overflow bound, and no step that can hit a run-time error"

    /// What a counterexample means (a real bug, a wrong lemma, or lemmas too weak).
    public typealias Diagnosis = ProofDiagnosis

    /// How many steps from the initial states the diagnosis searches for a real violation.
    public static func witnessDepth(k: Int) -> Int { max(10, k) }
    /// Seconds the diagnosis gives BMC.
    static let witnessBudget = 30.0

    /// The property a CTI breaks (the prover names a run-time error CTI `runtime error: WHY`).
    static func ctiProperty(_ property: String) -> PropertyID {
        property.hasPrefix(PropertyID.runtimeErrorName) ? .runtimeError : PropertyID(property)
    }

    /// Diagnoses a counterexample of `weave prove`: the explorer tells whether its pre-state
    /// is reachable, and BMC looks for a run of at most `witnessDepth(k)` steps from an
    /// initial state that fails the same property (a step that also fails from a reachable
    /// state is a real bug even when Z3's pre-state is unreachable). A lemma that fails in a
    /// reachable state is reported as wrong (not an invariant), not as a bug of the model.
    /// Nil when the counterexample's states were not decoded (every N, at a size too large).
    public static func diagnose(_ c: CounterexampleToInduction, lemmas: [String], k: Int) -> Diagnosis? {
        guard let model = c.model, c.trace != nil else { return nil }
        return diagnose(model, property: c.property, preState: c.isInitiation ? nil : c.preState,
                        fromInitialState: c.isInitiation || c.obligation.hasPrefix("base"), lemmas: lemmas, k: k)
    }

    /// `preState` nil: the CTI is an initial state (initiation); `fromInitialState`: the
    /// CTI is itself a run from an initial state (initiation, or the base case of k-induction).
    public static func diagnose(_ model: Model, property: String, preState: [Int64]?, fromInitialState: Bool,
                                lemmas: [String], k: Int) -> Diagnosis {
        let name = ctiProperty(property).name
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
