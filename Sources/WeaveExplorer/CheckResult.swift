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

/// What kind of property failed.
public enum ViolationKind: String, Sendable {
    case invariant, assertion, overflow, deadlock, runtimeError = "runtime error", unreachable, liveness
}

/// A violated property, with the trace that shows it.
public struct Violation: Sendable {
    public let kind: ViolationKind
    /// The property's name (`deadlock`, `overflow(q)`, an assert's message, ...).
    public let property: String
    /// A sentence for the user.
    public let message: String
    /// Where in the model (the assert, the push, the invariant, the failing expression).
    public let range: SourceRange?
    /// The counterexample; nil for an unreached `reachable` (there is no state to show).
    public let trace: Trace?
    /// The last step failed partway (assert, overflow, run-time error): the last state
    /// is the state at that point, not a reachable state.
    public let failedInsideStep: Bool
    /// When `range` is inside a macro body: the calls it was expanded through, innermost
    /// first (the last is the model's own line).
    public var expansion: [ExpansionSite] = []
    /// For a liveness violation: the values of the property's `forall` variables the
    /// lasso violates it for (empty when it has none), so a minimised lasso can be
    /// checked against the same instance of the property.
    public var livenessValues: [Int64]? = nil

    public init(kind: ViolationKind, property: String, message: String, range: SourceRange?, trace: Trace?,
                failedInsideStep: Bool) {
        self.kind = kind; self.property = property; self.message = message; self.range = range
        self.trace = trace; self.failedInsideStep = failedInsideStep
    }
}

/// Figures about a search, as TLC and SPIN print them.
public struct Statistics: Sendable {
    /// Transitions taken (successors generated, duplicates included).
    public var generated: Int = 0
    public var distinct: Int = 0
    /// States found but not yet expanded.
    public var queued: Int = 0
    public var depth: Int = 0
    public var elapsedSeconds: Double = 0
    /// The search's own structures (visited set, frontier, outboxes) at the end...
    public var memoryBytes: Int = 0
    /// ... and at their largest.
    public var peakMemoryBytes: Int = 0
    /// The visited set at the end (exact: states, parent records and table; with
    /// fingerprints: the table): `visitedBytes / distinct` is the cost of a state.
    public var visitedBytes: Int = 0
    public var stateBytes: Int = 0
    /// Search threads used.
    public var workers: Int = 1
    /// The search was depth-first: a trace it found is a trace, not a shortest one.
    public var depthFirst = false
    public var fingerprintOnly = false
    /// Fingerprint mode: the chance that two states shared a fingerprint (one was missed).
    public var collisionProbability: Double? = nil
    public var statesPerSecond: Double { elapsedSeconds > 0 ? Double(generated) / elapsedSeconds : 0 }
}

/// How many times each labelled step fired.
public struct Coverage: Sendable {
    public struct Entry: Sendable {
        public let process: String
        public let label: String
        public let count: Int
        public let range: SourceRange?
    }
    public let entries: [Entry]
    public var neverFired: [Entry] { entries.filter { $0.count == 0 } }
}

/// The outcome of a check.
public enum Verdict: Sendable {
    case holds
    case violated(Violation)
    /// A limit stopped the search before it finished; nothing was violated so far.
    case incomplete(reason: String)
}

/// Verdict, figures and coverage of one run.
public struct CheckResult: Sendable {
    public let verdict: Verdict
    public let statistics: Statistics
    public let coverage: Coverage
    /// Figures of the liveness pass, if one ran.
    public let livenessSeconds: Double?
    /// Whether the search stored one state per orbit of the symmetric types.
    public var symmetry: SymmetryUse = .none
}
