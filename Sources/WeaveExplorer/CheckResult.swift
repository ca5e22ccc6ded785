import WeaveIR
import WeaveSource

/// Which properties a run checks.
public enum PropertySelection: Sendable {
    /// Every invariant, assert, overflow, reachable, liveness property and (unless disabled) deadlock.
    case all
    /// Only these, by name (`deadlock`, `overflow(q)`, an assert's message, a property's name).
    case only(Set<String>)

    public func includes(_ name: String) -> Bool {
        switch self {
        case .all: return true
        case .only(let s): return s.contains(name)
        }
    }
}

/// Search limits and strategy.
public struct CheckOptions: Sendable {
    public var properties: PropertySelection = .all
    public var checkDeadlock = true
    public var checkLiveness = true
    public var depthFirst = false
    /// Depth-first only: push each state's new successors in an order permuted by this seed
    /// (swarm search: array-job tasks with different seeds go deep in different places).
    public var dfsSeed: UInt64? = nil
    /// Compile the model's expressions to machine code with the system's C compiler
    /// (`NativeCode`; interpreted where that fails); nil: when `WEAVE_NATIVE` is `1`.
    public var nativeCode: Bool? = nil
    public var workers = 1
    /// Keep 64-bit fingerprints instead of states (breadth-first safety only): 10-15
    /// bytes per state, at a small risk of missing states (TLC's trade).
    public var fingerprintOnly = false
    /// Reduce by the model's symmetric types (if it declares any), for safety and for
    /// liveness (except `SymmetryUse.offForLiveness`'s cases).
    public var symmetry = true
    public var maxStates: Int? = nil
    public var maxDepth: Int? = nil
    public var timeLimit: Double? = nil
    public var memoryLimitBytes: Int? = nil
    /// Hold `memoryLimitBytes` for the process's resident memory too, not only for the
    /// stores' own figure (`weave check` does; a library caller sharing its process
    /// with other work may not want to).
    public var countResidentMemory = false
    /// Save the breadth-first search here at level boundaries (see `Explorer.resume`).
    public var checkpointDirectory: String? = nil
    /// Seconds between checkpoints (at the first level boundary after each interval).
    public var checkpointInterval: Double = 60
    /// Continue the search saved in this directory (the driver calls `Explorer.resume`).
    public var resumeDirectory: String? = nil
    /// Fairness of every process for this run (`--fairness`), instead of each process's
    /// declaration; nil keeps the declarations.
    public var fairness: FairnessKind? = nil
    /// Instructions one step may run (loops inside a step included) before the engine
    /// gives up on it: the run is then incomplete (exit 10), not violated.
    public var maxStepInstructions = CheckOptions.defaultStepInstructionLimit
    public static let defaultStepInstructionLimit = 1_000_000
    /// Called about every 2 s with the figures so far (from the search thread).
    public var progress: (@Sendable (Statistics) -> Void)? = nil
    /// Polled during the search; when it returns true the run stops as incomplete (SIGINT).
    public var shouldStop: (@Sendable () -> Bool)? = nil
    /// Search over several processes (MPI ranks) through this transport (DistributedSearch.swift).
    public var transport: (any DistributedTransport)? = nil
    public init() {}
}

// The results (Violation, Verdict, Statistics, Coverage, CheckResult, SymmetryUse) are in
// WeaveIR/Results.swift, beside Trace, so that reports need not import the explorer.
