import WeaveZ3

/// A symbolic value: its Z3 term, the condition under which computing it is a
/// run-time error (the explorer's `failed`), and bounds on an integer value.
///
/// When `error` holds, `value` is meaningless. `lo ... hi` are sound bounds for an
/// Int-sorted value whenever `error` does not hold (every slot read is within its
/// type, because every store is range-checked).
struct Encoded {
    var value: Z3Expr
    var error: Z3Expr
    var lo: Int64
    var hi: Int64

    init(_ value: Z3Expr, error: Z3Expr, lo: Int64 = .min, hi: Int64 = .max) {
        self.value = value; self.error = error; self.lo = lo; self.hi = hi
    }
}
