import CZ3
import Foundation

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

    private var timeoutMilliseconds: UInt32 = 0

    /// Limits each later `check` to about `milliseconds` of wall time (0 means no limit).
    ///
    /// Implemented with a watchdog thread that calls `Z3_interrupt`, not with Z3's
    /// `timeout` parameter: in Z3 4.8.10-4.8.12 (Debian's libz3) a `scoped_timer`
    /// that fires can deadlock the next solver call (Z3Prover/z3#5371).
    public func setTimeout(milliseconds: UInt32) {
        timeoutMilliseconds = milliseconds
    }

    /// Checks the assertions together with the Boolean `assumptions` (which are not kept).
    /// A check stopped by the timeout returns `.unknown(reason: "timeout")`.
    public func check(assumptions: [Z3Expr] = []) throws -> Z3Result {
        let xs: [Z3_ast?] = try assumptions.map { try context.formula($0, "an assumption") }
        let watchdog = timeoutMilliseconds > 0 ? Watchdog(context: context.raw, milliseconds: timeoutMilliseconds) : nil
        let r = xs.isEmpty ? Z3_solver_check(context.raw, raw)
                           : Z3_solver_check_assumptions(context.raw, raw, UInt32(xs.count), xs)
        let fired = watchdog?.finish() ?? false
        try context.check()
        if r == Z3_L_TRUE { return .sat }
        if r == Z3_L_FALSE { return .unsat }
        if fired { return .unknown(reason: "timeout") }
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

/// Interrupts one solver check after a delay, from its own thread. `Z3_interrupt`
/// is the one Z3 call that may come from another thread; the lock makes sure it
/// never runs after the check has returned.
///
/// An interrupt that arrives before Z3 has started the check is lost (the check
/// clears the flag when it starts), which a loaded machine makes likely for short
/// timeouts; so once the deadline has passed the watchdog interrupts again every
/// 10 ms until the check returns.
private final class Watchdog: @unchecked Sendable {
    private let lock = NSCondition()
    private var done = false
    private var fired = false
    private let context: Z3_context

    init(context: Z3_context, milliseconds: UInt32) {
        self.context = context
        let deadline = Date().addingTimeInterval(Double(milliseconds) / 1000)
        let t = Thread { [self] in
            lock.lock()
            var next = deadline
            while !done {
                if !lock.wait(until: next), !done {
                    Z3_interrupt(self.context)
                    fired = true
                    // An interrupt that lands before Z3_solver_check has begun is lost (the
                    // check clears it), and the check then runs unbounded: under load a 1 ms
                    // timeout hung WeaveZ3Tests for half an hour. Repeat until the check returns.
                    next = Date().addingTimeInterval(0.05)
                }
            }
            lock.unlock()
        }
        t.start()
    }

    /// Ends the watch; true if the interrupt fired.
    func finish() -> Bool {
        lock.lock()
        done = true
        lock.broadcast()
        let f = fired
        lock.unlock()
        return f
    }
}

extension Z3Solver {
    /// Sets a Boolean solver parameter, e.g. `smt.pull_nested_quantifiers` (the symbolic
    /// prover's quantified queries need it); names as `z3 -p` lists them.
    public func setParameter(_ name: String, _ value: Bool) throws {
        let p = Z3_mk_params(context.raw)
        try context.check()
        guard let p else { throw Z3Error("Z3 returned no parameter set") }
        Z3_params_inc_ref(context.raw, p)
        defer { Z3_params_dec_ref(context.raw, p) }
        Z3_params_set_bool(context.raw, p, Z3_mk_string_symbol(context.raw, name), value)
        Z3_solver_set_params(context.raw, raw, p)
        try context.check()
    }
}
