import Foundation
import WeaveIR
import WeaveProver
import WeaveReport
import WeaveSema
import WeaveSource

/// `weave prove MODEL --symbolic CONST`: one proof for every value N >= 1 of a const.
extension ProverDriver {
    /// Exit 0 proved, 14 refuted, 15 unknown, 65 outside the symbolic fragment, 64 a bad const name.
    public static func proveSymbolic(path: String, overrides: [String: String], constName: String, properties: [String],
                                     timeoutMs: UInt32?, smtLog: String?, io: Output) -> WeaveExit {
        if overrides[constName] != nil {
            io.err("weave: --symbolic \(constName) and --const \(constName)=\(overrides[constName]!) contradict each other\n")
            return .usage
        }
        if let smtLog, let problem = smtLogProblem(smtLog) {
            io.err("weave: --smt-log '\(smtLog)': \(problem)\n")
            return .fileError
        }
        let loaded = Driver.load(path, overrides: overrides, io: io)
        guard case .model(let model, let source, let warnings) = loaded else {
            if case .failed(let code) = loaded { return code }
            return .internalError
        }
        for w in warnings { io.err(w.rendered() + "\n") }
        guard model.settings.contains(where: { $0.name == constName && !$0.isParam }) else {
            let consts = model.settings.filter { !$0.isParam }.map(\.name)
            io.err("weave: --symbolic \(constName): the model has no const named '\(constName)'"
                   + (consts.isEmpty ? "" : " (consts: \(consts.joined(separator: ", ")))") + "\n")
            return .usage
        }
        var options = ProverOptions()
        options.timeoutMs = timeoutMs
        options.smtLogDir = smtLog
        let r = proveSymbolic(source: source, overrides: overrides, constName: constName, properties: properties, options: options)
        if r.nothingToProve {
            io.err("weave: \(path): \(nothingToProve)\n")
            return .modelError
        }
        io.out(symbolicReport(r))
        if let smtLog { io.out("SMT-LIB queries written to \(smtLog)/ (replay: z3 FILE.smt2)\n") }
        return exitCode(r.verdict)
    }

    /// The symbolic proof of a loaded source, the const set to each sample size in turn.
    public static func proveSymbolic(source: ModelSource, overrides: [String: String], constName: String,
                                     properties: [String], options: ProverOptions) -> ProofResult {
        SymbolicProver.prove(constName: constName, properties: properties, options: options) { n in
            var o = overrides
            o[constName] = String(n)
            let log = FoldLog()
            do {
                return SymbolicElaboration(model: try Sema.elaborate(source, overrides: o, foldLog: log).0, folds: log.records)
            } catch let error as DiagnosticsError {
                let errors = error.diagnostics.filter { $0.severity == .error }
                let first = errors.first.map { d in (d.range.map { "\($0.description): " } ?? "") + d.message } ?? "\(error)"
                throw SymbolicElaborationError(
                    summary: first + (errors.count > 1 ? " (and \(errors.count - 1) more error\(errors.count == 2 ? "" : "s"))" : ""),
                    description: "\n" + error.diagnostics.map { $0.rendered() }.joined(separator: "\n"))
            }
        }
    }

    /// The text report of a symbolic proof attempt.
    public static func symbolicReport(_ r: ProofResult) -> String {
        Reporter.symbolicProofText(symbolicResult(r), branches: Driver.stepBranches)
    }

    /// The prover's every-N result as the neutral one the reports read (a counterexample
    /// diagnosed on the model at its size).
    static func symbolicResult(_ r: ProofResult) -> SymbolicInductionResult {
        let outcome: SymbolicInductionResult.Outcome
        switch r.verdict {
        case .proved: outcome = .proved(r.elaborationLimit)
        case .unknown(let why): outcome = .unknown(why)
        case .unsupported(let why): outcome = .unsupported(why)
        case .refuted(let c):
            outcome = .refuted(SymbolicCounterexample(obligation: c.obligation, property: c.property, n: c.n, stepName: c.stepName,
                                                      isInitiation: c.isInitiation, failedInsideStep: c.failedInsideStep,
                                                      model: c.model, trace: c.trace, diagnosis: diagnose(c, lemmas: r.lemmas, k: 1)))
        }
        return SymbolicInductionResult(outcome: outcome, obligations: r.obligations, constName: r.constName ?? "",
                                       modelName: r.model?.name, settings: r.settings, targets: r.targets, lemmas: r.lemmas,
                                       pathCount: r.pathCount, encodingSeconds: r.encodingSeconds)
    }
}
