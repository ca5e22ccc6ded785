import CZ3

/// A satisfying assignment returned by `Z3Solver.model()`.
public final class Z3Model: CustomStringConvertible {
    /// The context the model's terms belong to (kept alive by the model).
    public let context: Z3Context
    let raw: Z3_model

    init(_ context: Z3Context, _ raw: Z3_model) {
        self.context = context
        self.raw = raw
        Z3_model_inc_ref(context.raw, raw)
    }

    deinit { Z3_model_dec_ref(context.raw, raw) }

    /// The model's interpretations, in Z3's textual format.
    public var description: String { String(cString: Z3_model_to_string(context.raw, raw)) }

    /// The value of `e` in the model; with `completion`, unconstrained constants get default values.
    public func eval(_ e: Z3Expr, completion: Bool = true) throws -> Z3Expr {
        let x = try context.mine(e)
        var out: Z3_ast?
        let ok = Z3_model_eval(context.raw, raw, x, completion, &out)
        try context.check()
        guard ok, let out else { throw Z3Error("cannot evaluate \(e) in the model") }
        return Z3Expr(context, out)
    }

    /// The integer value of `e` (model completion on), or nil if it is not an `Int64` numeral.
    public func evalInt(_ e: Z3Expr) throws -> Int64? { try eval(e).intValue }

    /// The truth value of `e` (model completion on), or nil if it does not evaluate to true/false.
    public func evalBool(_ e: Z3Expr) throws -> Bool? { try eval(e).boolValue }

    /// The unsigned value of bit vector `e` (model completion on), or nil if it is not a numeral of width <= 64.
    public func evalBitVector(_ e: Z3Expr) throws -> UInt64? { try eval(e).bitVectorValue }
}

@available(*, unavailable, message: "Z3 objects are bound to their non-thread-safe context")
extension Z3Model: Sendable {}
