/// The meaning of operators on values, shared by constant folding, the explorer
/// and tests (the Z3 encoder must agree with it).
public enum Semantics {
    /// The value of `x op y`, or nil for a run-time error (overflow, division by zero).
    /// For set operators, values are bitmasks; for `member`, `x` is a scalar and
    /// `elementLowerBound` maps it to its bit.
    @inlinable
    public static func binary(_ op: BinaryOp, _ x: Int64, _ y: Int64, elementLowerBound: Int64 = 0) -> Int64? {
        switch op {
        case .add: let (v, o) = x.addingReportingOverflow(y); return o ? nil : v
        case .sub: let (v, o) = x.subtractingReportingOverflow(y); return o ? nil : v
        case .mul: let (v, o) = x.multipliedReportingOverflow(by: y); return o ? nil : v
        case .div: return y == 0 || (x == .min && y == -1) ? nil : euclidDiv(x, y)
        case .mod: return y == 0 || (x == .min && y == -1) ? nil : euclidMod(x, y)
        case .eq: return x == y ? 1 : 0
        case .ne: return x != y ? 1 : 0
        case .lt: return x < y ? 1 : 0
        case .le: return x <= y ? 1 : 0
        case .gt: return x > y ? 1 : 0
        case .ge: return x >= y ? 1 : 0
        case .and: return (x != 0 && y != 0) ? 1 : 0
        case .or: return (x != 0 || y != 0) ? 1 : 0
        case .implies: return (x == 0 || y != 0) ? 1 : 0
        case .union: return x | y
        case .intersect: return x & y
        case .difference: return x & ~y
        case .subset: return (x & ~y) == 0 ? 1 : 0
        case .member:
            let k = x &- elementLowerBound
            return k >= 0 && k < 64 ? Int64((UInt64(bitPattern: y) >> UInt64(k)) & 1) : 0
        }
    }

    /// Euclidean remainder: `0 <= r < |y|` (SMT-LIB's `mod`, so Z3 agrees).
    @inlinable
    public static func euclidMod(_ x: Int64, _ y: Int64) -> Int64 {
        let r = x % y
        return r < 0 ? (y < 0 ? r &- y : r &+ y) : r
    }

    /// Euclidean division: `x == q * y + euclidMod(x, y)` (SMT-LIB's `div`).
    @inlinable
    public static func euclidDiv(_ x: Int64, _ y: Int64) -> Int64 {
        (x &- euclidMod(x, y)) / y
    }
}
