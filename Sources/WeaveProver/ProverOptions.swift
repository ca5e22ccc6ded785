/// Settings of a proof or a bounded model check.
public struct ProverOptions: Sendable {
    /// k of k-induction (1: plain induction).
    public var k: Int = 1
    /// Per-query Z3 timeout in milliseconds (nil: none).
    public var timeoutMs: UInt32? = nil
    /// Write each query as `NNN-name.smt2` here (replay with `z3 FILE`).
    public var smtLogDir: String? = nil
    /// Statements one path of one step may run before the encoder gives up (unlabelled loops).
    public var maxPathNodes: Int = 100_000
    public init() {}
}
