import WeaveZ3

/// What an expression is evaluated against: the (symbolic) slots of a state, the
/// process instance executing (for `self` and its own locals), and the values of
/// bound registers (always concrete: quantifiers and `choose` are expanded).
struct EvalEnv {
    var slots: [Z3Expr]
    /// (process template index, instance ordinal) of the executing process, nil in properties.
    var me: (process: Int, k: Int)?
    var regs: [Int: Int64] = [:]
    /// For slots whose term is not the pre-state constant: the pre-state slots it depends on.
    var deps: [Int: Set<Int>] = [:]
}
