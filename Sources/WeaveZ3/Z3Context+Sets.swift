import CZ3

/// Sets as arrays to Bool (Z3's set theory), for the symbolic prover's sets over
/// types whose size is a symbolic N.
extension Z3Context {
    /// `a ∪ b` of two arrays `T -> Bool`.
    public func setUnion(_ a: Z3Expr, _ b: Z3Expr) throws -> Z3Expr {
        let xs = try mine([a, b])
        return try expr { Z3_mk_set_union(raw, 2, xs) }
    }

    /// `a ∩ b` of two arrays `T -> Bool`.
    public func setIntersect(_ a: Z3Expr, _ b: Z3Expr) throws -> Z3Expr {
        let xs = try mine([a, b])
        return try expr { Z3_mk_set_intersect(raw, 2, xs) }
    }

    /// `a ∖ b` of two arrays `T -> Bool`.
    public func setDifference(_ a: Z3Expr, _ b: Z3Expr) throws -> Z3Expr {
        let (x, y) = (try mine(a), try mine(b))
        return try expr { Z3_mk_set_difference(raw, x, y) }
    }

    /// `a ⊆ b` of two arrays `T -> Bool`.
    public func setSubset(_ a: Z3Expr, _ b: Z3Expr) throws -> Z3Expr {
        let (x, y) = (try mine(a), try mine(b))
        return try expr { Z3_mk_set_subset(raw, x, y) }
    }
}
