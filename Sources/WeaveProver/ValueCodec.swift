import WeaveIR
import WeaveZ3

/// How values of a scalar or set type are represented in Z3, and back.
///
/// - `bool`: a Z3 Bool (the explorer's 0/1).
/// - ranges and enums: a Z3 Int (enum ordinals).
/// - `set<T>`: a bit vector of width `max(1, |T|)`; bit k is the element of ordinal k,
///   exactly the explorer's bitmask (which never has bits at or above `|T|`).
enum ValueCodec {
    /// The bit-vector width of a set over `element`.
    static func setWidth(_ element: IRType) -> Int { max(1, Int(min(64, element.cardinality))) }

    static func sort(_ t: IRType, _ terms: Terms) throws -> Z3Sort {
        switch t {
        case .bool: return terms.ctx.boolSort
        case .set(let e): return try terms.bvSort(setWidth(e))
        default: return terms.ctx.intSort
        }
    }

    /// The Z3 literal of a value of type `t` (slot encoding).
    static func literal(_ v: Int64, _ t: IRType, _ terms: Terms) throws -> Z3Expr {
        switch t {
        case .bool: return terms.bool(v != 0)
        case .set(let e): return try terms.bits(UInt64(bitPattern: v), setWidth(e))
        default: return terms.int(v)
        }
    }

    /// A value from a Z3 model (evaluated with completion) in the explorer's slot form.
    static func decode(_ z: Z3Expr) -> Int64? {
        if let b = z.boolValue { return b ? 1 : 0 }
        if let i = z.intValue { return i }
        if let u = z.bitVectorValue { return Int64(bitPattern: u) }
        return nil
    }

    /// The constraint that `x` is a value of slot type `t`.
    static func typeConstraint(_ x: Z3Expr, _ t: IRType, _ terms: Terms) throws -> Z3Expr {
        switch t {
        case .bool: return terms.t
        case .set(let e):
            if e.cardinality == 0 { return try terms.eq(x, terms.bits(0, 1)) }
            return terms.t
        default: return try terms.within(x, t.lowerBound, t.upperBound)
        }
    }

    /// Whether `v` can be stored in a slot of type `t` (the explorer's `store` check).
    static func fits(_ v: Int64, _ t: IRType) -> Bool {
        switch t {
        case .set(let e):
            if e.cardinality >= 64 { return true }
            return UInt64(bitPattern: v) < (UInt64(1) << UInt64(e.cardinality))
        default: return t.contains(v)
        }
    }

    /// The slot types of a value of type `t`, flattened (queues: length, then elements).
    static func flatten(_ t: IRType) -> [IRType] {
        switch t {
        case .bool, .range, .enumeration, .set: return [t]
        case .array(let i, let e):
            let one = flatten(e)
            return Array([[IRType]](repeating: one, count: Int(i.cardinality)).joined())
        case .queue(let e, let c, _):
            return [.range(lo: 0, hi: Int64(c))] + [IRType](repeating: e, count: c)
        }
    }
}
