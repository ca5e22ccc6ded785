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
        switch r.verdict {
        case .proved: return .holds
        case .refuted: return .proofRefuted
        case .unknown: return .proofUnknown
        case .unsupported: return .modelError
        }
    }

    /// The symbolic proof of a loaded source, the const set to each sample size in turn.
    public static func proveSymbolic(source: ModelSource, overrides: [String: String], constName: String,
                                     properties: [String], options: ProverOptions) -> SymbolicProofResult {
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

    /// The diagnosis of a symbolic CTI, on the model at the CTI's size (nil: not decoded).
    public static func symbolicDiagnosis(_ r: SymbolicProofResult, _ c: SymbolicCTI) -> Diagnosis? {
        guard let model = c.concrete, let trace = c.trace else { return nil }
        return diagnose(model, property: c.property, preState: c.isInitiation ? nil : trace.states[0],
                        fromInitialState: c.isInitiation, lemmas: r.lemmas, k: 1)
    }


    /// The text report of a symbolic proof attempt.
    public static func symbolicReport(_ r: SymbolicProofResult) -> String {
        let n = r.constName
        var out = ""
        if let model = r.model {
            out += "model \(model.name) (\(r.settings.isEmpty ? "no params" : r.settings))\n"
        }
        out += "prove \(r.targets.isEmpty ? "the model's properties" : r.targets.joined(separator: ", ")) for every \(n) = N >= 1 by induction"
        out += r.lemmas.isEmpty ? " (no lemmas)\n" : " with lemmas \(r.lemmas.joined(separator: ", "))\n"
        if case .unsupported(let why) = r.verdict {
            return out + "UNSUPPORTED: \(why)\n"
        }
        out += "encoding: \(r.pathCount) step paths of an arbitrary instance in \(String(format: "%.2f", r.encodingSeconds)) s\n"
        out += obligationLines(r.obligations)
        let total = r.obligations.reduce(0) { $0 + $1.milliseconds }
        switch r.verdict {
        case .proved:
            if let l = r.elaborationLimit {
                out += "PROVED for every \(n) >= 1 at which the model elaborates: \(n) <= \(l.lastGood) "
                    + "(at \(n) = \(l.firstBad): \(l.why)) (Z3 total \(String(format: "%.1f", total)) ms)\n"
            } else {
                out += "PROVED for every \(n) >= 1 (Z3 total \(String(format: "%.1f", total)) ms)\n"
            }
        case .unknown(let why):
            out += "UNKNOWN: \(why)\n"
        case .unsupported:
            break
        case .refuted(let c):
            out += "REFUTED: \(c.obligation)\n"
            out += "\n\(n) = \(c.n.map(String.init) ?? "?")" + (c.isInitiation ? "" : ", step \(c.stepName)") + "\n"
            if let model = c.concrete, let trace = c.trace {
                let reporter = Reporter(model: model)
                let d = symbolicDiagnosis(r, c)
                if c.isInitiation {
                    out += "an initial state violates \(c.property):\n" + reporter.traceText(trace)
                } else {
                    out += c.failedInsideStep ? "counterexample to induction (the last step fails: \(c.property)):\n"
                                              : "counterexample to induction (\(c.property) fails after the step):\n"
                    out += reporter.traceText(trace, failedInsideStep: c.failedInsideStep)
                        .replacingOccurrences(of: "  0  initial state\n", with: "  0  a state satisfying every invariant (not necessarily initial)\n")
                }
                if let d { out += diagnosisText(model, d, at: " at \(n) = \(c.n ?? 0)") }
            }
        }
        return out
    }
}
