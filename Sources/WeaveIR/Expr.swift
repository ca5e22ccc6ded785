import WeaveSource

/// Identifies a global variable: an index into `Model.globals`.
public struct GlobalID: Hashable, Sendable { public let index: Int; public init(_ i: Int) { index = i } }
/// Identifies a process template: an index into `Model.processes`.
public struct ProcessID: Hashable, Sendable { public let index: Int; public init(_ i: Int) { index = i } }
/// Identifies a label of a process template: an index into `Process.labels`.
public struct LabelID: Hashable, Sendable { public let index: Int; public init(_ i: Int) { index = i } }

/// A storage location: a variable and a path of array indices (innermost last).
public struct Place: Sendable {
    public enum Root: Sendable {
        case global(GlobalID)
        /// A local of a process. `instance == nil` means the executing process itself.
        case local(ProcessID, instance: Expr?, index: Int)
    }
    public let root: Root
    /// Index expressions, outermost array first; each a value of that array's index type.
    public let path: [Expr]
    /// The type at the end of the path.
    public let type: IRType

    public init(root: Root, path: [Expr], type: IRType) {
        self.root = root; self.path = path; self.type = type
    }
}

/// Unary operators.
public enum UnaryOp: String, Sendable { case not = "!", negate = "-", size = "size" }

/// Binary operators on scalars and sets.
public enum BinaryOp: String, Sendable {
    case add = "+", sub = "-", mul = "*", div = "/", mod = "%"
    case eq = "==", ne = "!=", lt = "<", le = "<=", gt = ">", ge = ">="
    case and = "&&", or = "||", implies = "=>"
    /// Set operations on bitmasks.
    case union = "∪", intersect = "∩", difference = "∖", subset = "⊆"
    /// `x in S`: lhs a scalar of the set's element type, rhs a set.
    case member = "in"
}

/// What a quantifier or `choose` ranges over.
public enum IRDomain: Sendable {
    /// Every value of a finite scalar type.
    case type(IRType)
    /// The members of a set-valued expression (of a set over `element`).
    case set(Expr, element: IRType)

    /// The scalar type the bound variable has.
    public var elementType: IRType {
        switch self {
        case .type(let t): return t
        case .set(_, let e): return e
        }
    }
}

/// Quantifier kinds; `count` yields the number of values satisfying the body.
public enum Quantifier: String, Sendable { case forall, exists, count }

/// A typed expression. Its value is always an `Int64`: bools 0/1, enum ordinals,
/// integers, set bitmasks.
public struct Expr: Sendable {
    public indirect enum Op: Sendable {
        case literal(Int64)
        case read(Place)
        /// The executing process's index value.
        case selfIndex
        /// A variable bound by a quantifier or `choose` (an index into the bound registers).
        case bound(Int)
        case unary(UnaryOp, Expr)
        case binary(BinaryOp, Expr, Expr)
        case conditional(Expr, Expr, Expr)
        /// A set built from scalar members of `element` type.
        case setOf([Expr], element: IRType)
        /// Length of the queue at a place.
        case length(Place)
        /// Front of a queue / top of a stack (run-time error if empty).
        case head(Place)
        /// `x in q`: the scalar `x` equals one of the elements of the queue or stack at
        /// the place (one of its first `len` element slots; order and multiplicity do not
        /// matter), or one of the elements of the array of scalars at the place.
        case elementOf(Expr, Place)
        case quantifier(Quantifier, bound: Int, IRDomain, Expr)
        /// Process `process` instance (ordinal of `instance`'s value) is at one of `labels`;
        /// `LabelID(labels.count)` of that process means terminated.
        case at(ProcessID, instance: Expr?, label: LabelID)
    }
    public let op: Op
    public let type: IRType
    public let range: SourceRange?

    public init(_ op: Op, _ type: IRType, _ range: SourceRange?) {
        self.op = op; self.type = type; self.range = range
    }

    /// A boolean constant.
    public static func bool(_ b: Bool) -> Expr { Expr(.literal(b ? 1 : 0), .bool, nil) }
}
