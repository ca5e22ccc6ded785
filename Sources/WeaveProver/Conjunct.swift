import WeaveIR

/// One part of a state predicate split at `&&` and `forall x: T`: an expression
/// and the values of the quantified variables it is under.
struct Conjunct {
    let expr: WeaveIR.Expr
    let regs: [Int: Int64]
}
