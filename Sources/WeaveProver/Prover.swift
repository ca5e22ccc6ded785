import Foundation
import WeaveIR
import WeaveZ3

/// Proves invariants and step properties (asserts, overflow bounds) by k-induction.
///
/// Targets are the named properties; every other invariant of the model is a lemma
/// (a proof file imports the model and adds them) and must be inductive too. With
/// H(s) = TypeOK(s) ∧ every invariant, the obligations are:
/// - initiation (k = 1): Init(s) ⇒ I(s) for each invariant I; for k > 1 a base case:
///   no state reachable in fewer than k steps violates an invariant or fails a target step;
/// - consecution: H(s₀) ∧ … ∧ H(s_{k-1}) ∧ T(s₀,s₁) … ∧ T(s_{k-2},s_{k-1}) ∧ step(s_{k-1},s_k) ⇒ I(s_k);
/// - for an assert/overflow target A: the same hypotheses ⇒ no path of a step from s_{k-1} fails A;
///   for the target `runtime error`: ⇒ no path of a step from s_{k-1} hits a run-time error.
///
/// Steps that fail (asserts, overflows, run-time errors) end a run, so T covers the paths
/// that complete. Invariants are split into conjuncts (`&&`, `forall x: T`); a step that
/// leaves a conjunct's term unchanged preserves it. For k = 1 each remaining (path,
/// conjunct) query is first tried on its cone (the hypotheses sharing a slot with it)
/// and falls back to the full hypothesis only if the cone does not refute it.
/// Counterexample states are canonical (unused queue elements as the explorer stores them).
public enum Prover {
    /// The target that no step hits a run-time error (index out of range, pop from an
    /// empty queue, a value outside its range type, division by zero, overflow): the
    /// explorer's property name for them.
    public static let runtimeErrors = Model.runtimeErrorProperty

    /// The targets when none are named: every invariant, assert and overflow bound, and
    /// `runtime error` (a run-time error is a violation in `weave check` as well).
    public static func defaultTargets(_ model: Model) -> [String] {
        model.invariants.map(\.name) + model.assertNames + model.overflowNames + [runtimeErrors]
    }

    /// `properties` empty: `defaultTargets`. If the model then has no property of its own
    /// and no step path that can hit a run-time error, the result is `nothingToProve`
    /// (its verdict `proved` is vacuous: callers must not report it as a proof).
    public static func prove(_ model: Model, properties: [String], options: ProverOptions = ProverOptions()) -> ProofResult {
        let names = properties.isEmpty ? defaultTargets(model) : properties
        var invTargets: [StateProperty] = []
        var stepTargets: [String] = []
        for n in names {
            if let inv = model.invariants.first(where: { $0.name == n }) {
                if !invTargets.contains(where: { $0.name == n }) { invTargets.append(inv) }
            } else if model.assertNames.contains(n) || model.overflowNames.contains(n) || n == Prover.runtimeErrors {
                if !stepTargets.contains(n) { stepTargets.append(n) }
            } else {
                let why = model.propertyNames.contains(n)
                    ? "'\(n)' is not an invariant, an assert or an overflow bound; the prover handles only those"
                    : "the model has no property named '\(n)'"
                return ProofResult(verdict: .unknown(why), obligations: [], targets: names, lemmas: [], k: options.k,
                                   pathCount: 0, encodingSeconds: 0)
            }
        }
        let lemmas = model.invariants.filter { inv in !invTargets.contains { $0.name == inv.name } }
        let session = ProofSession(model: model, options: options)
        var r = session.run(invTargets: invTargets, stepTargets: stepTargets, lemmas: lemmas, targetNames: names)
        if properties.isEmpty, names == [runtimeErrors], case .proved = r.verdict, session.errorPaths == 0 {
            r.nothingToProve = true
        }
        return r
    }
}
