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
        ProofTargets<StateProperty>.defaults(invariants: model.invariants.map(\.name),
                                            steps: model.assertNames + model.overflowNames)
    }

    /// `properties` empty: `defaultTargets`. If the model then has no property of its own
    /// and no step path that can hit a run-time error, the result is `nothingToProve`
    /// (its verdict `proved` is vacuous: callers must not report it as a proof).
    public static func prove(_ model: Model, properties: [String], options: ProverOptions = ProverOptions()) -> ProofResult {
        let names = properties.isEmpty ? defaultTargets(model) : properties
        let targets: ProofTargets<StateProperty>
        do {
            targets = try ProofTargets(names, invariants: model.invariants, name: \.name,
                                       steps: model.assertNames + model.overflowNames, properties: model.propertyNames)
        } catch {
            return ProofResult(verdict: .unknown(error.reason), obligations: [], targets: names, lemmas: [], k: options.k,
                               pathCount: 0, encodingSeconds: 0, model: model)
        }
        let session = ProofSession(model: model, options: options)
        var r = session.run(invTargets: targets.invariants, stepTargets: targets.steps, lemmas: targets.lemmas, targetNames: names)
        if properties.isEmpty, names == [runtimeErrors], case .proved = r.verdict, session.errorPaths == 0 {
            r.nothingToProve = true
        }
        return r
    }
}

/// The requested property names sorted into invariant targets (the rest of the
/// model's invariants are lemmas) and step targets (asserts, overflow bounds,
/// `runtime error`), for the per-size and the every-N prover alike.
struct ProofTargets<Property> {
    /// A name the prover cannot prove, and why.
    struct Unprovable: Error {
        let reason: String
    }

    private(set) var invariants: [Property] = []
    private(set) var steps: [String] = []
    let lemmas: [Property]

    /// Every invariant, assert and overflow bound, and `runtime error`.
    static func defaults(invariants: [String], steps: [String]) -> [String] {
        invariants + steps + [Prover.runtimeErrors]
    }

    /// `all`: the model's invariants; `stepNames`: its asserts and overflow bounds;
    /// `properties`: the names of all its properties.
    init(_ names: [String], invariants all: [Property], name: (Property) -> String, steps stepNames: [String],
         properties: [String]) throws(Unprovable) {
        for n in names {
            if let inv = all.first(where: { name($0) == n }) {
                if !invariants.contains(where: { name($0) == n }) { invariants.append(inv) }
            } else if stepNames.contains(n) || n == Prover.runtimeErrors {
                if !steps.contains(n) { steps.append(n) }
            } else {
                throw Unprovable(reason: properties.contains(n)
                    ? "'\(n)' is not an invariant, an assert or an overflow bound; the prover handles only those"
                    : "the model has no property named '\(n)'")
            }
        }
        let chosen = invariants
        lemmas = all.filter { inv in !chosen.contains { name($0) == name(inv) } }
    }
}
