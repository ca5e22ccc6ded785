import WeaveIR
import WeaveZ3

/// One path through one atomic step of one process instance, symbolically executed
/// from a pre-state: the condition under which the step takes this path (including
/// that the instance is at the step's label), the post-state (or the state at the
/// failure, as the explorer reports it), and how it ends.
struct StepPath {
    let step: TraceStep
    let condition: Z3Expr
    /// Post-state terms of the slots the path changes (the rest keep their pre-state value).
    let writes: [Int: Z3Expr]
    let outcome: StepOutcome
    /// Pre-state slots the condition depends on.
    let conditionDeps: Set<Int>
    /// For each written slot, the pre-state slots its post-state term depends on.
    let writeDeps: [Int: Set<Int>]

    /// The full post-state over `pre`.
    func post(_ pre: [Z3Expr]) -> [Z3Expr] {
        var s = pre
        for (i, v) in writes { s[i] = v }
        return s
    }
}
