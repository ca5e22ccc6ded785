import WeaveSource

/// A name as written, with where it stands.
public struct Ident: Sendable {
    public let name: String
    public let range: SourceRange
    public init(_ name: String, _ range: SourceRange) { self.name = name; self.range = range }
}

/// A type as written.
public struct TypeExpr: Sendable {
    public indirect enum Kind: Sendable {
        case named(String)
        case bool
        case range(lo: Expr, hi: Expr, exclusive: Bool)
        case enumeration([Ident])
        case array(index: TypeExpr, element: TypeExpr)
        case set(TypeExpr)
        case queue(element: TypeExpr, capacity: Expr, lifo: Bool)
        /// `symmetric LO..HI`: a range whose values are interchangeable (a scalarset).
        case symmetric(TypeExpr)
        /// `record { refs: 0..3, state: FileState }`: named fields (declared only as
        /// `type NAME = record { ... }`).
        case record([(name: Ident, type: TypeExpr)])
    }
    public let kind: Kind
    public let range: SourceRange
    /// `type Head = -2..8 names { TW_EXITED: "&work_exited", TW_NULL: "NULL" }`: how
    /// traces print these values of the type (a named alias only).
    public var valueNames: [(Expr, String)] = []
}

/// Binary operators, loosest first in the parser's precedence table.
public enum BinaryOp: String, Sendable {
    case implies = "=>", or = "||", and = "&&"
    case eq = "==", ne = "!=", lt = "<", le = "<=", gt = ">", ge = ">=", member = "in"
    case add = "+", sub = "-", mul = "*", div = "/", mod = "%"
    case leadsto = "leadsto"
}

/// Quantifier kinds.
public enum QuantifierKind: String, Sendable { case forall, exists, count }

/// What a quantifier or `choose` ranges over: a finite type or a set expression.
public indirect enum Domain: Sendable {
    case type(TypeExpr)
    case set(Expr)
    /// `choose s: subset S`: every subset of the set (or type) `S`; only `choose` takes it.
    case subsets(Domain)

    public var range: SourceRange {
        switch self {
        case .type(let t): return t.range
        case .set(let e): return e.range
        case .subsets(let d): return d.range
        }
    }
}

/// An expression as written.
public struct Expr: Sendable {
    public indirect enum Kind: Sendable {
        case integer(Int64)
        case boolean(Bool)
        case name(String)
        case selfIndex
        case negate(Expr)
        case not(Expr)
        case binary(BinaryOp, Expr, Expr)
        case index(Expr, Expr)
        case member(Expr, Ident)
        case call(Ident, [Expr])
        case setLiteral([Expr])
        case listLiteral([Expr])
        /// `{ refs: 1, state: open }`: a value of a record type, field by field.
        case recordLiteral([(name: Ident, value: Expr)])
        case conditional(Expr, Expr, Expr)
        case quantifier(QuantifierKind, Ident, Domain, Expr)
        case at(Expr, Ident)
        case any
        case eventually(Expr)
        case always(Expr)
    }
    public let kind: Kind
    public let range: SourceRange
    public init(kind: Kind, range: SourceRange) { self.kind = kind; self.range = range }
}

/// A label before a statement.
public struct Label: Sendable {
    public let name: Ident
    /// `end NAME:`: waiting here forever is a valid end state.
    public let isEnd: Bool
    public init(name: Ident, isEnd: Bool) { self.name = name; self.isEnd = isEnd }
}

/// A statement as written.
public struct Stmt: Sendable {
    public indirect enum Kind: Sendable {
        case assign(Expr, Expr)
        case call(Ident, [Expr])
        case await(Expr)
        case assert(Expr, String)
        case conditional([(Expr, [Stmt])], [Stmt]?)
        case loop(Expr, [Stmt])
        case either([[Stmt]])
        case choose(Ident, Domain, [Stmt])
        case goto(Ident)
        case done
        case skip
    }
    public let kind: Kind
    public let range: SourceRange
    public var label: Label?
    /// The macro calls this statement was expanded from, innermost first (none for a
    /// statement written in the process itself).
    public var expansion: [ExpansionSite] = []
    public init(kind: Kind, range: SourceRange, label: Label? = nil) { self.kind = kind; self.range = range; self.label = label }
}

/// How a variable starts.
public enum Initializer: Sendable {
    case value(Expr)
    case any(SourceRange)
    case oneOf(Expr)
    /// `[t: EXPR]`: an array whose element at index `t` is EXPR (a constant expression of `t`).
    case perIndex(Ident, Expr, SourceRange)
}

/// `var NAME: TYPE = INIT`.
public struct VarDecl: Sendable {
    public let name: Ident
    public let type: TypeExpr
    public let initializer: Initializer
    public let range: SourceRange
    /// `ghost var`: bookkeeping for properties and proofs that the kernel does not have.
    public var isGhost = false
}

/// Fairness as declared on a process.
public enum Fairness: String, Sendable { case unfair, weak, strong }

/// `fair process NAME(i: T) { locals; body }`.
public struct ProcessDecl: Sendable {
    public let name: Ident
    public let index: (Ident, TypeExpr)?
    public let fairness: Fairness
    public let locals: [VarDecl]
    public let body: [Stmt]
    public let range: SourceRange
    /// `process rescuer if design == wq_reclaim { ... }`: the process exists only in the
    /// settings where this constant condition holds.
    public var condition: Expr? = nil
}

/// A property named in an `expect` line.
public enum PropertyRef: Sendable {
    case name(Ident)
    case message(String, SourceRange)
    case overflow(Ident)
    case deadlock(SourceRange)
}

/// One `NAME = V` or `NAME in {V, ...}` of an `expect` line.
public struct Setting: Sendable {
    public let name: Ident
    public let values: [Expr]
}

/// The expected outcome of an `expect` line.
public enum ExpectedVerdict: Sendable {
    case holds([PropertyRef])
    case violated(PropertyRef)
    /// `proved P, ...`: the prover shows the properties inductive (with the file's invariants as lemmas).
    case proved([PropertyRef])
    /// `covered [except p.l, ...]`: a full search fires every step of the setting's code,
    /// except the listed ones (which must then never fire).
    case covered([String])
}

/// A top-level declaration.
public enum Decl: Sendable {
    case model(Ident)
    case importFile(String, SourceRange)
    case constant(Ident, Expr)
    case param(Ident, TypeExpr, Expr)
    case typeAlias(Ident, TypeExpr)
    case variable(VarDecl)
    case process(ProcessDecl)
    case macro(Ident, [Ident], [Stmt], SourceRange)
    case def(Ident, [Ident], Expr)
    case invariant(Ident, Expr)
    case reachable(Ident, Expr)
    case liveness(Ident, Expr)
    case expect([Setting], ExpectedVerdict, SourceRange)
}

/// A parsed file.
public struct SourceUnit: Sendable {
    public let file: SourceFile
    public let decls: [Decl]
}
