import WeaveIR
import WeaveProver

/// Where `weave ci` asks the prover about `proved` expectations: induction (k = 1)
/// with the model's other invariants as lemmas.
enum ProverHook {
    static func prove(_ model: Model, _ properties: [String]) -> (got: String, passed: Bool, detail: String) {
        var options = ProverOptions()
        options.timeoutMs = 120_000
        let r = Prover.prove(model, properties: properties, options: options)
        let times = r.obligations.map { "\($0.name) \(String(format: "%.0f", $0.milliseconds)) ms" }.joined(separator: "; ")
        switch r.verdict {
        case .proved:
            return ("proved", true, times)
        case .unknown(let why):
            return ("unknown", false, why)
        case .refuted(let c):
            var d = "\(c.obligation) fails"
            if let s = c.step { d += " after step \(s.name)" }
            if !c.isInitiation { d += "; the pre-state is " + ProverDriver.reachability(model, c.preState) }
            return ("refuted", false, d)
        }
    }
}
