import WeaveIR

/// The labelled state graph that a breadth-first search records when the liveness pass
/// will need it (`SearchPlan.recordGraph`): BFS expands states in id order, so edges
/// arrive in CSR order. One per explorer; empty unless the plan records.
final class RecordedGraph {
    /// Edges of state `id`: `offsets[id] ..< offsets[id + 1]`.
    var offsets: [Int] = [0]
    var targets: [UInt32] = []
    /// The instance that steps along each edge.
    var stepper: [UInt8] = []
    /// Under symmetry: per edge, the table index + 1 of the permutation that took the
    /// successor to its representative (0: identity), for SymmetricLiveness.swift.
    var perm: [UInt16] = []
    /// Per state, the instances that can step there.
    var enabled: [UInt64] = []

    /// Bytes the recorded graph holds (its arrays' capacities): part of the search's
    /// memory, so `--memory-limit` stops a liveness run before it outgrows the machine.
    var bytes: Int {
        offsets.capacity * 8 + targets.capacity * 4 + stepper.capacity + perm.capacity * 2 + enabled.capacity * 8
    }
}

/// What the liveness pass reads of a finished search: the explored graph, as references
/// to the explorer's own objects (never copies: a graph can be gigabytes).
struct ExploredGraph {
    let model: Model
    /// Worker 0's engine, which the pass re-expands states and evaluates properties with.
    let engine: Engine
    /// Every reachable state (the plan gives liveness one worker with exact states).
    let store: StateStore
    let symmetry: Symmetry?
    /// The edges recorded during the search, or nil: the pass rebuilds them by
    /// re-expanding every state.
    let recorded: RecordedGraph?
    /// Traces to stored states and violation wording, for the counterexample.
    let traces: TraceRebuilder
}

extension Explorer {
    /// The graph the search explored, for the liveness pass.
    var exploredGraph: ExploredGraph {
        ExploredGraph(model: model, engine: engine, store: store, symmetry: symmetry,
                      recorded: recordGraph ? recorded : nil, traces: traces)
    }

    /// Why the liveness pass must stop with `graphBytes` of graph beside the store (a
    /// memory or time limit, an interrupt); counts them in the run's peak memory.
    func livenessStopReason(graphBytes: Int) -> String? {
        let memory = store.memoryBytes + graphBytes
        stats.peakMemoryBytes = max(stats.peakMemoryBytes, memory)
        return limitReason(distinct: store.count, memory: memory)
    }
}
