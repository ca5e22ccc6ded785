import Foundation
import WeaveIR
import WeaveProver
import WeaveReport

/// Where `weave ci` asks the prover about `proved` expectations: induction (k = 1)
/// with the model's other invariants as lemmas, per size or (`CONST = symbolic`) for
/// every value of a const.
enum ProverHook {
    static func prove(_ model: Model, _ properties: [String]) -> (got: String, passed: Bool, detail: String) {
        var options = ProverOptions()
        options.timeoutMs = 120_000
        return row(Prover.prove(model, properties: properties, options: options))
    }

    /// The `weave ci` row of a proof: what it got, whether that passes, the detail (the
    /// obligations' times, or why not proved; every N: at which N).
    static func row(_ r: ProofResult) -> (got: String, passed: Bool, detail: String) {
        if r.nothingToProve { return ("nothing to prove", false, ProverDriver.nothingToProve) }
        switch r.verdict {
        case .proved:
            var detail = r.obligations.filter { r.constName == nil || $0.milliseconds >= 1 }
                .map { "\($0.name) \(String(format: "%.0f", $0.milliseconds)) ms" }.joined(separator: "; ")
            if let name = r.constName, let l = r.elaborationLimit {
                detail = "for every \(name) >= 1 at which the model elaborates (<= \(l.lastGood); at \(l.firstBad): \(l.why)); " + detail
            }
            return ("proved", true, detail)
        case .unknown(let why):
            return ("unknown", false, why)
        case .unsupported(let why):
            return ("unsupported", false, why)
        case .refuted(let c):
            let at = r.constName.map { " at \($0) = \(c.n.map(String.init) ?? "?")" } ?? ""
            var d = "\(c.obligation) fails\(at)"
            if !c.isInitiation { d += " after step \(c.stepName)" }
            if let diag = ProverDriver.diagnose(c, lemmas: r.lemmas, k: r.k) { d += "; " + diag.line(at: at) }
            return ("refuted", false, d)
        }
    }
}
