import CZ3

/// The outcome of a satisfiability check.
public enum Z3Result: Equatable, Sendable {
    /// The assertions (and assumptions) have a model.
    case sat
    /// The assertions (and assumptions) have no model.
    case unsat
    /// Z3 gave up; `reason` is Z3's explanation (e.g. "timeout", "canceled", "incomplete quantifiers").
    case unknown(reason: String)
}

/// An incremental Z3 solver bound to a context.
public final class Z3Solver {
    /// The context whose terms this solver accepts (kept alive by the solver).
    public let context: Z3Context
    let raw: Z3_solver

    /// Creates a general-purpose incremental solver over `ctx`.
    public init(_ ctx: Z3Context) {
        context = ctx
        raw = Z3_mk_solver(ctx.raw)
        Z3_solver_inc_ref(ctx.raw, raw)
    }

    deinit { Z3_solver_dec_ref(context.raw, raw) }

    /// Adds a Boolean assertion to the current scope.
    public func assert(_ e: Z3Expr) throws {
        let x = try context.formula(e, "an assertion")
        Z3_solver_assert(context.raw, raw, x)
        try context.check()
    }

    /// Opens a backtracking scope.
    public func push() { Z3_solver_push(context.raw, raw) }

    /// Discards the `n` innermost scopes and their assertions; throws if fewer are open.
    public func pop(_ n: Int = 1) throws {
        guard n >= 0, n <= scopeCount else { throw Z3Error("cannot pop \(n) of \(scopeCount) scopes") }
        Z3_solver_pop(context.raw, raw, UInt32(n))
        try context.check()
    }

    /// The number of open backtracking scopes.
    public var scopeCount: Int { Int(Z3_solver_get_num_scopes(context.raw, raw)) }

    /// Removes all assertions and scopes.
    public func reset() { Z3_solver_reset(context.raw, raw) }

    /// Limits each later `check` to about `milliseconds` of wall time (0 means no limit).
    public func setTimeout(milliseconds: UInt32) {
        let ctx = context.raw
        let params = Z3_mk_params(ctx)
        Z3_params_inc_ref(ctx, params)
        Z3_params_set_uint(ctx, params, Z3_mk_string_symbol(ctx, "timeout"), milliseconds == 0 ? .max : milliseconds)
        Z3_solver_set_params(ctx, raw, params)
        Z3_params_dec_ref(ctx, params)
    }

    /// Checks the assertions together with the Boolean `assumptions` (which are not kept).
    public func check(assumptions: [Z3Expr] = []) throws -> Z3Result {
        let xs: [Z3_ast?] = try assumptions.map { try context.formula($0, "an assumption") }
        let r = xs.isEmpty ? Z3_solver_check(context.raw, raw)
                           : Z3_solver_check_assumptions(context.raw, raw, UInt32(xs.count), xs)
        try context.check()
        if r == Z3_L_TRUE { return .sat }
        if r == Z3_L_FALSE { return .unsat }
        return .unknown(reason: String(cString: Z3_solver_get_reason_unknown(context.raw, raw)))
    }

    /// The model found by the last `check`; throws unless it returned `.sat` (or `.unknown` with a partial model).
    public func model() throws -> Z3Model {
        let m = Z3_solver_get_model(context.raw, raw)
        try context.check()
        guard let m else { throw Z3Error("no model available") }
        return Z3Model(context, m)
    }

    /// The assertions as an SMT-LIB2 script with declarations; append "(check-sat)" to replay it with z3.
    public func toSMTLIB2() -> String { String(cString: Z3_solver_to_string(context.raw, raw)) }
}

@available(*, unavailable, message: "Z3 objects are bound to their non-thread-safe context")
extension Z3Solver: Sendable {}
