import WeaveIR
import WeaveProver
import WeaveReport

/// Where `weave ci` asks the prover about `proved` expectations: induction (k = 1)
/// with the model's other invariants as lemmas.
enum ProverHook {
    static func prove(_ model: Model, _ properties: [String]) -> (got: String, passed: Bool, detail: String) {
        var options = ProverOptions()
        options.timeoutMs = 120_000
        let r = Prover.prove(model, properties: properties, options: options)
        if r.nothingToProve { return ("nothing to prove", false, ProverDriver.nothingToProve) }
        let times = r.obligations.map { "\($0.name) \(String(format: "%.0f", $0.milliseconds)) ms" }.joined(separator: "; ")
        switch r.verdict {
        case .proved:
            return ("proved", true, times)
        case .unknown(let why), .unsupported(let why):
            return ("unknown", false, why)
        case .refuted(let c):
            var d = "\(c.obligation) fails"
            if let s = c.step { d += " after step \(s.name)" }
            if let diag = ProverDriver.diagnose(c, lemmas: r.lemmas, k: r.k) { d += "; " + diag.line() }
            return ("refuted", false, d)
        }
    }
}
