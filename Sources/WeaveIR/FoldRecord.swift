import WeaveSource

/// One operation the front end computed on constants while elaborating (an operator
/// applied to literals, folded into a literal), recorded when asked for:
/// `weave prove --symbolic` compares them across sizes to find every value computed
/// from the symbolic const in a way its encoding cannot follow.
public struct FoldRecord: Sendable {
    public enum Op: Sendable, Equatable {
        case unary(UnaryOp)
        /// Both operands were literals.
        case binary(BinaryOp)
        /// `a && b`, `a || b`, `a => b` decided by the literal `a` alone.
        case shortCircuit(BinaryOp)
    }
    public let op: Op
    /// The literal operands, in order.
    public let operands: [Int64]
    /// The operands are sets (bit masks), not integers or bools.
    public let setOperands: Bool
    public let range: SourceRange

    public init(op: Op, operands: [Int64], setOperands: Bool, range: SourceRange) {
        self.op = op
        self.operands = operands
        self.setOperands = setOperands
        self.range = range
    }
}

/// Where an elaboration records its `FoldRecord`s (a reference, filled as it goes).
public final class FoldLog {
    public private(set) var records: [FoldRecord] = []
    public init() {}
    public func append(_ r: FoldRecord) { records.append(r) }
    public var count: Int { records.count }
    /// Forgets the records in `range`: they were made elaborating a value the front end
    /// then dropped (the operand a short-circuit ignores, the branch of a conditional
    /// expression a constant condition does not take), which does not shape the model.
    public func drop(_ range: Range<Int>) { records.removeSubrange(range) }
}
