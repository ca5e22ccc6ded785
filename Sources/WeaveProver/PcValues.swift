import WeaveIR
import WeaveZ3

extension Process {
    /// The values a pc of this process can take in a reachable state: the labels whose
    /// entry the code reaches from the first label, and `done` (labels.count) only if a
    /// `done` node is reachable (the process can terminate). Every step starts at a label
    /// and ends at another label's entry or at `done`, so no run leaves this set; the
    /// induction pre-state is constrained to it (a process that loops for ever is not
    /// terminated in a counterexample to induction).
    var pcValues: [Int64] {
        let (seen, terminates) = reachableCode
        var out = labels.indices.filter { seen.contains(labels[$0].entry) }.map { Int64($0) }
        if terminates { out.append(Int64(labels.count)) }
        return out
    }

    /// Whether a `done` node is reachable from the first label: the process can terminate.
    var canTerminate: Bool { reachableCode.terminates }

    /// The nodes reachable from the first label's entry, and whether one of them is `done`.
    private var reachableCode: (nodes: Set<NodeID>, terminates: Bool) {
        guard let first = labels.first else { return ([], true) }
        var seen = Set<NodeID>([first.entry])
        var work = [first.entry]
        var terminates = false
        while let n = work.popLast() {
            if case .done = nodes[n].kind { terminates = true }
            for s in successors(n) where seen.insert(s).inserted { work.append(s) }
        }
        return (seen, terminates)
    }
}

extension Terms {
    /// `x` is one of `values` (sorted): within their range, and none of the values missing
    /// from it (a conjunction, which Z3's quantifier instantiation handles far better than
    /// a disjunction of equalities inside the symbolic encoder's foralls).
    func oneOf(_ x: Z3Expr, _ values: [Int64]) throws -> Z3Expr {
        guard let lo = values.first, let hi = values.last else { return f }
        let present = Set(values)
        let missing = (lo...hi).filter { !present.contains($0) }
        return try and([within(x, lo, hi)] + missing.map { try not(eq(x, int($0))) })
    }
}
