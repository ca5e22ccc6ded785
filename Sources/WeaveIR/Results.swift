import WeaveSource

// The results of a run, as both engines give them and every report reads them: the
// explorer fills `CheckResult`; the driver fills the proof and BMC results from the
// prover's own types. They sit beside `Trace` so that WeaveReport needs neither engine.

/// Which property a result is about: a declared one by its name, or one the checker
/// adds to every model. `name` is how the user selects it and how reports print it.
public enum PropertyID: Hashable, Sendable {
    /// An invariant, reachable or liveness property, or an assert's message.
    case declared(String)
    /// No reachable state is stuck (every process done or at an `end` label).
    case deadlock
    /// No step hits a run-time error (a value out of range, an empty pop, ...).
    case runtimeError
    /// The bound of the queue or stack named (`overflow(q)`).
    case overflow(String)
    /// Not a property of the model: a step hit an engine limit (`--max-step-instructions`,
    /// the fork depth); the run is incomplete, never violated.
    case engineLimit

    public static let deadlockName = "deadlock"
    public static let runtimeErrorName = "runtime error"
    public static let engineLimitName = "#engine limit"

    /// The identity of a property name as reports and `--property` spell it.
    public init(_ name: String) {
        switch name {
        case Self.deadlockName: self = .deadlock
        case Self.runtimeErrorName: self = .runtimeError
        case Self.engineLimitName: self = .engineLimit
        default:
            if name.hasPrefix("overflow("), name.hasSuffix(")") {
                self = .overflow(String(name.dropFirst("overflow(".count).dropLast()))
            } else {
                self = .declared(name)
            }
        }
    }

    /// The name: `deadlock`, `runtime error`, `overflow(q)`, or the declared name.
    public var name: String {
        switch self {
        case .declared(let n): return n
        case .deadlock: return Self.deadlockName
        case .runtimeError: return Self.runtimeErrorName
        case .overflow(let q): return "overflow(\(q))"
        case .engineLimit: return Self.engineLimitName
        }
    }

    public var isOverflow: Bool { if case .overflow = self { return true } else { return false } }
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

    /// The property as a typed identity.
    public var propertyID: PropertyID { PropertyID(property) }
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
    public init() {}
}

/// How many times each labelled step fired.
public struct Coverage: Sendable {
    public struct Entry: Sendable {
        public let process: String
        public let label: String
        public let count: Int
        public let range: SourceRange?
        public init(process: String, label: String, count: Int, range: SourceRange?) {
            self.process = process; self.label = label; self.count = count; self.range = range
        }
    }
    public let entries: [Entry]
    public var neverFired: [Entry] { entries.filter { $0.count == 0 } }
    public init(entries: [Entry]) { self.entries = entries }
}

/// The outcome of a check.
public enum Verdict: Sendable {
    case holds
    case violated(Violation)
    /// A limit stopped the search before it finished; nothing was violated so far.
    case incomplete(reason: String)
}

/// Whether and how a run used symmetry reduction.
public enum SymmetryUse: Sendable, Equatable {
    /// The model declares no symmetric type.
    case none
    /// `CheckOptions.symmetry` was off.
    case disabled
    /// Liveness properties were checked and the group is too large for exact
    /// representatives (more than 5040 permutations) or the model has more than 64
    /// process instances: the run explored the full state graph. (With exact
    /// representatives, liveness is checked on the quotient graph.)
    case offForLiveness
    /// States were stored one per orbit of the group of `permutations` permutations of
    /// `types` (`exact`), or with a greedy representative (not exact: sound, less reduction).
    case reduced(types: [String], permutations: Int, exact: Bool)

    /// One line for the report.
    public var summary: String? {
        switch self {
        case .none: return nil
        case .disabled: return "symmetry: off (--no-symmetry); distinct states are states"
        case .offForLiveness:
            return "symmetry: off for this run: liveness under symmetry needs exact representatives (at most 5040 permutations, 64 instances); the full state graph was explored (check with --no-liveness to reduce the safety check)"
        case .reduced(let types, let n, let exact):
            let size = n == Int.max ? "too many" : String(n)
            return "symmetry: \(types.joined(separator: ", ")) (\(size) permutations\(exact ? "" : ", greedy representatives")); distinct states are \(exact ? "orbits" : "orbit representatives")"
        }
    }
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

    public init(verdict: Verdict, statistics: Statistics, coverage: Coverage, livenessSeconds: Double?,
                symmetry: SymmetryUse = .none) {
        self.verdict = verdict; self.statistics = statistics; self.coverage = coverage
        self.livenessSeconds = livenessSeconds; self.symmetry = symmetry
    }
}

/// The whole reachable graph of a small model (`weave graph`, the DOT writer).
public struct StateGraph: Sendable {
    public struct Edge: Sendable {
        public let from: Int
        /// Target state index, or nil when the step fails (`failure` says how).
        public let to: Int?
        public let step: TraceStep
        public let failure: String?
        public init(from: Int, to: Int?, step: TraceStep, failure: String?) {
            self.from = from; self.to = to; self.step = step; self.failure = failure
        }
    }
    public let states: [[Int64]]
    public let initial: Set<Int>
    public let edges: [Edge]
    /// States with no successor where some process is neither done nor at an `end` label.
    public let deadlocks: Set<Int>
    /// States violating an invariant: state index -> invariant names.
    public let invariantViolations: [Int: [String]]
    public init(states: [[Int64]], initial: Set<Int>, edges: [Edge], deadlocks: Set<Int>,
                invariantViolations: [Int: [String]]) {
        self.states = states; self.initial = initial; self.edges = edges; self.deadlocks = deadlocks
        self.invariantViolations = invariantViolations
    }
}

/// Which `either` branches the steps of a trace took. Only an engine that runs steps can
/// tell (the explorer's `StateSpace`, which the driver hands to the reports), so reports
/// ask through this instead of importing an engine.
public protocol StepBranches {
    /// For the step `step` from `state` to `next` (the state at the failure, for a step
    /// that fails): each `either` node it went through and the branch it took, in order;
    /// empty when the step does not lead there or takes no `either`.
    func branches(from state: [Int64], step: TraceStep, to next: [Int64]) -> [(node: Int, branch: Int)]
}
