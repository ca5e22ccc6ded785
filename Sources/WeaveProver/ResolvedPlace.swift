import WeaveZ3

/// A place resolved against a state: the slot it starts at, as alternatives guarded
/// by conditions (one alternative with condition `true` for a static place), and the
/// condition under which resolving it is a run-time error (index out of range).
struct ResolvedPlace {
    var alternatives: [(cond: Z3Expr, base: Int)]
    var error: Z3Expr
}
