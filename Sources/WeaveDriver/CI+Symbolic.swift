import Foundation
import WeaveIR
import WeaveProver
import WeaveReport
import WeaveSema
import WeaveSource

/// `expect ..., THREADS = symbolic: proved P`: the proof for every value N >= 1 of the const.
extension CI {
    /// The consts an expectation run sets to `symbolic`.
    static func symbolicConsts(_ run: [(String, String)]) -> [String] {
        run.filter { $0.1 == "symbolic" }.map(\.0)
    }

    static func runSymbolic(source: ModelSource, exp: Expectation, run: [(String, String)],
                            row: (String, Bool, String, String?) -> Row) -> Row {
        let consts = symbolicConsts(run)
        guard case .proved(let ps) = exp.verdict else {
            return row("error", false, "\(exp.range.description): '= symbolic' goes with a 'proved' expectation (a proof for every value)", nil)
        }
        guard consts.count == 1, let name = consts.first else {
            return row("error", false, "\(exp.range.description): only one const can be symbolic (\(consts.joined(separator: ", ")))", nil)
        }
        var overrides: [String: String] = [:]
        for (k, v) in run where k != name { overrides[k] = v }
        var options = ProverOptions()
        options.timeoutMs = 120_000
        let r = ProverDriver.proveSymbolic(source: source, overrides: overrides, constName: name, properties: ps, options: options)
        let (got, passed, detail) = ProverHook.row(r)
        return row(got, passed, detail, r.model?.name)
    }
}
