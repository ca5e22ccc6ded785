import CZ3

/// A reference-counted Z3 context that builds sorts and terms; not thread-safe, so use one per thread.
///
/// Every builder that can fail checks Z3's error code and throws `Z3Error` instead of letting
/// Z3's default handler terminate the process.
public final class Z3Context {
    let raw: Z3_context

    /// Creates a context with model generation on, per-term reference counting and Z3's
    /// process-exiting error handler disabled.
    public init() {
        let cfg = Z3_mk_config()
        Z3_set_param_value(cfg, "model", "true")
        raw = Z3_mk_context_rc(cfg)
        Z3_del_config(cfg)
        Z3_set_error_handler(raw, nil)
    }

    deinit { Z3_del_context(raw) }

    /// The linked Z3 library's version as "major.minor.build", e.g. "4.8.12".
    public static func version() -> String {
        var major: UInt32 = 0, minor: UInt32 = 0, build: UInt32 = 0, revision: UInt32 = 0
        Z3_get_version(&major, &minor, &build, &revision)
        return "\(major).\(minor).\(build)"
    }

    /// Z3's estimate of the bytes it currently has allocated (process-wide, all contexts).
    public var estimatedAllocatedBytes: UInt64 { Z3_get_estimated_alloc_size() }

    // MARK: - Plumbing

    /// Throws the pending Z3 error, if the last call on this context failed.
    func check() throws {
        let code = Z3_get_error_code(raw)
        guard code != Z3_OK else { return }
        var message = Substring(String(cString: Z3_get_error_msg(raw, code)))
        while message.last?.isWhitespace == true { message.removeLast() }
        throw Z3Error(String(message))
    }

    /// Runs a term-building C call, then turns an error or a null result into `Z3Error`.
    func expr(_ make: () -> Z3_ast?) throws -> Z3Expr {
        let ast = make()
        try check()
        guard let ast else { throw Z3Error("Z3 returned no term") }
        return Z3Expr(self, ast)
    }

    /// Runs a sort-building C call, then turns an error or a null result into `Z3Error`.
    func sort(_ make: () -> Z3_sort?) throws -> Z3Sort {
        let s = make()
        try check()
        guard let s else { throw Z3Error("Z3 returned no sort") }
        return Z3Sort(self, s)
    }

    /// The raw handle of a term, after checking it belongs to this context.
    func mine(_ e: Z3Expr) throws -> Z3_ast {
        guard e.context === self else { throw Z3Error("term \(e) belongs to another context") }
        return e.raw
    }

    /// The raw handle of a sort, after checking it belongs to this context.
    func mine(_ s: Z3Sort) throws -> Z3_sort {
        guard s.context === self else { throw Z3Error("sort \(s) belongs to another context") }
        return s.raw
    }

    /// The raw handles of terms, after checking they all belong to this context.
    func mine(_ es: [Z3Expr]) throws -> [Z3_ast?] { try es.map { try mine($0) } }

    /// The raw handle of a Boolean term of this context (Z3's own message here is just "type error").
    func formula(_ e: Z3Expr, _ role: String) throws -> Z3_ast {
        let x = try mine(e)
        guard e.sort.isBool else { throw Z3Error("\(role) must be Bool, got \(e) : \(e.sort)") }
        return x
    }

    private func unary(_ a: Z3Expr, _ f: (Z3_context, Z3_ast) -> Z3_ast?) throws -> Z3Expr {
        let x = try mine(a)
        return try expr { f(raw, x) }
    }

    private func binary(_ a: Z3Expr, _ b: Z3Expr,
                        _ f: (Z3_context, Z3_ast, Z3_ast) -> Z3_ast?) throws -> Z3Expr {
        let (x, y) = (try mine(a), try mine(b))
        return try expr { f(raw, x, y) }
    }

    private func nary(_ es: [Z3Expr],
                      _ f: (Z3_context, UInt32, UnsafePointer<Z3_ast?>) -> Z3_ast?) throws -> Z3Expr {
        let xs = try mine(es)
        return try expr { f(raw, UInt32(xs.count), xs) }
    }

    private static func uint32(_ n: Int, _ what: String, min: Int = 0) throws -> UInt32 {
        guard n >= min, let v = UInt32(exactly: n) else { throw Z3Error("invalid \(what): \(n)") }
        return v
    }

    // MARK: - Sorts

    /// The Boolean sort.
    public var boolSort: Z3Sort { Z3Sort(self, Z3_mk_bool_sort(raw)) }

    /// The sort of mathematical (unbounded) integers.
    public var intSort: Z3Sort { Z3Sort(self, Z3_mk_int_sort(raw)) }

    /// The sort of bit vectors of the given width (at least 1).
    public func bitVectorSort(_ width: Int) throws -> Z3Sort {
        let w = try Self.uint32(width, "bit-vector width", min: 1)
        return try sort { Z3_mk_bv_sort(raw, w) }
    }

    /// The sort of arrays (total maps) from `domain` to `range`.
    public func arraySort(domain: Z3Sort, range: Z3Sort) throws -> Z3Sort {
        let (d, r) = (try mine(domain), try mine(range))
        return try sort { Z3_mk_array_sort(raw, d, r) }
    }

    // MARK: - Constants and literals

    /// An uninterpreted constant (free variable) with the given name and sort.
    public func constant(_ name: String, _ sort: Z3Sort) throws -> Z3Expr {
        let s = try mine(sort)
        return try expr { Z3_mk_const(raw, Z3_mk_string_symbol(raw, name), s) }
    }

    /// The Boolean literal `true` or `false`.
    public func bool(_ v: Bool) -> Z3Expr { Z3Expr(self, v ? Z3_mk_true(raw) : Z3_mk_false(raw)) }

    /// An integer literal.
    public func int(_ v: Int64) -> Z3Expr {
        Z3Expr(self, Z3_mk_int64(raw, v, Z3_mk_int_sort(raw)))
    }

    /// A bit-vector literal of the given width (the value is taken modulo 2^width).
    public func bitVector(_ v: UInt64, width: Int) throws -> Z3Expr {
        let s = try bitVectorSort(width)
        return try withExtendedLifetime(s) { try expr { Z3_mk_unsigned_int64(raw, v, s.raw) } }
    }

    // MARK: - Boolean

    /// Conjunction; `true` when `es` is empty.
    public func and(_ es: [Z3Expr]) throws -> Z3Expr {
        es.isEmpty ? bool(true) : try nary(es, Z3_mk_and)
    }

    /// Disjunction; `false` when `es` is empty.
    public func or(_ es: [Z3Expr]) throws -> Z3Expr {
        es.isEmpty ? bool(false) : try nary(es, Z3_mk_or)
    }

    /// Boolean negation.
    public func not(_ a: Z3Expr) throws -> Z3Expr { try unary(a, Z3_mk_not) }

    /// Implication `a => b`.
    public func implies(_ a: Z3Expr, _ b: Z3Expr) throws -> Z3Expr { try binary(a, b, Z3_mk_implies) }

    /// Boolean equivalence `a <=> b`.
    public func iff(_ a: Z3Expr, _ b: Z3Expr) throws -> Z3Expr { try binary(a, b, Z3_mk_iff) }

    /// If-then-else over any sort: `c ? t : e`.
    public func ite(_ c: Z3Expr, _ t: Z3Expr, _ e: Z3Expr) throws -> Z3Expr {
        let (x, y, z) = (try mine(c), try mine(t), try mine(e))
        return try expr { Z3_mk_ite(raw, x, y, z) }
    }

    /// Equality of two terms of the same sort.
    public func eq(_ a: Z3Expr, _ b: Z3Expr) throws -> Z3Expr { try binary(a, b, Z3_mk_eq) }

    /// Pairwise distinctness; `true` for fewer than two terms.
    public func distinct(_ es: [Z3Expr]) throws -> Z3Expr {
        es.count < 2 ? bool(true) : try nary(es, Z3_mk_distinct)
    }

    // MARK: - Integer arithmetic

    /// Sum; `0` when `es` is empty.
    public func add(_ es: [Z3Expr]) throws -> Z3Expr { es.isEmpty ? int(0) : try nary(es, Z3_mk_add) }

    /// Difference `a - b`.
    public func sub(_ a: Z3Expr, _ b: Z3Expr) throws -> Z3Expr {
        let xs = try mine([a, b])
        return try expr { Z3_mk_sub(raw, 2, xs) }
    }

    /// Product; `1` when `es` is empty.
    public func mul(_ es: [Z3Expr]) throws -> Z3Expr { es.isEmpty ? int(1) : try nary(es, Z3_mk_mul) }

    /// Integer division (SMT-LIB `div`, so the remainder is non-negative; `x div 0` is unspecified).
    public func div(_ a: Z3Expr, _ b: Z3Expr) throws -> Z3Expr { try binary(a, b, Z3_mk_div) }

    /// Integer modulus (SMT-LIB `mod`, always non-negative for a non-zero divisor).
    public func mod(_ a: Z3Expr, _ b: Z3Expr) throws -> Z3Expr { try binary(a, b, Z3_mk_mod) }

    /// Arithmetic negation `-a`.
    public func neg(_ a: Z3Expr) throws -> Z3Expr { try unary(a, Z3_mk_unary_minus) }

    /// `a < b`.
    public func lt(_ a: Z3Expr, _ b: Z3Expr) throws -> Z3Expr { try binary(a, b, Z3_mk_lt) }

    /// `a <= b`.
    public func le(_ a: Z3Expr, _ b: Z3Expr) throws -> Z3Expr { try binary(a, b, Z3_mk_le) }

    /// `a > b`.
    public func gt(_ a: Z3Expr, _ b: Z3Expr) throws -> Z3Expr { try binary(a, b, Z3_mk_gt) }

    /// `a >= b`.
    public func ge(_ a: Z3Expr, _ b: Z3Expr) throws -> Z3Expr { try binary(a, b, Z3_mk_ge) }

    // MARK: - Bit vectors

    /// Bitwise and (set intersection).
    public func bvAnd(_ a: Z3Expr, _ b: Z3Expr) throws -> Z3Expr { try binary(a, b, Z3_mk_bvand) }

    /// Bitwise or (set union).
    public func bvOr(_ a: Z3Expr, _ b: Z3Expr) throws -> Z3Expr { try binary(a, b, Z3_mk_bvor) }

    /// Bitwise exclusive or (symmetric difference).
    public func bvXor(_ a: Z3Expr, _ b: Z3Expr) throws -> Z3Expr { try binary(a, b, Z3_mk_bvxor) }

    /// Bitwise complement (set complement).
    public func bvNot(_ a: Z3Expr) throws -> Z3Expr { try unary(a, Z3_mk_bvnot) }

    /// Shift left by `b` bits (zero fill; shifting by >= width gives 0).
    public func bvShl(_ a: Z3Expr, _ b: Z3Expr) throws -> Z3Expr { try binary(a, b, Z3_mk_bvshl) }

    /// Logical shift right by `b` bits (zero fill; shifting by >= width gives 0).
    public func bvLshr(_ a: Z3Expr, _ b: Z3Expr) throws -> Z3Expr { try binary(a, b, Z3_mk_bvlshr) }

    /// Modular addition.
    public func bvAdd(_ a: Z3Expr, _ b: Z3Expr) throws -> Z3Expr { try binary(a, b, Z3_mk_bvadd) }

    /// Modular subtraction.
    public func bvSub(_ a: Z3Expr, _ b: Z3Expr) throws -> Z3Expr { try binary(a, b, Z3_mk_bvsub) }

    /// Unsigned `a <= b` (for sets used as masks: not subset; use `bvAnd` for that).
    public func bvULe(_ a: Z3Expr, _ b: Z3Expr) throws -> Z3Expr { try binary(a, b, Z3_mk_bvule) }

    /// Unsigned `a < b`.
    public func bvULt(_ a: Z3Expr, _ b: Z3Expr) throws -> Z3Expr { try binary(a, b, Z3_mk_bvult) }

    /// Bits `hi` down to `lo` (inclusive) of `e`, a bit vector of width `hi - lo + 1`.
    public func bvExtract(_ hi: Int, _ lo: Int, _ e: Z3Expr) throws -> Z3Expr {
        let (h, l) = (try Self.uint32(hi, "extract high bit"), try Self.uint32(lo, "extract low bit"))
        return try unary(e) { Z3_mk_extract($0, h, l, $1) }
    }

    /// `e` widened by `extra` leading zero bits.
    public func bvZeroExtend(_ extra: Int, _ e: Z3Expr) throws -> Z3Expr {
        let n = try Self.uint32(extra, "zero-extension width")
        return try unary(e) { Z3_mk_zero_ext($0, n, $1) }
    }

    /// The number of set bits of `e` (set cardinality), as a bit vector of the same width.
    public func bvPopcount(_ e: Z3Expr) throws -> Z3Expr {
        guard let w = e.sort.bitVectorWidth else { throw Z3Error("popcount of non-bit-vector \(e)") }
        var sum = try bvExtract(0, 0, e)
        if w > 1 { sum = try bvZeroExtend(w - 1, sum) }
        for i in stride(from: 1, to: w, by: 1) {
            sum = try bvAdd(sum, bvZeroExtend(w - 1, bvExtract(i, i, e)))
        }
        return sum
    }

    // MARK: - Arrays

    /// The element of array `a` at index `i`.
    public func select(_ a: Z3Expr, _ i: Z3Expr) throws -> Z3Expr { try binary(a, i, Z3_mk_select) }

    /// Array `a` with index `i` updated to `v`.
    public func store(_ a: Z3Expr, _ i: Z3Expr, _ v: Z3Expr) throws -> Z3Expr {
        let (x, y, z) = (try mine(a), try mine(i), try mine(v))
        return try expr { Z3_mk_store(raw, x, y, z) }
    }

    /// The array over `domain` that maps every index to `value`.
    public func constArray(domain: Z3Sort, value: Z3Expr) throws -> Z3Expr {
        let (d, v) = (try mine(domain), try mine(value))
        return try expr { Z3_mk_const_array(raw, d, v) }
    }

    // MARK: - Quantifiers

    /// `forall bound. body`, where `bound` are constants made with `constant(_:_:)`.
    public func forall(_ bound: [Z3Expr], _ body: Z3Expr) throws -> Z3Expr {
        try quantifier(bound, body, Z3_mk_forall_const)
    }

    /// `exists bound. body`, where `bound` are constants made with `constant(_:_:)`.
    public func exists(_ bound: [Z3Expr], _ body: Z3Expr) throws -> Z3Expr {
        try quantifier(bound, body, Z3_mk_exists_const)
    }

    private func quantifier(
        _ bound: [Z3Expr], _ body: Z3Expr,
        _ f: (Z3_context, UInt32, UInt32, UnsafePointer<Z3_app?>, UInt32, UnsafePointer<Z3_pattern?>?, Z3_ast)
            -> Z3_ast?
    ) throws -> Z3Expr {
        let b = try formula(body, "quantifier body")
        guard !bound.isEmpty else { return body }
        let apps: [Z3_app?] = try bound.map { e in
            let a = try mine(e)
            guard Z3_is_app(raw, a), case let app = Z3_to_app(raw, a), Z3_get_app_num_args(raw, app) == 0,
                  Z3_get_decl_kind(raw, Z3_get_app_decl(raw, app)) == Z3_OP_UNINTERPRETED
            else { throw Z3Error("quantifier bound \(e) is not an uninterpreted constant") }
            return app
        }
        return try expr { f(raw, 0, UInt32(apps.count), apps, 0, nil, b) }
    }

    // MARK: - Rewriting

    /// `e` with every occurrence of `from[i]` replaced by `to[i]` (e.g. priming state variables).
    public func substitute(_ e: Z3Expr, from: [Z3Expr], to: [Z3Expr]) throws -> Z3Expr {
        guard from.count == to.count else {
            throw Z3Error("substitute: \(from.count) sources but \(to.count) replacements")
        }
        let x = try mine(e)
        let (f, t) = (try mine(from), try mine(to))
        for (a, b) in zip(from, to) where a.sort != b.sort {
            throw Z3Error("substitute: cannot replace \(a) : \(a.sort) by \(b) : \(b.sort)")
        }
        return try expr { Z3_substitute(raw, x, UInt32(f.count), f, t) }
    }

    /// `e` rewritten by Z3's simplifier (constant folding, normalisation).
    public func simplify(_ e: Z3Expr) throws -> Z3Expr { try unary(e, Z3_simplify) }

    /// The assertions of an SMT-LIB2 script (declarations included), e.g. to replay `toSMTLIB2()`.
    public func parseSMTLIB2(_ text: String) throws -> [Z3Expr] {
        let vec = Z3_parse_smtlib2_string(raw, text, 0, nil, nil, 0, nil, nil)
        try check()
        guard let vec else { throw Z3Error("Z3 returned no assertions") }
        Z3_ast_vector_inc_ref(raw, vec)
        defer { Z3_ast_vector_dec_ref(raw, vec) }
        return (0..<Z3_ast_vector_size(raw, vec)).map { Z3Expr(self, Z3_ast_vector_get(raw, vec, $0)) }
    }
}

@available(*, unavailable, message: "a Z3 context is not thread-safe; create one per thread")
extension Z3Context: Sendable {}
