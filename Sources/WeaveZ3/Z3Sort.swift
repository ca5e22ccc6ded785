import CZ3

/// A Z3 sort (type) owned by a `Z3Context`; holds one Z3 reference for its lifetime.
public final class Z3Sort: Hashable, CustomStringConvertible {
    /// The context this sort belongs to (kept alive by the sort).
    public let context: Z3Context
    let raw: Z3_sort

    init(_ context: Z3Context, _ raw: Z3_sort) {
        self.context = context
        self.raw = raw
        Z3_inc_ref(context.raw, Z3_sort_to_ast(context.raw, raw))
    }

    deinit { Z3_dec_ref(context.raw, Z3_sort_to_ast(context.raw, raw)) }

    /// The sort in SMT-LIB2 syntax, e.g. `Int` or `(_ BitVec 8)`.
    public var description: String { String(cString: Z3_sort_to_string(context.raw, raw)) }

    /// Whether this is the Boolean sort.
    public var isBool: Bool { Z3_get_sort_kind(context.raw, raw) == Z3_BOOL_SORT }

    /// Whether this is the mathematical integer sort.
    public var isInt: Bool { Z3_get_sort_kind(context.raw, raw) == Z3_INT_SORT }

    /// Whether this is an array sort.
    public var isArray: Bool { Z3_get_sort_kind(context.raw, raw) == Z3_ARRAY_SORT }

    /// The width of a bit-vector sort, or nil for any other sort.
    public var bitVectorWidth: Int? {
        guard Z3_get_sort_kind(context.raw, raw) == Z3_BV_SORT else { return nil }
        return Int(Z3_get_bv_sort_size(context.raw, raw))
    }

    /// Sorts are equal when they are the same (hash-consed) sort of the same context.
    public static func == (lhs: Z3Sort, rhs: Z3Sort) -> Bool {
        lhs.context === rhs.context && lhs.raw == rhs.raw
    }

    /// Hashes the sort's identity within its context.
    public func hash(into hasher: inout Hasher) { hasher.combine(raw) }
}

@available(*, unavailable, message: "Z3 objects are bound to their non-thread-safe context")
extension Z3Sort: Sendable {}
