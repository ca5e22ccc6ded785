import CZ3

/// A Z3 term (formula or value) owned by a `Z3Context`; holds one Z3 reference for its lifetime.
///
/// Terms are hash-consed by Z3, so `==` is structural equality of the built terms.
public final class Z3Expr: Hashable, CustomStringConvertible {
    /// The context this term belongs to (kept alive by the term).
    public let context: Z3Context
    let raw: Z3_ast

    init(_ context: Z3Context, _ raw: Z3_ast) {
        self.context = context
        self.raw = raw
        Z3_inc_ref(context.raw, raw)
    }

    deinit { Z3_dec_ref(context.raw, raw) }

    /// The term in SMT-LIB2-like syntax (`Z3_ast_to_string`, copied at once).
    public var description: String { String(cString: Z3_ast_to_string(context.raw, raw)) }

    /// The sort of this term.
    public var sort: Z3Sort { Z3Sort(context, Z3_get_sort(context.raw, raw)) }

    /// True if the term is literally `true` (use `simplify` first to decide more terms).
    public var isTrue: Bool { boolValue == true }

    /// True if the term is literally `false` (use `simplify` first to decide more terms).
    public var isFalse: Bool { boolValue == false }

    /// The value of a literal `true`/`false` term, or nil for any other term.
    public var boolValue: Bool? {
        let v = Z3_get_bool_value(context.raw, raw)
        return v == Z3_L_TRUE ? true : v == Z3_L_FALSE ? false : nil
    }

    /// The value of an integer numeral that fits in `Int64`, or nil for any other term.
    public var intValue: Int64? {
        guard Z3_is_numeral_ast(context.raw, raw), sort.isInt else { return nil }
        var v: Int64 = 0
        return Z3_get_numeral_int64(context.raw, raw, &v) ? v : nil
    }

    /// The (unsigned) value of a bit-vector numeral of width <= 64, or nil for any other term.
    public var bitVectorValue: UInt64? {
        guard Z3_is_numeral_ast(context.raw, raw), sort.bitVectorWidth != nil else { return nil }
        var v: UInt64 = 0
        return Z3_get_numeral_uint64(context.raw, raw, &v) ? v : nil
    }

    /// Terms are equal when they are the same hash-consed term of the same context.
    public static func == (lhs: Z3Expr, rhs: Z3Expr) -> Bool {
        lhs.context === rhs.context && lhs.raw == rhs.raw
    }

    /// Hashes the term's identity within its context.
    public func hash(into hasher: inout Hasher) { hasher.combine(raw) }
}

@available(*, unavailable, message: "Z3 objects are bound to their non-thread-safe context")
extension Z3Expr: Sendable {}
